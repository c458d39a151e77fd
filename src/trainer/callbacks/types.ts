/**
 * The contract between the training loop and the Keras-style callbacks.
 * Pure types: no TensorFlow.js, no vscode.
 */

/**
 * Epoch logs keyed by Keras metric names: `loss`, `accuracy`, `val_loss`, `val_accuracy`,
 * `learning_rate`, ... Callbacks may add keys (ReduceLROnPlateau adds `learning_rate`), and later
 * callbacks in the list see them, as in Keras where one dict is passed along the list.
 */
export type Logs = Record<string, number>;

/** Emitted when EarlyStopping ends training early or restores the best weights. */
export interface EarlyStoppingEvent {
  type: 'earlyStopping';
  /** 1-based epoch after which training stopped (as in `Epoch N: early stopping`); null when training ran to the end and only the best weights were restored. */
  epoch: number | null;
  /** 1-based epoch with the best monitored value (as in `... the best epoch: M.`). */
  bestEpoch: number;
  /** Whether the weights of `bestEpoch` were put back into the model. */
  restored: boolean;
}

/** Emitted after ModelCheckpoint has saved the model (or its weights). */
export interface CheckpointEvent {
  type: 'checkpoint';
  /** 1-based epoch, the `{epoch}` of the filepath template. */
  epoch: number;
  /** The formatted path that was saved. */
  path: string;
  /** The monitored metric name, e.g. `val_loss`. */
  monitor: string;
  /** With save_best_only: the best value before this save (or initial_value_threshold), null when there was none yet (Keras prints `None`). Null without save_best_only. */
  previous: number | null;
  /** The monitored value of this epoch, null when the logs do not have it. */
  current: number | null;
}

/** Emitted when ReduceLROnPlateau changes the learning rate. */
export interface LearningRateEvent {
  type: 'learningRate';
  /** 1-based epoch, as in `Epoch N: ReduceLROnPlateau reducing learning rate to X.` */
  epoch: number;
  /** Learning rate before the change. */
  from: number;
  /** Learning rate after the change. */
  to: number;
}

/** Structured events for the UI, discriminated on `type`. */
export type CallbackEvent = EarlyStoppingEvent | CheckpointEvent | LearningRateEvent;

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
  /** A Keras-style message line. */
  log(line: string): void;
  /** Structured event for the UI: early stop, checkpoint saved, lr changed. */
  event(e: CallbackEvent): void;
}

/** A Keras-style callback; the loop awaits each hook in list order. */
export interface Callback {
  /** Called once before the first epoch. */
  onTrainBegin?(ctl: TrainingControl): void | Promise<void>;
  /** Called after each training batch (0-based within the epoch) with the epoch's running mean metrics so far. */
  onTrainBatchEnd?(batch: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  /** Called after each epoch (after validation) with the epoch's logs; `epoch` is 0-based. */
  onEpochEnd?(epoch: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  /** Called once after the last epoch, also after an early stop. */
  onTrainEnd?(ctl: TrainingControl): void | Promise<void>;
}
