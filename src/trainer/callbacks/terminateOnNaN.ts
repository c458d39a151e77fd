/** Keras 3 `TerminateOnNaN` (keras/src/callbacks/terminate_on_nan.py); the trainer always runs it. */

import type { Callback, Logs, TrainingControl } from './types';

/** Stops training at the first batch whose loss is NaN or infinite, as Keras's TerminateOnNaN. */
export class TerminateOnNaN implements Callback {
  private epoch = 0;

  /** `report` says which batch of which epoch (both 0-based) had the invalid loss. */
  constructor(private readonly report: (epoch: number, batch: number) => void) {}

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  /** Keras checks the batch logs' loss: a running mean, non-finite from the first bad batch on. */
  onBatchEnd(batch: number, logs: Logs, ctl: TrainingControl): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.report(this.epoch, batch);
    ctl.stopTraining = true;
  }
}
