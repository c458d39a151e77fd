/**
 * The contract between the training loop and the Keras-style callbacks.
 * Pure types: no TensorFlow.js, no vscode.
 */
import type { CallbackMessage, CheckpointMessage, EarlyStoppingMessage, LearningRateMessage } from '../../shared/trainerProtocol';

/**
 * Epoch logs keyed by Keras metric names: `loss`, `accuracy`, `val_loss`, `val_accuracy`,
 * `learning_rate`, ... Callbacks may add keys (ReduceLROnPlateau adds `learning_rate`), and later
 * callbacks in the list see them, as in Keras where one dict is passed along the list.
 */
export type Logs = Record<string, number>;

/** What the callbacks report, as the trainer protocol defines it (one definition: protocol.ts). */
export type CallbackEvent = CallbackMessage;
export type EarlyStoppingEvent = EarlyStoppingMessage;
export type CheckpointEvent = CheckpointMessage;
export type LearningRateEvent = LearningRateMessage;

/** What a callback may do to the training run. */
export interface TrainingControl {
  /** Set true to stop after this epoch. */
  stopTraining: boolean;
  /** Opaque copy of the model weights. */
  snapshotWeights(): unknown;
  /** Puts back weights taken with `snapshotWeights`. */
  restoreWeights(snapshot: unknown): void;
  /** The optimizer's current learning rate. */
  getLearningRate(): number;
  /** Sets the optimizer's learning rate. */
  setLearningRate(lr: number): void;
  /** Saves the model (or only weights) at a path inside the run folder, in the format its extension names (core/keras/checkpointFormat.ts). */
  save(path: string, weightsOnly: boolean): Promise<void>;
  /**
   * Reports what the callback did (or warns), with the numbers and its `verbose` option: the
   * host renders the Keras-style lines (src/shared/kerasLog.ts), the panel draws the markers.
   */
  event(e: CallbackEvent): void;
}

/** A Keras-style callback; the loop awaits each hook in list order. */
export interface Callback {
  /** Called once before the first epoch. */
  onTrainBegin?(ctl: TrainingControl): void | Promise<void>;
  /** Called before each epoch's first batch; `epoch` is 0-based. */
  onEpochBegin?(epoch: number, ctl: TrainingControl): void | Promise<void>;
  /**
   * Called after each batch with the epoch's running means so far (Keras's batch logs); `batch`
   * is 0-based within the epoch. The logs object is reused for the next batch: copy what you keep.
   */
  onBatchEnd?(batch: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  /** Called after each epoch (after validation) with the epoch's logs; `epoch` is 0-based. */
  onEpochEnd?(epoch: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  /** Called once after the last epoch, also after an early stop. */
  onTrainEnd?(ctl: TrainingControl): void | Promise<void>;
}
