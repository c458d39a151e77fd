/**
 * Shared monitor logic of Keras 3's `MonitorCallback` (keras/src/callbacks/monitor_callback.py),
 * the base of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau.
 */

import { kerasMetricDirection, type Direction } from '../../core/registry';
import type { CallbackWarningMessage, MonitorCallbackName } from '../../shared/trainerProtocol';
import type { TrainingControl } from './types';

/** The `mode` option of the monitoring callbacks. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Whether a smaller or a larger value of the monitored quantity is better. */
export type MonitorDirection = Direction;

/**
 * The direction Keras 3 gives a compiled metric named `metricName` (without `val_`), or undefined
 * when it has none (e.g. `true_positives`, `mean`, custom names): the registry's metric entries,
 * then Keras's own table for metrics the registry lacks (`auc`, `f1_score`).
 *
 * Unlike `metricDirection` in core/bestEpoch.ts, registry losses are not consulted: Keras's
 * `metrics.get` does not know the loss aliases `kld`, `log_cosh` or `logcosh`, so `auto` mode
 * stays undecided for them and raises Keras's error, although the registry minimizes them.
 */
export function metricDirection(metricName: string): MonitorDirection | undefined {
  if (metricName === 'loss') return 'min';
  return kerasMetricDirection(metricName);
}

/**
 * Resolves `mode` to a direction as `MonitorCallback._set_monitor_op` does; for `auto` the
 * monitor's `val_` prefix is dropped and the metric's direction is used.
 * @throws Error with Keras's ValueError text when `auto` cannot decide.
 */
export function resolveDirection(callbackName: MonitorCallbackName, monitor: string, mode: MonitorMode): MonitorDirection {
  if (mode === 'min' || mode === 'max') return mode;
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  const direction = metricDirection(name);
  if (direction) return direction;
  throw new Error(
    `${callbackName} callback received monitor=${monitor}, but Keras isn't able to ` +
      'automatically determine whether that metric should be maximized or minimized. ' +
      "Pass `mode='max'` in order to monitor based on the highest metric value, or pass " +
      "`mode='min'` in order to use the lowest value.",
  );
}

/** Keras warns and falls back to `auto` for an unknown mode; returns the mode and that warning. */
export function normalizeMode(callbackName: MonitorCallbackName, mode: string): { mode: MonitorMode; warning: CallbackWarningMessage | null } {
  if (mode === 'auto' || mode === 'min' || mode === 'max') return { mode, warning: null };
  return { mode: 'auto', warning: { type: 'callbackWarning', callback: callbackName, warning: 'unknownMode', mode } };
}

/**
 * The improvement test `monitor_op(value - min_delta, reference)`, with min_delta negated for
 * "min" so that an improvement must beat the reference by at least |min_delta|.
 */
export class Improvement {
  /** The signed min_delta actually subtracted (negative in "min" mode). */
  readonly minDelta: number;

  constructor(
    /** The resolved direction. */
    readonly direction: MonitorDirection,
    minDelta: number,
  ) {
    const abs = Math.abs(minDelta);
    this.minDelta = direction === 'min' ? -abs : abs;
  }

  /**
   * Whether `value` improves on `reference`; always true without a reference (Keras starts `best`
   * at None). Keras compares with `ops.less`/`ops.greater`, which turn Python floats into float32
   * tensors, so the comparison is done in float32 too.
   */
  isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    const a = Math.fround(value - this.minDelta);
    const b = Math.fround(reference);
    return this.direction === 'min' ? a < b : a > b;
  }
}

/** The monitored value from the logs, or undefined when absent (Keras `logs.get(monitor)`). */
export function monitorValue(logs: Record<string, number>, monitor: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(logs, monitor) ? logs[monitor] : undefined;
}

/**
 * Python's `warnings.warn` prints a given message once per call site, not every epoch; this keeps
 * that, per callback instance.
 */
export class WarnOnce {
  private readonly seen = new Set<string>();

  /** Sends `warning` through the control unless the same warning was already sent. */
  warn(ctl: TrainingControl, warning: CallbackWarningMessage): void {
    const key = JSON.stringify(warning);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    ctl.event(warning);
  }
}

/** The keys as Keras lists them in its warnings: its logs dict is sorted (`pythonify_logs`). */
export function sortedKeys(logs: Record<string, number>): string[] {
  return Object.keys(logs).sort(compareCodePoints);
}

/** Python's default string order (by character code, not locale; the same for metric names). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
