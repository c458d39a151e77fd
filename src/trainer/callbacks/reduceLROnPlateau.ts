/** Keras 3 `ReduceLROnPlateau` (keras/src/callbacks/reduce_lr_on_plateau.py). */

import { Improvement, MonitorMode, WarnOnce, monitorValue, normalizeMode, resolveDirection, sortedKeys } from './monitor';
import { pyRepr } from '../../core/pyFormat';
import type { CallbackWarningMessage } from '../../shared/trainerProtocol';
import type { Callback, Logs, TrainingControl } from './types';

/**
 * ReduceLROnPlateau options, all resolved: Keras's defaults come from the registry's callback entry, whose
 * arguments these are (test/registryLists.test.ts checks the names).
 */
export interface ReduceLROnPlateauOptions {
  /** Quantity to monitor. */
  monitor: string;
  /** New lr = lr * factor; must be < 1. */
  factor: number;
  /** Epochs without improvement after which the lr is reduced. */
  patience: number;
  /** 0 quiet, 1 prints each reduction. */
  verbose: number;
  /** `"auto"`, `"min"` or `"max"`; `auto` follows the metric's direction. */
  mode: MonitorMode;
  /** Minimum change that counts as an improvement (absolute value used). */
  min_delta: number;
  /** Epochs to wait after a reduction before counting again. */
  cooldown: number;
  /** Lower bound on the learning rate. */
  min_lr: number;
}

/** Python `str()` of a number the user wrote: ints without `.0`. */
function pyNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : pyRepr(x);
}

/** Reduces the learning rate when the monitored quantity has stopped improving, exactly as Keras 3. */
export class ReduceLROnPlateau implements Callback {
  /** Epochs since the last improvement, outside cooldown. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Best monitored value so far, null before the first one. */
  best: number | null = null;

  private readonly options: ReduceLROnPlateauOptions;
  private readonly improvement: Improvement;
  private readonly warnings = new WarnOnce();
  private readonly modeWarning: CallbackWarningMessage | null;

  /** @throws Error (Keras's ValueError text) for factor >= 1 or mode `auto` that cannot tell min from max. */
  constructor(options: ReduceLROnPlateauOptions) {
    if (options.factor >= 1.0) {
      throw new Error(`ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${pyNumber(options.factor)}`);
    }
    const { mode, warning } = normalizeMode('ReduceLROnPlateau', options.mode);
    this.options = { ...options, mode };
    this.modeWarning = warning;
    this.improvement = new Improvement(resolveDirection('ReduceLROnPlateau', options.monitor, mode), options.min_delta);
  }

  /** Resets wait, cooldown and best, as Keras's `_reset`. */
  onTrainBegin(ctl: TrainingControl): void {
    if (this.modeWarning) this.warnings.warn(ctl, this.modeWarning);
    this.best = null;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  /** Adds `learning_rate` to the logs (the rate used in this epoch), then reduces it when due. */
  onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): void {
    const o = this.options;
    const keysBefore = sortedKeys(logs);
    // Keras keeps the rate in a float32 variable and logs float() of it.
    logs.learning_rate = Math.fround(ctl.getLearningRate());
    const current = monitorValue(logs, o.monitor);
    if (current === undefined) {
      const keys = keysBefore.includes('learning_rate') ? keysBefore : [...keysBefore, 'learning_rate'];
      this.warnings.warn(ctl, { type: 'callbackWarning', callback: 'ReduceLROnPlateau', warning: 'monitorMissing', monitor: o.monitor, available: keys });
      return;
    }

    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improvement.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (this.cooldownCounter > 0) return;
    this.wait += 1;
    if (this.wait < o.patience) return;

    const oldLr = Math.fround(ctl.getLearningRate());
    // Keras compares with np.float32(min_lr), so a rate at min_lr in float32 is not reduced further.
    if (!(oldLr > Math.fround(o.min_lr))) return;
    const newLr = Math.max(oldLr * o.factor, o.min_lr);
    ctl.setLearningRate(newLr);
    ctl.event({ type: 'learningRate', epoch: epoch + 1, from: oldLr, to: newLr, verbose: o.verbose });
    this.cooldownCounter = o.cooldown;
    this.wait = 0;
  }
}
