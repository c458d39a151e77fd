/** Keras 3 `ModelCheckpoint` (keras/src/callbacks/model_checkpoint.py), saving at each epoch end. */

import { FilepathTemplate } from '../../core/filepathTemplate';
import { Improvement, MonitorMode, WarnOnce, monitorValue, normalizeMode, resolveDirection, sortedKeys } from './monitor';
import type { CallbackWarningMessage } from '../../shared/trainerProtocol';
import type { Callback, Logs, TrainingControl } from './types';

/**
 * ModelCheckpoint options, all resolved: Keras's defaults come from the registry's callback entry, whose
 * arguments these are (test/registryLists.test.ts checks the names).
 */
export interface ModelCheckpointOptions {
  /**
   * Path template inside the run folder, Python format fields filled with `epoch` (1-based) and
   * the epoch logs, e.g. `ckpt-{epoch:02d}-{val_loss:.2f}.keras`. Required in Keras (no default).
   * The loop writes `.keras` and `.h5` paths (`.weights.h5` with save_weights_only) in those
   * Keras formats and any other path as a TF.js layers folder, where Keras would refuse it.
   */
  filepath: string;
  /** Quantity to monitor. */
  monitor: string;
  /** 0 silent, 1 prints when the callback acts. */
  verbose: number;
  /** Save only when the monitored quantity improves on the best so far. */
  save_best_only: boolean;
  /** Save only the weights instead of the whole model. */
  save_weights_only: boolean;
  /** `"auto"`, `"min"` or `"max"`; `auto` follows the metric's direction. */
  mode: MonitorMode;
  /** `"epoch"`; Keras also takes an integer batch count, which is not supported yet. */
  save_freq: 'epoch' | number;
  /** Initial "best" value for save_best_only; null for none (the first value then always saves). */
  initial_value_threshold: number | null;
}

/** Saves the model or its weights after each epoch, or only the best ones, exactly as Keras 3. */
export class ModelCheckpoint implements Callback {
  /**
   * The best monitored value so far: initial_value_threshold, else null until the first save.
   * Keras 3.11+ keeps None here (earlier versions started at inf/-inf), so the first message
   * reads `improved from None to ...`.
   */
  best: number | null;

  private readonly options: ModelCheckpointOptions;
  private readonly template: FilepathTemplate;
  private readonly improvement: Improvement;
  private readonly warnings = new WarnOnce();
  private readonly modeWarning: CallbackWarningMessage | null;

  /**
   * @throws Error for an integer or unknown save_freq, for mode `auto` that cannot tell min from
   * max, and FilepathFormatError for a filepath that is not a valid template.
   */
  constructor(options: ModelCheckpointOptions) {
    const saveFreq: unknown = options.save_freq;
    if (typeof saveFreq === 'number' && Number.isInteger(saveFreq)) {
      throw new Error(
        `ModelCheckpoint save_freq=${saveFreq} (save every ${saveFreq} batches) is not supported yet; use save_freq "epoch".`,
      );
    }
    if (saveFreq !== 'epoch') {
      throw new Error(`Unrecognized save_freq: ${String(saveFreq)}. Expected save_freq are 'epoch' or integer values`);
    }
    const { mode, warning } = normalizeMode('ModelCheckpoint', options.mode);
    this.options = { ...options, mode };
    this.modeWarning = warning;
    this.template = new FilepathTemplate(options.filepath);
    // Keras resolves the direction at the first epoch end even without save_best_only; here it fails before training.
    this.improvement = new Improvement(resolveDirection('ModelCheckpoint', options.monitor, mode), 0);
    this.best = options.initial_value_threshold;
  }

  /** Logs the unknown-mode warning, if any. `best` is kept across runs, as in Keras. */
  onTrainBegin(ctl: TrainingControl): void {
    if (this.modeWarning) this.warnings.warn(ctl, this.modeWarning);
  }

  /** Formats the path (a missing key is an error even when nothing is saved, as in Keras) and saves when due. */
  async onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): Promise<void> {
    const o = this.options;
    const n = epoch + 1;
    const filepath = this.template.format(n, logs);
    const current = monitorValue(logs, o.monitor) ?? null;
    let previous: number | null = null;

    if (o.save_best_only) {
      if (current === null) {
        // Keras saves anyway when it cannot compare.
        this.warnings.warn(ctl, { type: 'callbackWarning', callback: 'ModelCheckpoint', warning: 'monitorMissing', monitor: o.monitor, available: sortedKeys(logs) });
      } else {
        if (this.best !== null && !this.improvement.isImprovement(current, this.best)) {
          ctl.event({ type: 'checkpointSkipped', epoch: n, monitor: o.monitor, best: this.best, verbose: o.verbose });
          return;
        }
        previous = this.best;
        this.best = current;
      }
    }

    await ctl.save(filepath, o.save_weights_only);
    ctl.event({ type: 'checkpoint', epoch: n, path: filepath, monitor: o.monitor, saveBestOnly: o.save_best_only, previous, current, verbose: o.verbose });
  }
}
