/**
 * The training panel's state model: one reducer from actions (trainer messages, runs read from
 * folders, the user's choices) to `PanelState`, and readers for a run folder's files. Pure: no
 * `vscode`, no DOM, no I/O (the host reads the files and passes their text), so the host and the
 * webview run the same code and reach the same state.
 */
import { kerasLogLines } from '../shared/kerasLog';
import type { FromTrainer, Metrics, RunResult } from '../shared/trainerProtocol';
import type { History, PanelAction, PanelState, RunId, RunSummary, RunView, TrainerAction } from './protocol';
import { bestEpoch } from '../core/bestEpoch';
import { emptyBatchSeries, finiteOrNull, pushBatchPoint } from './series';
import { emptyRunHealth, parseDiagnoses, parseHealthJsonl, pushHealth } from './health';

/** Log lines kept per run: the panel shows the latest ones; the full log is in the Output channel. */
export const MAX_LOG_LINES = 200;

/** A panel with no runs yet. */
export function initialPanelState(): PanelState {
  return { seq: 0, runs: {}, activeRunId: null, pastRuns: [], comparedRunIds: null };
}

/**
 * Applies one action to `state`, in place (a long run sends ~100,000 batch messages: copying the
 * state for each would cost more than the rest of the panel), and counts it in `state.seq`.
 */
export function applyAction(state: PanelState, action: PanelAction): void {
  state.seq++;
  switch (action.type) {
    case 'trainer':
      applyTrainerMessage(state, action);
      return;
    case 'runOpened':
      state.runs[action.run.id] = action.run;
      state.activeRunId = action.run.id;
      return;
    case 'runsLoaded':
      for (const run of action.runs) state.runs[run.id] ??= run;
      return;
    case 'pastRuns':
      state.pastRuns = action.runs;
      return;
    case 'showRun':
      if (state.runs[action.runId]) state.activeRunId = action.runId;
      return;
    case 'compareRuns':
      state.comparedRunIds = action.runIds;
      return;
    default:
      unknown(action);
  }
}

function applyTrainerMessage(state: PanelState, { runId, message, spec, variant }: TrainerAction): void {
  if (message.type === 'started') {
    state.runs[runId] = newRun(runId, message.spec, message.variant ?? null);
    takeOver(state, runId);
  } else if (message.type === 'error' && !state.runs[runId]) {
    // The trainer failed before `started` (a bad spec, missing data): show the failure.
    state.runs[runId] = newRun(runId, spec ?? '', variant ?? null);
    takeOver(state, runId);
  }
  const run = state.runs[runId];
  // Messages for a run the panel never saw start (e.g. the trainer's `ready`) change nothing.
  if (run) reduceRun(run, message);
}

/** A new run takes the panel over, unless another run is still being watched live. */
function takeOver(state: PanelState, runId: RunId): void {
  const active = state.activeRunId ? state.runs[state.activeRunId] : undefined;
  if (!active || active.status !== 'running') state.activeRunId = runId;
}

/** A run that has just started: no model, no epochs. */
export function newRun(id: RunId, spec: string, variant: string | null): RunView {
  return {
    id, spec, variant, status: 'running', backend: '', backendReason: '', engine: '', engineReason: '', model: null, data: null,
    history: {}, epochSeconds: [], samplesPerSecond: null, batches: emptyBatchSeries(), progress: null,
    bestEpoch: null, bestMonitor: null, markers: [], stoppedEarly: false, test: null, classification: null,
    startedAt: null, finishedAt: null, durationSeconds: null, error: null, log: [], health: emptyRunHealth(),
  };
}

/** Keeps the latest `MAX_LOG_LINES` lines. */
function appendLog(run: RunView, lines: readonly string[]): void {
  if (!lines.length) return;
  run.log.push(...lines);
  if (run.log.length > MAX_LOG_LINES) run.log.splice(0, run.log.length - MAX_LOG_LINES);
}

/**
 * Folds one trainer message into its run, in place, and its Keras-style lines into the log
 * (not for runs recorded before the trainer sent structure: their text lines are the log).
 */
