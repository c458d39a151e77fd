/**
 * The registry's metrics as the fused engine computes them, from the kernel's output rows and
 * the batch's labels: TensorFlow.js's formulas (tfjs-layers metrics.js and losses.js), each a
 * mean over the batch of a per-example value, so the two engines log the same numbers. The
 * kernel computes `accuracy` itself. Precision and recall are Keras's (a prediction above 0.5 is
 * positive, a nonzero label is; TensorFlow.js's own count only predictions exactly equal to 1):
 * a ratio of counts, so an evaluated split sums the counts over all its rows (compileModel.ts
 * gives the TensorFlow.js path the same formula).
 */
import type { Block } from './health/stats';

/** The label of example `row`, output `col` (col 0 for a class id). */
export type LabelAt = (row: number, col: number) => number;

export interface MetricMath {
  /** `sparse`: one class id per example (a sparse loss's labels); `dense`: one value per output. */
  labels: 'sparse' | 'dense';
  /** The metric's mean over the block's rows (a ratio metric's ratio of its counts). */
  batchMean(out: Block, label: LabelAt): number;
  /** A ratio metric's numerator and denominator over the block (precision, recall); the metric is 0 while the denominator is. */
  counts?(out: Block, label: LabelAt): [number, number];
}

const EPSILON = 1e-7;

function argmax(out: Block, row: number, cols = out.cols): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (out.data[row * out.stride + j] > out.data[row * out.stride + best]) best = j;
  return best;
}

/** The mean over rows of `perRow`. */
function rowMean(out: Block, perRow: (row: number, at: number) => number): number {
  let sum = 0;
  for (let r = 0; r < out.rows; r++) sum += perRow(r, r * out.stride);
  return sum / out.rows;
}

/** The mean over rows of the mean over outputs of `perValue(prediction, label)`. */
function elementMean(out: Block, label: LabelAt, perValue: (p: number, y: number) => number): number {
  return rowMean(out, (r, at) => {
    let s = 0;
    for (let j = 0; j < out.cols; j++) s += perValue(out.data[at + j], label(r, j));
    return s / out.cols;
  });
}

const clip = (p: number): number => Math.min(Math.max(p, EPSILON), 1 - EPSILON);

/** tfjs's categorical cross-entropy of one row: predictions scaled to sum to 1, clipped; `hot(j)` the label of class j. */
function crossEntropy(out: Block, at: number, hot: (j: number) => number): number {
  let total = 0;
  for (let j = 0; j < out.cols; j++) total += out.data[at + j];
  let l = 0;
  for (let j = 0; j < out.cols; j++) {
    const t = hot(j);
    if (t !== 0) l -= t * Math.log(clip(out.data[at + j] / total));
  }
  return l;
}

/** Keras's true positives and, as `predicted`, predicted positives (precision) or actual positives (recall). */
function positives(out: Block, label: LabelAt, predicted: boolean): [number, number] {
  let [hits, total] = [0, 0];
  for (let r = 0; r < out.rows; r++) {
    for (let j = 0; j < out.cols; j++) {
      const [p, t] = [out.data[r * out.stride + j] > 0.5, label(r, j) !== 0];
      if (p && t) hits++;
      if (predicted ? p : t) total++;
    }
  }
  return [hits, total];
}

/** A ratio metric from its counts. */
function ratioMetric(counts: (out: Block, label: LabelAt) => [number, number]): MetricMath {
  return { labels: 'dense', counts, batchMean: (out, y) => ratio(counts(out, y)) };
}

/** numerator / denominator, 0 for 0 / 0 (Keras's divide_no_nan). */
export function ratio([num, den]: [number, number]): number {
  return den === 0 ? 0 : num / den;
}

export const METRIC_MATH: Record<string, MetricMath> = {
  sparse_categorical_accuracy: { labels: 'sparse', batchMean: (out, y) => rowMean(out, (r) => (argmax(out, r) === y(r, 0) ? 1 : 0)) },
  categorical_accuracy: {
    labels: 'dense',
    batchMean: (out, y) => rowMean(out, (r) => {
      let best = 0;
      for (let j = 1; j < out.cols; j++) if (y(r, j) > y(r, best)) best = j;
      return argmax(out, r) === best ? 1 : 0;
    }),
  },
  binary_accuracy: { labels: 'dense', batchMean: (out, y) => elementMean(out, y, (p, t) => ((p > 0.5 ? 1 : 0) === t ? 1 : 0)) },
  mean_squared_error: { labels: 'dense', batchMean: (out, y) => elementMean(out, y, (p, t) => (p - t) * (p - t)) },
  mean_absolute_error: { labels: 'dense', batchMean: (out, y) => elementMean(out, y, (p, t) => Math.abs(p - t)) },
  mean_absolute_percentage_error: { labels: 'dense', batchMean: (out, y) => 100 * elementMean(out, y, (p, t) => Math.abs((t - p) / Math.max(Math.abs(t), EPSILON))) },
  sparse_categorical_crossentropy: { labels: 'sparse', batchMean: (out, y) => rowMean(out, (r, at) => crossEntropy(out, at, (j) => (j === y(r, 0) ? 1 : 0))) },
  categorical_crossentropy: { labels: 'dense', batchMean: (out, y) => rowMean(out, (r, at) => crossEntropy(out, at, (j) => y(r, j))) },
  precision: ratioMetric((out, y) => positives(out, y, true)),
  recall: ratioMetric((out, y) => positives(out, y, false)),
  binary_crossentropy: {
    labels: 'dense',
    batchMean: (out, y) => elementMean(out, y, (p, t) => {
      const q = clip(p);
      return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    }),
  },
};

/** A metric over a whole split, batch by batch: the mean over its rows, or a ratio metric's ratio of summed counts. */
export class SplitMetric {
  private num = 0;
  private den = 0;

  add(m: MetricMath, out: Block, label: LabelAt): void {
    const [num, den] = m.counts ? m.counts(out, label) : [m.batchMean(out, label) * out.rows, out.rows];
    this.num += num;
    this.den += den;
  }

  value(): number {
    return ratio([this.num, this.den]);
  }
}
