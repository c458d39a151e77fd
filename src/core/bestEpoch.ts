/**
 * Which way is better for a logged quantity, and the best epoch of a history: one rule for
 * result.json, the CLI comparison table and the panel, so they agree.
 */
import { kerasMetricDirection, lookupLoss, type Direction } from './registry';

/** `val_accuracy` -> `accuracy`. */
function baseKey(key: string): string {
  return key.startsWith('val_') ? key.slice(4) : key;
}

/**
 * 'min' or 'max' for a Keras log key (`val_` prefix stripped), from the registry's metric/loss
 * entries (and Keras's direction for Keras metrics the registry lacks). Anything else (`loss`,
 * `learning_rate`, an unknown name) is treated like a loss: lower is better.
 */
export function metricDirection(key: string): Direction {
  const name = baseKey(key);
  if (name === 'loss') return 'min';
  return kerasMetricDirection(name) ?? lookupLoss(name)?.direction ?? 'min';
}

/** The best finite value of `values` by `direction`, and its 0-based index (the first on ties, as Keras keeps it). */
export function bestIndex(values: readonly (number | null)[], direction: Direction): { index: number; value: number } | null {
  let best: { index: number; value: number } | null = null;
  values.forEach((v, index) => {
    if (v === null || !Number.isFinite(v)) return;
    if (!best || (direction === 'max' ? v > best.value : v < best.value)) best = { index, value: v };
  });
  return best;
}

/**
 * The best epoch (1-based) of `history` under `monitor` (if it is in the history), else val_loss,
 * else loss. NaN and infinite values never count as best; null when no value is finite.
 */
export function bestEpoch(
  history: Readonly<Record<string, readonly (number | null)[] | undefined>>,
  monitor?: string | null,
): { epoch: number; monitor: string } | null {
  const key = [monitor, 'val_loss', 'loss'].find((k): k is string => typeof k === 'string' && (history[k]?.length ?? 0) > 0);
  if (key === undefined) return null;
  const best = bestIndex(history[key] ?? [], metricDirection(key));
  return best && { epoch: best.index + 1, monitor: key };
}