export function reduceRun(run: RunView, message: FromTrainer, renderLog = true): void {
  if (renderLog) appendLog(run, kerasLogLines(message).map((l) => l.text));
  switch (message.type) {
    case 'ready':
    case 'epochBegin':
    case 'invalidLoss':
    case 'checkpointSkipped':
    case 'callbackWarning':
      return;
    case 'started':
      run.spec = message.spec;
      run.variant = message.variant ?? null;
      run.backend = message.backend;
      run.backendReason = message.backendReason;
      run.engine = message.engine ?? '';
      run.engineReason = message.engineReason ?? '';
      run.health.sampling = message.health ?? null;
      run.model = {
        layers: message.layers, totalParams: message.totalParams,
        trainableParams: message.trainableParams, nonTrainableParams: message.nonTrainableParams,
      };
      run.data = {
        epochs: message.epochs, batchSize: message.batchSize, stepsPerEpoch: message.stepsPerEpoch,
        trainCount: message.trainCount, validationCount: message.validationCount, testCount: message.testCount,
        sources: message.dataSources,
      };
      return;
    case 'batch':
      run.progress = {
        epoch: message.epoch + 1, step: message.step, steps: message.steps, metrics: message.metrics,
        elapsedSeconds: message.elapsedSeconds, etaSeconds: message.etaSeconds,
      };
      pushBatchPoint(run.batches, message.epoch + message.step / Math.max(1, message.steps), message.metrics);
      return;
    case 'epoch':
      setEpoch(run.history, message.epoch, message.metrics);
      run.epochSeconds[message.epoch] = message.seconds;
      run.samplesPerSecond = message.samplesPerSecond;
      run.progress = null;
      if (run.data) run.data.epochs = message.epochs;
      updateBest(run);
      return;
    case 'earlyStopping':
      run.stoppedEarly = message.epoch !== null;
      if (message.epoch !== null) {
        run.markers.push({ kind: 'earlyStopping', epoch: message.epoch, bestEpoch: message.bestEpoch, restored: message.restored });
      }
      run.bestEpoch = message.bestEpoch;
      return;
    case 'checkpoint':
      // The checkpoint's monitor is the metric "best" means for this run.
      if (run.bestMonitor !== message.monitor) {
        run.bestMonitor = message.monitor;
        updateBest(run);
      }
      return;
    case 'learningRate':
      run.markers.push({ kind: 'learningRate', epoch: message.epoch, from: message.from, to: message.to });
      return;
    case 'evaluation':
      run.test = message.metrics;
      if (message.classification) run.classification = message.classification;
      return;
    case 'done':
      run.progress = null;
      mergeResult(run, message.result);
      run.status = message.status;
      return;
    case 'error':
      run.progress = null;
      run.status = 'failed';
      run.error = message.message;
      return;
    case 'health':
      pushHealth(run.health, message);
      return;
    default:
      unknown(message);
  }
}

function setEpoch(history: History, epoch: number, metrics: Metrics): void {
  for (const [name, value] of Object.entries(metrics)) {
    const series = history[name] ?? (history[name] = []);
    while (series.length < epoch) series.push(null);
    series[epoch] = finiteOrNull(value);
  }
}

/** Recomputes the best epoch from the history, unless EarlyStopping already said which it was. */
function updateBest(run: RunView): void {
  if (run.markers.some((m) => m.kind === 'earlyStopping')) return;
  const best = bestEpoch(run.history, run.bestMonitor);
  // A checkpoint's monitor not logged yet: wait for it rather than judge by val_loss meanwhile.
  if (!best || (run.bestMonitor !== null && best.monitor !== run.bestMonitor)) return;
  run.bestMonitor = best.monitor;
  run.bestEpoch = best.epoch;
}

/** The parts of `result.json` the panel reads (the trainer may record more); history values are checked on merge. */
type ResultFields = Pick<RunResult,
  | 'spec' | 'variant' | 'status' | 'backend' | 'backendReason' | 'engine' | 'engineReason' | 'test' | 'classification' | 'bestEpoch'
  | 'bestMonitor' | 'stoppedEarly' | 'epochsRun' | 'samplesPerSecond' | 'durationSeconds' | 'startedAt' | 'finishedAt' | 'error' | 'health'>
  & { history: Record<string, unknown> };

/** The run's `result.json` (or `done.result`) is the final word on everything it holds. */
function mergeResult(run: RunView, result: ResultFields): void {
  run.spec = result.spec;
  run.variant = result.variant;
  run.status = result.status;
  run.backend = result.backend;
  run.backendReason = result.backendReason;
  if (result.engine) run.engine = result.engine;
  if (result.engineReason) run.engineReason = result.engineReason;
  run.history = sanitizeHistory(result.history);
  if (result.test) run.test = result.test;
  if (result.classification) run.classification = result.classification;
  if (result.bestEpoch !== null) {
    run.bestEpoch = result.bestEpoch;
    run.bestMonitor = result.bestMonitor;
  }
  run.stoppedEarly = result.stoppedEarly;
  run.samplesPerSecond = result.samplesPerSecond;
  run.durationSeconds = result.durationSeconds;
  run.startedAt = result.startedAt;
  run.finishedAt = result.finishedAt;
  if (result.error) run.error = result.error;
  // The run's final diagnoses (a health.jsonl cut short may miss the last ones).
  if (result.health) run.health.diagnoses = parseDiagnoses(result.health.diagnoses);
}

