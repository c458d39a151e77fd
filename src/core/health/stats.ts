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

/**
 * The activations whose flat parts count as saturated: outputs below `low` or above `high`
 * (`inclusive`: at them too).
 */
const SATURATING: Record<string, { low: number; high: number; inclusive: boolean } | undefined> = {
  sigmoid: { low: 0.02, high: 0.98, inclusive: false },
  hard_sigmoid: { low: 0, high: 1, inclusive: true },
  tanh: { low: -0.97, high: 0.97, inclusive: false },
  softsign: { low: -0.97, high: 0.97, inclusive: false },
};

/** Activations whose units can die: zero output, zero gradient. */
const RELU_FAMILY = new Set(['relu', 'relu6']);

/** What the outputs of a layer say: mean, std, saturation, dead units, non-finite values, histogram. */
export type OutputStats = Pick<LayerHealth, 'activationMean' | 'activationStd' | 'saturation' | 'deadFraction' | 'nonFinite' | 'nonFiniteOutputs' | 'histogram'>;

/** Where `activation`'s outputs count as saturated, or undefined when it does not saturate. */
export function saturationOf(activation: string): { low: number; high: number; inclusive: boolean } | undefined {
  return SATURATING[activation];
}

/** Whether `activation`'s units can die (dead units are counted). */
export function canDie(activation: string): boolean {
  return RELU_FAMILY.has(activation);
}

/**
 * The sums OutputStats come from: over the finite outputs, their count, sum, sum of squares and
 * saturated count, the histogram's counts (HEALTH_HISTOGRAM), the non-finite count, and which
 * columns had a value above 0 (activations that can die). From outputSums here, or the fused
 * kernel's k_output_stats (src/kernel/stats.c), which does the same arithmetic.
 */
export interface OutputSums {
  finite: number;
  sum: number;
  sumSq: number;
  flat: number;
  nonFinite: number;
  counts: ArrayLike<number>;
  alive?: Uint8Array;
}

/** One pass over a layer's outputs for one batch, with locals only. */
export function outputSums(out: Block, activation: string): OutputSums {
  const { min, max, bins } = HEALTH_HISTOGRAM;
  const counts = new Float64Array(bins);
  const sat = SATURATING[activation];
  const [low, high, inclusive] = sat ? [sat.low, sat.high, sat.inclusive] : [-Infinity, Infinity, false];
  const alive = RELU_FAMILY.has(activation) ? new Uint8Array(out.cols) : undefined;
  const { data, rows, cols, stride } = out;
  const scale = bins / (max - min);
  let sum = 0, sumSq = 0, finite = 0, flat = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    for (let c = 0; c < cols; c++) {
      const a = data[base + c];
      if (!(a - a === 0)) continue;  // NaN or infinite
      finite++;
      sum += a;
      sumSq += a * a;
      if (inclusive ? a <= low || a >= high : a < low || a > high) flat++;
      if (alive !== undefined && a > 0) alive[c] = 1;
      const bin = Math.floor((a - min) * scale);
      counts[bin < 0 ? 0 : bin >= bins ? bins - 1 : bin]++;
    }
  }
  return { finite, sum, sumSq, flat, nonFinite: rows * cols - finite, counts, alive };
}

/** The statistics from a layer's sums (`cols`: its units; `activation`: the Keras name of what produced the outputs). */
export function statsFromSums(s: OutputSums, cols: number, activation: string): OutputStats {
  const mean = s.finite ? s.sum / s.finite : null;
  const alive = canDie(activation) ? s.alive : undefined;
  return {
    activationMean: mean,
    activationStd: mean === null ? null : Math.sqrt(Math.max(0, s.sumSq / s.finite - mean * mean)),
    saturation: SATURATING[activation] && s.finite ? s.flat / s.finite : null,
    deadFraction: alive && cols ? (cols - alive.reduce((n, v) => n + v, 0)) / cols : null,
    nonFinite: s.nonFinite,
    nonFiniteOutputs: s.nonFinite,
    histogram: Array.from(s.counts),
  };
}

/** Statistics of a layer's outputs for one batch (`activation` is the Keras name of what produced them). */
export function outputStats(out: Block, activation: string): OutputStats {
  return statsFromSums(outputSums(out, activation), out.cols, activation);
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
