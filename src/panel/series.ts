/**
 * Series arithmetic for the panel: bounded per-batch series, smoothing and "best epoch" (by
 * core/bestEpoch.ts, the rule result.json and the CLI use too).
 * Pure functions over plain arrays, shared by the host and the webview.
 */
import { bestEpoch, bestIndex, metricDirection } from '../core/bestEpoch';
import type { BatchSeries, History } from './protocol';

/**
 * Per-batch points kept per run. 50 epochs x 1,719 batches streamed unthrottled keep ~1,300;
 * a chart a few hundred pixels wide cannot show more.
 */
export const MAX_BATCH_POINTS = 2000;

/** An empty per-batch series. */
export function emptyBatchSeries(): BatchSeries {
  return { x: [], values: {}, stride: 1, seen: 0 };
}

/** `value` if it is a finite number, else `null` (JSON and `postMessage` turn NaN into null anyway). */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Adds one batch message's metrics at `x`, keeping at most `cap` points: every `stride`-th
 * message is kept, and when the kept points pass the cap every other one is dropped and the
 * stride doubles. The kept points stay evenly spaced, and the work per message is O(1) amortized.
 */
export function pushBatchPoint(series: BatchSeries, x: number, metrics: Record<string, number>, cap = MAX_BATCH_POINTS): void {
  const keep = series.seen % series.stride === 0;
  series.seen++;
  if (!keep) return;
  const n = series.x.length;
  series.x.push(x);
  for (const name of Object.keys(metrics)) {
    // A metric that first appears now gets nulls for the earlier points, to stay aligned with x.
    if (!series.values[name]) series.values[name] = new Array<number | null>(n).fill(null);
  }
  for (const [name, column] of Object.entries(series.values)) column.push(finiteOrNull(metrics[name]));
  if (series.x.length > cap) {
    series.x = everyOther(series.x);
    for (const name of Object.keys(series.values)) series.values[name] = everyOther(series.values[name]);
    series.stride *= 2;
  }
}

/** Every other item, from the first. */
export function everyOther<T>(values: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += 2) out.push(values[i]);
  return out;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` (0 = raw,
 * towards 1 = smoother), debiased so the first points are not pulled towards zero.
 * Gaps (`null`) stay gaps and do not break the average.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null) return null;
    last = last * weight + (1 - weight) * v;
    count++;
    return last / (1 - Math.pow(weight, count));
  });
}

/** Whether a larger value of `metric` is better (the registry's direction; `precision`, `val_auc` yes, `val_loss` no). */
export function higherIsBetter(metric: string): boolean {
  return metricDirection(metric) === 'max';
}

/** The best value of a series and its 1-based epoch (the first one on ties, as Keras keeps it). */
export function bestOf(values: readonly (number | null)[] | undefined, metric: string): { value: number; epoch: number } | null {
  const best = values ? bestIndex(values, metricDirection(metric)) : null;
  return best && { value: best.value, epoch: best.index + 1 };
}

/** A run's best epoch under `monitor` if logged, else val_loss, else loss, with that metric and value. */
export function bestOfRun(history: History, monitor: string | null): { monitor: string; epoch: number; value: number } | null {
  const best = bestEpoch(history, monitor);
  return best && { ...best, value: history[best.monitor][best.epoch - 1] as number };
}