function sanitizeHistory(history: Record<string, unknown>): History {
  const out: History = {};
  for (const [name, values] of Object.entries(history)) {
    if (Array.isArray(values)) out[name] = values.map(finiteOrNull);
  }
  return out;
}

/** Elapsed time and ETA of a run in seconds, from the trainer's own clock (no wall clock here). */
export function runTiming(run: RunView): { elapsedSeconds: number; etaSeconds: number | null } {
  if (run.durationSeconds !== null) return { elapsedSeconds: run.durationSeconds, etaSeconds: null };
  const done = run.epochSeconds.filter((s) => typeof s === 'number');
  const finished = done.reduce((a, b) => a + b, 0);
  const elapsed = finished + (run.progress?.elapsedSeconds ?? 0);
  if (run.status !== 'running' || !run.data) return { elapsedSeconds: elapsed, etaSeconds: null };
  const epochsLeft = run.data.epochs - done.length - (run.progress ? 1 : 0);
  const perEpoch = done.length > 0 ? finished / done.length
    : run.progress ? run.progress.elapsedSeconds + run.progress.etaSeconds : null;
  if (perEpoch === null) return { elapsedSeconds: elapsed, etaSeconds: null };
  return { elapsedSeconds: elapsed, etaSeconds: (run.progress?.etaSeconds ?? 0) + Math.max(0, epochsLeft) * perEpoch };
}

/** Epochs with a recorded value. */
export function epochsRun(history: History): number {
  return Object.values(history).reduce((n, values) => Math.max(n, values.length), 0);
}

/** The past-runs and comparison line for a run shown in detail. */
export function summarizeRun(run: RunView): RunSummary {
  return {
    id: run.id, spec: run.spec, variant: run.variant, status: run.status, backend: run.backend,
    history: run.history, bestEpoch: run.bestEpoch, bestMonitor: run.bestMonitor, stoppedEarly: run.stoppedEarly,
    test: run.test, epochsRun: epochsRun(run.history), samplesPerSecond: run.samplesPerSecond,
    durationSeconds: run.durationSeconds ?? runTiming(run).elapsedSeconds, startedAt: run.startedAt,
  };
}

/** Every run the panel knows: the ones shown in detail (current) and the rest of the past runs, newest first. */
export function listRuns(state: PanelState): RunSummary[] {
  const byId = new Map<RunId, RunSummary>();
  for (const past of state.pastRuns) byId.set(past.id, past);
  for (const run of Object.values(state.runs)) byId.set(run.id, summarizeRun(run));
  const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...byId.values()].sort((a, b) => order(startKey(b), startKey(a)) || order(b.id, a.id));
}

/**
 * When a run started, as a sortable string: `startedAt` once the result says so; before that a
 * live run is the newest, and a folder without a result has its `<YYYYMMDD-HHMMSS>-` name.
 */
function startKey(run: RunSummary): string {
  if (run.startedAt) return run.startedAt;
  if (run.status === 'running') return '\uffff';
  const m = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})[^\\/]*$/.exec(run.id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : '';
}

/** The runs to compare: the user's pick, or the latest run of each variant of the active run's spec. */
export function comparedRuns(state: PanelState): RunSummary[] {
  const runs = listRuns(state);
  if (state.comparedRunIds) {
    const picked = new Set(state.comparedRunIds);
    return runs.filter((r) => picked.has(r.id));
  }
  const spec = (state.activeRunId && state.runs[state.activeRunId]?.spec) || runs[0]?.spec;
  const seen = new Set<string>();
  return runs.filter((r) => {
    if (r.spec !== spec || seen.has(r.variant ?? '')) return false;
    seen.add(r.variant ?? '');
    return true;
  });
}

// ---- run folders ----

/** The text of a run folder's files; either may be missing (a run that died early has no result). */
export interface RunFiles {
  /** `events.jsonl`: every trainer message, one JSON object a line. */
  events?: string;
  /** `result.json`. */
  result?: string;
  /** `health.jsonl`: the health messages, one a line; when given, the ones in `events` are not used (they would count twice). */
  health?: string;
}

/** Every trainer message type (the compiler checks the table is complete): what `events.jsonl` lines may hold. */
const TRAINER_MESSAGE_TYPES = {
  ready: true, started: true, epochBegin: true, batch: true, invalidLoss: true, epoch: true, earlyStopping: true,
  checkpoint: true, checkpointSkipped: true, learningRate: true, callbackWarning: true, health: true, evaluation: true, done: true, error: true,
} as const satisfies Record<FromTrainer['type'], true>;

/** A Keras-style text line, as trainers wrote them to `events.jsonl` before they sent structure. */
interface LegacyLogLine {
  type: 'log';
  text: string;
}

