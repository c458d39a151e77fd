/**
 * The host <-> webview protocol of the training panel: every message between the extension
 * host and the panel's webview, and the panel state those messages carry. No `vscode` and no
 * DOM here: the host, the webview bundle and the tests all import this file.
 *
 * The webview sends `ready` when it loads; the host answers with the whole `state`, then sends
 * `update`s: the same actions the host applied to its own copy of the state, so both sides run
 * one reducer (`state.ts`) and a reloaded or reshown webview loses nothing.
 */
import type { HealthCode, HealthDiagnosis, HealthSample } from '../core/health/types';
import type { BatchMessage, Classification, EarlyStoppingMessage, FromTrainer, LearningRateMessage, Metrics, RunResult, StartedMessage } from '../shared/trainerProtocol';

export type { HealthCode, HealthDiagnosis, HealthFix, HealthSample, LayerHealth } from '../core/health/types';

/** A run is named by its run folder (`<runs dir>/<spec>/<timestamp>-<variant>`), as the host sees it. */
export type RunId = string;

/**
 * `running` until the trainer says `done` or `error`; the last three are final. `interrupted`:
 * a run folder still marked running whose trainer process is gone (see core/runFiles.ts).
 */
export type RunStatus = RunResult['status'] | 'interrupted';

/** One value per finished epoch and Keras metric name (`val_x` beside `x`); index 0 is epoch 1. */
export type History = Record<string, (number | null)[]>;

/**
 * Per-batch running metrics, thinned as they arrive so a long run stays small: only every
 * `stride`-th batch message is kept, and `stride` doubles whenever the kept points pass the cap.
 */
export interface BatchSeries {
  /** Fractional epochs: 0-based epoch + step/steps, so a full epoch's last batch lands on the epoch point. */
  x: number[];
  /** One array per metric, aligned with `x`; `null` where a value was missing or not finite. */
  values: Record<string, (number | null)[]>;
  stride: number;
  /** Batch messages seen so far (kept or not): decides which of the next ones are kept. */
  seen: number;
}

/**
 * A run's training health: its sampled steps, thinned like `BatchSeries` (every `stride`-th
 * sample kept, `stride` doubling when the kept ones pass the cap), and the trainer's latest
 * diagnoses (each `health` message carries the whole list).
 */
export interface RunHealth {
  samples: HealthSample[];
  stride: number;
  /** Samples seen so far (kept or not). */
  seen: number;
  diagnoses: HealthDiagnosis[];
  /** How the trainer samples (the `started` message's `health`), e.g. "every 54 steps"; null when it did not say. */
  sampling: string | null;
}

