/** Keras 3 `EarlyStopping` (keras/src/callbacks/early_stopping.py). */

import { Improvement, MonitorMode, WarnOnce, monitorValue, normalizeMode, resolveDirection, sortedKeys } from './monitor';
import type { CallbackWarningMessage } from '../../shared/trainerProtocol';
import type { Callback, Logs, TrainingControl } from './types';

/**
 * EarlyStopping options, all resolved: Keras's defaults come from the registry's callback entry, whose
 * arguments these are (test/registryLists.test.ts checks the names).
 */
export interface EarlyStoppingOptions {
  /** Quantity to monitor. */
  monitor: string;
  /** Minimum change that counts as an improvement; its absolute value is used. */
  min_delta: number;
  /** Epochs without improvement after which training stops. */
  patience: number;
  /** 0 silent, 1 prints when the callback acts. */
  verbose: number;
  /** `"auto"`, `"min"` or `"max"`; `auto` follows the metric's direction. */
  mode: MonitorMode;
  /** Value the monitor must beat for `wait` to reset; null for none. */
  baseline: number | null;
  /** Put back the best epoch's weights at the end of training. */
  restore_best_weights: boolean;
  /** Epochs (0-based count) to wait before monitoring starts. */
  start_from_epoch: number;
}

/** Stops training when the monitored quantity has stopped improving, exactly as Keras 3. */
export class EarlyStopping implements Callback {
  /** Epochs since the last improvement (that also beat the baseline). */
  wait = 0;
  /** 0-based epoch at which training was stopped, 0 when it was not. */
  stoppedEpoch = 0;
  /** Best monitored value so far, null before the first monitored epoch. */
  best: number | null = null;
  /** 0-based epoch of `best` (or of the first snapshot). */
  bestEpoch = 0;

  private readonly options: EarlyStoppingOptions;
  private readonly improvement: Improvement;
  private readonly warnings = new WarnOnce();
  private readonly modeWarning: CallbackWarningMessage | null;
  private bestWeights: { snapshot: unknown } | null = null;

  /** @throws Error (Keras's ValueError text) when mode `auto` cannot tell min from max for `monitor`. */
  constructor(options: EarlyStoppingOptions) {
    const { mode, warning } = normalizeMode('EarlyStopping', options.mode);
    this.options = { ...options, mode };
    this.modeWarning = warning;
    // Keras resolves this at the first epoch end; doing it here fails before any training.
    this.improvement = new Improvement(resolveDirection('EarlyStopping', options.monitor, mode), options.min_delta);
  }

  /** Resets the state so the instance can be reused across runs, as Keras does. */
  onTrainBegin(ctl: TrainingControl): void {
    if (this.modeWarning) this.warnings.warn(ctl, this.modeWarning);
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  /** Counts the epoch and asks the loop to stop when patience has run out. */
  onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): void {
    const o = this.options;
    const current = monitorValue(logs, o.monitor);
    if (current === undefined) {
      this.warnings.warn(ctl, { type: 'callbackWarning', callback: 'EarlyStopping', warning: 'monitorMissing', monitor: o.monitor, available: sortedKeys(logs) });
      return;
    }
    if (epoch < o.start_from_epoch) return;
    if (o.restore_best_weights && this.bestWeights === null) {
      // Until something improves, the first monitored epoch's weights are the best.
      this.bestWeights = { snapshot: ctl.snapshotWeights() };
      this.bestEpoch = epoch;
    }

    this.wait += 1;
    if (this.improvement.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (o.restore_best_weights) this.bestWeights = { snapshot: ctl.snapshotWeights() };
      // Only restart wait if we beat both the baseline and our previous best.
      if (o.baseline === null || this.improvement.isImprovement(current, o.baseline)) this.wait = 0;
      return;
    }

    if (this.wait >= o.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      ctl.stopTraining = true;
    }
  }

  /** Reports the stop, restores the best weights when asked (even without an early stop). */
  onTrainEnd(ctl: TrainingControl): void {
    const o = this.options;
    const stopped = this.stoppedEpoch > 0;
    let restored = false;
    if (o.restore_best_weights && this.bestWeights !== null) {
      ctl.restoreWeights(this.bestWeights.snapshot);
      restored = true;
    }
    if (stopped || restored) {
      ctl.event({
        type: 'earlyStopping',
        epoch: stopped ? this.stoppedEpoch + 1 : null,
        bestEpoch: this.bestEpoch + 1,
        restored,
        verbose: o.verbose,
      });
    }
  }
}