/**
 * Rebuilds a finished (or interrupted) run from its folder's files: replays `events.jsonl`
 * through the same reducer as a live run, then lets `result.json` have the last word.
 * `id` is the folder as the host sees it now (the recorded `runDir` may be from before a move).
 * Unreadable lines are skipped; `null` when neither file says anything about a run.
 */
export function loadRun(id: RunId, files: RunFiles): RunView | null {
  let run: RunView | null = null;
  const messages = (files.events ?? '').split('\n').map(parseEventLine).filter((m) => m !== null);
  // An old run's log is its text lines; its structured messages would repeat them.
  const legacy = messages.some((m) => m.type === 'log');
  for (const message of messages) {
    if (message.type === 'started') run = newRun(id, message.spec, message.variant ?? null);
    if (!run || (message.type === 'health' && files.health !== undefined)) continue;
    try {
      if (message.type === 'log') appendLog(run, [message.text]);
      else reduceRun(run, message, !legacy);
    } catch {
      // A line with the right type but the wrong shape: the rest of the file still counts.
    }
  }
  const result = files.result !== undefined ? parseResult(files.result) : null;
  if (result) run ??= newRun(id, result.spec, result.variant);
  if (run && files.health !== undefined) {
    for (const message of parseHealthJsonl(files.health)) pushHealth(run.health, message);
  }
  if (run && result) mergeResult(run, result);
  return run;
}

/** The past-runs line for a run folder, from its `result.json` alone; `null` if it is unreadable. */
export function summarizeResult(id: RunId, resultJson: string): RunSummary | null {
  const result = parseResult(resultJson);
  if (!result) return null;
  const history = sanitizeHistory(result.history);
  return {
    id, spec: result.spec, variant: result.variant, status: result.status, backend: result.backend, history,
    bestEpoch: result.bestEpoch, bestMonitor: result.bestMonitor, stoppedEarly: result.stoppedEarly, test: result.test,
    epochsRun: result.epochsRun, samplesPerSecond: finiteOrNull(result.samplesPerSecond),
    durationSeconds: finiteOrNull(result.durationSeconds), startedAt: result.startedAt,
  };
}

function parseEventLine(line: string): FromTrainer | LegacyLogLine | null {
  if (!line.trim()) return null;
  try {
    const value: unknown = JSON.parse(line);
    if (!isObject(value) || typeof value.type !== 'string') return null;
    if (Object.prototype.hasOwnProperty.call(TRAINER_MESSAGE_TYPES, value.type)) return value as unknown as FromTrainer;
    if (value.type === 'log') return { type: 'log', text: String(value.text) };
  } catch {
    // A torn last line (the trainer was killed mid-write) is expected: skip it.
  }
  return null;
}

/** What `result.json` may say (`interrupted` is the host's judgement, never written). */
const STATUSES = { running: true, completed: true, cancelled: true, failed: true } as const satisfies Record<RunResult['status'], true>;

/** Reads `result.json`, filling what is missing so later code can trust the types. */
function parseResult(text: string): ResultFields | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.spec !== 'string') return null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const num = (v: unknown): number | null => finiteOrNull(v);
  const metrics = (v: unknown): Metrics | null => {
    if (!isObject(v)) return null;
    const out: Metrics = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x;
    return out;
  };
  const history = isObject(value.history) ? value.history : {};
  return {
    spec: value.spec,
    variant: str(value.variant),
    status: typeof value.status === 'string' && Object.prototype.hasOwnProperty.call(STATUSES, value.status) ? (value.status as RunResult['status']) : 'failed',
    backend: str(value.backend) ?? '',
    backendReason: str(value.backendReason) ?? '',
    engine: str(value.engine) ?? undefined,
    engineReason: str(value.engineReason) ?? undefined,
    history,
    test: metrics(value.test),
    classification: isObject(value.classification) ? (value.classification as unknown as RunResult['classification']) : undefined,
    bestEpoch: num(value.bestEpoch),
    bestMonitor: str(value.bestMonitor),
    stoppedEarly: value.stoppedEarly === true,
    epochsRun: num(value.epochsRun) ?? epochsRun(sanitizeHistory(history)),
    samplesPerSecond: num(value.samplesPerSecond) ?? 0,
    durationSeconds: num(value.durationSeconds) ?? 0,
    startedAt: str(value.startedAt) ?? '',
    finishedAt: str(value.finishedAt),
    error: str(value.error) ?? undefined,
    // The panel reads only the diagnoses (the layers come from the samples).
    health: isObject(value.health) ? { layers: [], diagnoses: parseDiagnoses(value.health.diagnoses) } : undefined,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Exhaustiveness check at compile time; at run time a newer trainer's new message type is ignored, not fatal. */
function unknown(_value: never): void {}