/** The Keras summary as data: one row per layer, and the totals. */
export interface ModelSummary {
  layers: StartedMessage['layers'];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

/** How the data was split and batched, from the trainer's `started` message. */
export type DataSummary = Pick<StartedMessage, 'epochs' | 'batchSize' | 'stepsPerEpoch' | 'trainCount' | 'validationCount' | 'testCount'>
  & { sources: StartedMessage['dataSources'] };

/** Where the current epoch is, from the latest `batch` message; `epoch` is 1-based here, as Keras prints it. */
export type EpochProgress = Omit<BatchMessage, 'type'>;

/** Something a callback did at an epoch (1-based), drawn on the charts: its trainer message, named by `kind`. */
export type RunMarker =
  | ({ kind: 'earlyStopping' } & Pick<EarlyStoppingMessage, 'bestEpoch' | 'restored'> & { epoch: number })
  | ({ kind: 'learningRate' } & Pick<LearningRateMessage, 'epoch' | 'from' | 'to'>);

/** Everything the panel shows about one run: live, or read back from its folder. */
export interface RunView {
  id: RunId;
  spec: string;
  variant: string | null;
  status: RunStatus;
  backend: string;
  backendReason: string;
  /** What trained: the fused kernel or `tfjs (<backend>)`; empty for runs from before engines were recorded. */
  engine: string;
  engineReason: string;
  /** `null` when the run folder has no events (only `result.json`). */
  model: ModelSummary | null;
  data: DataSummary | null;
  history: History;
  /** Seconds each finished epoch took. */
  epochSeconds: number[];
  samplesPerSecond: number | null;
  batches: BatchSeries;
  /** The epoch in progress; `null` between epochs and after the run. */
  progress: EpochProgress | null;
  /** 1-based epoch with the best monitored value, and that metric's name. */
  bestEpoch: number | null;
  bestMonitor: string | null;
  markers: RunMarker[];
  stoppedEarly: boolean;
  /** Test-split metrics after fitting. */
  test: Metrics | null;
  classification: Classification | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Wall time of the whole run, once it is over. */
  durationSeconds: number | null;
  error: string | null;
  /** The latest Keras-style log lines (bounded). */
  log: string[];
  health: RunHealth;
}

/** One line of the past-runs list and the comparison: what `result.json` alone says. */
export interface RunSummary {
  id: RunId;
  spec: string;
  variant: string | null;
  status: RunStatus;
  backend: string;
  history: History;
  bestEpoch: number | null;
  bestMonitor: string | null;
  stoppedEarly: boolean;
  test: Metrics | null;
  epochsRun: number;
  samplesPerSecond: number | null;
  durationSeconds: number | null;
  startedAt: string | null;
}

/** The whole panel: what the host sends in answer to `ready`. Plain JSON, no functions or NaN. */
export interface PanelState {
  /** Actions applied so far; `update`s carry the sequence number they start at. */
  seq: number;
  /** Runs shown in detail: live ones, and past ones opened from their folders. */
  runs: Record<RunId, RunView>;
  activeRunId: RunId | null;
  /** Finished runs found in the runs folder (from their `result.json`), for the list and the comparison. */
  pastRuns: RunSummary[];
  /** Runs to compare; `null` means the default: the latest run of each variant of the active run's spec. */
  comparedRunIds: RunId[] | null;
}

// ---- actions: the changes the host makes to the state and forwards to the webview ----

/**
 * A message from a trainer child process, for the run in folder `runId` (`started.runDir`).
 * Before `started` the folder is unknown: messages then change nothing, except an `error`,
 * which shows a failed run under `error.runDir` or any id the host picks, named by `spec` and
 * `variant` (what the host asked to train).
 */
export interface TrainerAction {
  type: 'trainer';
  runId: RunId;
  message: FromTrainer;
  spec?: string;
  variant?: string | null;
}

/** A past run the host read from its folder (see `loadRun`), to show in detail. */
export interface RunOpenedAction {
  type: 'runOpened';
  run: RunView;
}

/** Past runs the host read from their folders for the Health view's overlay; the run shown in detail stays. */
export interface RunsLoadedAction {
  type: 'runsLoaded';
  runs: RunView[];
}

/** The host listed the runs folder (see `summarizeResult`). */
export interface PastRunsAction {
  type: 'pastRuns';
  runs: RunSummary[];
}

/** Show this run in detail. */
export interface ShowRunAction {
  type: 'showRun';
  runId: RunId;
}

/** Compare these runs (`null`: the default selection). */
export interface CompareRunsAction {
  type: 'compareRuns';
  runIds: RunId[] | null;
}

/** Every change to the panel state; `applyAction` in `state.ts` is the one reducer. */
export type PanelAction = TrainerAction | RunOpenedAction | RunsLoadedAction | PastRunsAction | ShowRunAction | CompareRunsAction;

// ---- host -> webview ----

/** The whole state: the answer to `ready`; the webview redraws everything from it. */
export interface StateMessage {
  type: 'state';
  state: PanelState;
}

/**
 * Actions the host applied since its last message, batched so a fast run cannot flood the
 * webview. `seq` is the host's `state.seq` before the first of them: the webview skips the ones
 * it already has and asks for the whole state again (`ready`) if it missed any.
 */
export interface UpdateMessage {
  type: 'update';
  seq: number;
  actions: PanelAction[];
}

/** The panel's tabs. */
export type PanelTab = 'training' | 'health' | 'compare' | 'runs';

/** Bring a tab to the front (e.g. "Compare Variants" opens the comparison). */
export interface FocusMessage {
  type: 'focus';
  tab: PanelTab;
}

export type ToWebview = StateMessage | UpdateMessage | FocusMessage;

// ---- webview -> host ----

/** The webview has loaded (or reloaded): send the whole state. */
export interface ReadyMessage {
  type: 'ready';
}

/** Show a run in detail; the host reads its folder first if it is a past run not yet loaded. */
export interface OpenRunMessage {
  type: 'openRun';
  runId: RunId;
}

/** The user picked the runs to compare (`null`: back to the default selection). */
export interface SelectRunsMessage {
  type: 'selectRuns';
  runIds: RunId[] | null;
}

/** Stop this run after the current batch (the trainer's `cancel`). */
export interface StopMessage {
  type: 'stop';
  runId: RunId;
}

/** Save the comparison table: the host asks where and writes `csv` as is. */
export interface ExportCsvMessage {
  type: 'exportCsv';
  fileName: string;
  csv: string;
}

/** Save a chart: a `data:image/png;base64,...` URL the host decodes and writes. */
export interface ExportPngMessage {
  type: 'exportPng';
  fileName: string;
  dataUrl: string;
}

/**
 * Read these past runs' folders (events, health.jsonl, result) without showing them, so the
 * Health view can overlay them; runs already loaded are skipped.
 */
export interface LoadRunsMessage {
  type: 'loadRuns';
  runIds: RunId[];
}

/**
 * Apply the fix of a run's health diagnosis (named by its code and layer) to the run's spec
 * file: the host looks the diagnosis up in its own state, opens the spec and edits it.
 */
export interface ApplyHealthFixMessage {
  type: 'applyHealthFix';
  runId: RunId;
  code: HealthCode;
  layer: string | null;
}

/** List the runs folder again. */
export interface RefreshRunsMessage {
  type: 'refreshRuns';
}

/** Write this run's trained model as a Keras file: the host asks which format (.keras or .h5) and where. */
export interface ExportKerasMessage {
  type: 'exportKeras';
  runId: RunId;
}

export type FromWebview =
  | ReadyMessage | OpenRunMessage | SelectRunsMessage | StopMessage | ExportCsvMessage | ExportPngMessage
  | RefreshRunsMessage | ExportKerasMessage | LoadRunsMessage | ApplyHealthFixMessage;
