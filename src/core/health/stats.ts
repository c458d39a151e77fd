/**
 * The training-health statistics of one layer, from arrays an engine already has: the layer's
 * outputs for a batch, its kernel before and after the step. Pure arithmetic over Float32Arrays
 * (row-major, with a row stride so the kernel's padded buffers are read in place).
 */
import { HEALTH_HISTOGRAM, type LayerHealth } from './types';

/** A [rows][cols] block of floats stored with `stride` floats per row (stride >= cols). */
export interface Block {
  data: Float32Array;
  rows: number;
  cols: number;
  stride: number;
}

/** The activations whose flat parts count as saturated, and where those start. */
const SATURATING: Record<string, ((a: number) => boolean) | undefined> = {
  sigmoid: (a) => a < 0.02 || a > 0.98,
  hard_sigmoid: (a) => a <= 0 || a >= 1,
  tanh: (a) => a > 0.97 || a < -0.97,
  softsign: (a) => a > 0.97 || a < -0.97,
};

/** Activations whose units can die: zero output, zero gradient. */
const RELU_FAMILY = new Set(['relu', 'relu6']);

/** What the outputs of a layer say: mean, std, saturation, dead units, non-finite values, histogram. */
export type OutputStats = Pick<LayerHealth, 'activationMean' | 'activationStd' | 'saturation' | 'deadFraction' | 'nonFinite' | 'nonFiniteOutputs' | 'histogram'>;

/** Statistics of a layer's outputs for one batch (`activation` is the Keras name of what produced them). */
export function outputStats(out: Block, activation: string): OutputStats {
  const { min, max, bins } = HEALTH_HISTOGRAM;
  const histogram = new Array<number>(bins).fill(0);
  const saturated = SATURATING[activation];
  const alive = RELU_FAMILY.has(activation) ? new Uint8Array(out.cols) : undefined;
  let sum = 0, sumSq = 0, finite = 0, nonFinite = 0, flat = 0;
  for (let r = 0; r < out.rows; r++) {
    const base = r * out.stride;
    for (let c = 0; c < out.cols; c++) {
      const a = out.data[base + c];
      if (!Number.isFinite(a)) { nonFinite++; continue; }
      finite++;
      sum += a;
      sumSq += a * a;
      if (saturated?.(a)) flat++;
      if (alive && a > 0) alive[c] = 1;
      const bin = Math.floor(((a - min) / (max - min)) * bins);
      histogram[bin < 0 ? 0 : bin >= bins ? bins - 1 : bin]++;
    }
  }
  const mean = finite ? sum / finite : null;
  return {
    activationMean: mean,
    activationStd: mean === null ? null : Math.sqrt(Math.max(0, sumSq / finite - mean * mean)),
    saturation: saturated && finite ? flat / finite : null,
    deadFraction: alive && out.cols ? (out.cols - alive.reduce((n, v) => n + v, 0)) / out.cols : null,
    nonFinite,
    nonFiniteOutputs: nonFinite,
    histogram,
  };
}

/** Count of NaN and infinite values in a block. */
export function countNonFinite(b: Block): number {
  let n = 0;
  for (let r = 0; r < b.rows; r++) {
    const base = r * b.stride;
    for (let c = 0; c < b.cols; c++) if (!Number.isFinite(b.data[base + c])) n++;
  }
  return n;
}

/** The L2 (Frobenius) norm of a block. */
export function l2Norm(b: Block): number {
  let s = 0;
  for (let r = 0; r < b.rows; r++) {
    const base = r * b.stride;
    for (let c = 0; c < b.cols; c++) s += b.data[base + c] * b.data[base + c];
  }
  return Math.sqrt(s);
}

/** A kernel's norm before a step, and ||after - before|| / ||before|| (null when it was all zeros), in one pass. */
export function kernelChange(before: Block, after: Block): { weightNorm: number; updateRatio: number | null } {
  // Locals only in the loop: this runs over every weight of the model at each sample.
  const x = before.data, y = after.data, { rows, cols, stride } = before;
  let d = 0, w = 0;
  for (let r = 0; r < rows; r++) {
    const end = r * stride + cols;
    for (let i = r * stride; i < end; i++) {
      const v = x[i];
      const e = y[i] - v;
      d += e * e;
      w += v * v;
    }
  }
  return { weightNorm: Math.sqrt(w), updateRatio: w > 0 ? Math.sqrt(d / w) : null };
}

/** ||after - before|| / ||before|| for a kernel before and after a step (same layout); null when the kernel is all zeros. */
export function updateRatio(before: Block, after: Block): number | null {
  return kernelChange(before, after).updateRatio;
}
