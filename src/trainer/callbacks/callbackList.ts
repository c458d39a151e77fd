/**
 * Keras's `CallbackList`: the spec's callbacks (plus the always-on invalid-loss stop) called in
 * list order at each point of training, with one `TrainingControl`. Built from the spec by
 * `callbackList`.
 */

import { kerasJson } from '../../core/keras/kerasJson';
import { toKerasConfig } from '../../core/keras/toKerasConfig';
import type { ResolvedSpec } from '../../core/resolve';
import { kerasWeightTags } from '../keras/modelWeights';
import { TensorBoard, type TensorBoardOptions } from './tensorBoard';
import type { ResolvedRef } from '../../core/resolve';
import { CSVLogger } from './csvLogger';
import { EarlyStopping } from './earlyStopping';
import { ModelCheckpoint } from './modelCheckpoint';
import { ReduceLROnPlateau } from './reduceLROnPlateau';
import { TerminateOnNaN } from './terminateOnNaN';
import type { Callback, Logs, TrainingControl } from './types';

export class CallbackList {
  /** The callbacks with a batch hook, so a batch costs nothing for the others. */
  private readonly batchEnd: Callback[];

  constructor(readonly callbacks: readonly Callback[], readonly ctl: TrainingControl) {
    this.batchEnd = callbacks.filter((c) => c.onBatchEnd);
  }

  /** A callback asked to stop (EarlyStopping, or the invalid-loss stop): the run stopped early. */
  get stopTraining(): boolean {
    return this.ctl.stopTraining;
  }

  async onTrainBegin(): Promise<void> {
    for (const cb of this.callbacks) await cb.onTrainBegin?.(this.ctl);
  }

  async onEpochBegin(epoch: number): Promise<void> {
    for (const cb of this.callbacks) await cb.onEpochBegin?.(epoch, this.ctl);
  }

  /** Synchronous unless a callback returns a promise, so the hot loop awaits only then. */
  onBatchEnd(batch: number, logs: Logs): void | Promise<void> {
    for (let i = 0; i < this.batchEnd.length; i++) {
      const pending = this.batchEnd[i].onBatchEnd?.(batch, logs, this.ctl);
      if (pending) return this.finishBatchEnd(pending, i + 1, batch, logs);
    }
  }

  private async finishBatchEnd(pending: Promise<void>, next: number, batch: number, logs: Logs): Promise<void> {
    await pending;
    for (const cb of this.batchEnd.slice(next)) await cb.onBatchEnd?.(batch, logs, this.ctl);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const cb of this.callbacks) await cb.onEpochEnd?.(epoch, logs, this.ctl);
  }

  async onTrainEnd(): Promise<void> {
    for (const cb of this.callbacks) await cb.onTrainEnd?.(this.ctl);
  }
}

/** What building the spec's callbacks needs from the run. */
export interface CallbackListOptions {
  /** The resolved spec (TensorBoard writes its Keras config and weight names). */
  spec: ResolvedSpec;
  /** A callback's file path inside the run folder (throws for one outside it). */
  inside(relative: string): string;
  /** Reports an invalid loss: 0-based epoch and batch. */
  onInvalidLoss(epoch: number, batch: number): void;
}

/** The TensorBoard callback, its log_dir inside the run folder. */
function tensorBoard(o: Record<string, unknown>, options: CallbackListOptions): TensorBoard {
  const { spec } = options;
  return new TensorBoard({ ...(o as never as TensorBoardOptions), log_dir: options.inside(String(o.log_dir)), modelJson: kerasJson(toKerasConfig(spec)), weights: kerasWeightTags(spec) });
}

/**
 * The spec's callbacks in order, then TerminateOnNaN: the trainer always stops on an invalid loss,
 * so a TerminateOnNaN entry in the spec adds nothing.
 */
export function callbackList(refs: readonly ResolvedRef[], ctl: TrainingControl, options: CallbackListOptions): CallbackList {
  const out: Callback[] = [];
  for (const r of refs) {
    const { type, ...o } = r;
    switch (type) {
      case 'EarlyStopping': out.push(new EarlyStopping(o as never)); break;
      case 'ModelCheckpoint': out.push(new ModelCheckpoint(o as never)); break;
      case 'ReduceLROnPlateau': out.push(new ReduceLROnPlateau(o as never)); break;
      case 'CSVLogger': out.push(new CSVLogger({ ...(o as never as { separator: string; append: boolean }), filename: options.inside(String(o.filename)) })); break;
      case 'TerminateOnNaN': break;
      case 'TensorBoard': out.push(tensorBoard(o, options)); break;
      default: throw new Error(`Callback ${type} is not supported by the trainer yet.`);
    }
  }
  out.push(new TerminateOnNaN(options.onInvalidLoss));
  return new CallbackList(out, ctl);
}
