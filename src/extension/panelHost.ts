/**
 * The host side of the panel without `vscode`: it owns the panel state, applies actions to it,
 * forwards them to the webview in batches, and answers `ready` with the whole state. The
 * extension's WebviewPanel wraps one of these; the tests drive one directly. Run folders are
 * read here too, and checked, so a damaged or edited one never reaches the webview as is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readTextFile, RUN_FILES, runFolderStatus, THIS_MACHINE, type ProcessProbe } from '../core/runFiles';
import type { FromWebview, PanelAction, PanelState, RunId, RunStatus, RunSummary, RunView, ToWebview } from '../panel/protocol';
import { applyAction, initialPanelState, loadRun, summarizeResult } from '../panel/state';
import type { Classification, Misclassified } from '../shared/trainerProtocol';

/**
 * The slowest the webview hears of a change. Below the trainer's 250 ms batch interval, so the
 * panel keeps up with every batch message it gets; still few enough posts for a fast run.
 */
export const FLUSH_INTERVAL_MS = 100;

/** Requests the host must act on itself (I/O, the trainer, dialogs). */
export type HostRequest = Exclude<FromWebview, { type: 'ready' } | { type: 'selectRuns' }>;

/** What the host needs from its surroundings. */
export interface PanelHostOptions {
  /** Sends a message to the webview (`webview.postMessage`). */
  post(message: ToWebview): void;
  /** Handles what the webview asks for beyond state: open a run, stop, export, refresh. */
  onRequest(request: HostRequest): void;
  /** Runs `callback` once after `ms`; returns a function that cancels it. Default: `setTimeout`. */
  schedule?(callback: () => void, ms: number): () => void;
  flushIntervalMs?: number;
}

/** Panel state plus batched delivery to one webview. */
export class PanelHost {
  readonly state: PanelState = initialPanelState();
  private pending: PanelAction[] = [];
  /** `state.seq` before the first pending action. */
  private pendingSeq = 0;
  private cancelFlush: (() => void) | null = null;
  private readonly schedule: (callback: () => void, ms: number) => () => void;

  constructor(private readonly options: PanelHostOptions) {
    this.schedule = options.schedule ?? ((callback, ms) => {
      const timer = setTimeout(callback, ms);
      return () => clearTimeout(timer);
    });
  }

  /** Applies an action now and sends it to the webview with the next batch. */
  dispatch(action: PanelAction): void {
    if (this.pending.length === 0) this.pendingSeq = this.state.seq;
    applyAction(this.state, action);
    this.pending.push(action);
    this.cancelFlush ??= this.schedule(() => this.flush(), this.options.flushIntervalMs ?? FLUSH_INTERVAL_MS);
  }

  /** Sends the pending actions now (e.g. before the run's last message is followed by disposal). */
  flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    if (this.pending.length === 0) return;
    const actions = this.pending;
    this.pending = [];
    this.options.post({ type: 'update', seq: this.pendingSeq, actions });
  }

  /** Handles a message from the webview. */
  receive(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        // The whole state already holds the pending actions: drop them rather than send them twice.
        this.cancelFlush?.();
        this.cancelFlush = null;
        this.pending = [];
        this.options.post({ type: 'state', state: this.state });
        return;
      case 'selectRuns':
        this.dispatch({ type: 'compareRuns', runIds: message.runIds });
        return;
      default:
        this.options.onRequest(message);
    }
  }

  /** Cancels a scheduled flush (the panel is closing). */
  dispose(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    this.pending = [];
  }
}

// ---- run folders: read, checked, before anything reaches the webview ----

/** Most classes a confusion matrix from a run file may have, and most mistakes it may list. */
const MAX_CLASSES = 1000;
const MAX_MISTAKES = 100;
/** Widest and tallest mistake image drawn (a canvas larger than this is refused by browsers anyway). */
const MAX_IMAGE_SIDE = 4096;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isClass = (v: unknown, n: number): v is number => isCount(v) && v < n;

/** Bytes a base64 string decodes to, or -1 when it is not base64. */
function base64Bytes(data: string): number {
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return -1;
  return (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
}

/** A mistake's image when its size agrees with its bytes (so drawing it is bounded by the file), else undefined. */
function checkImage(v: unknown): Misclassified['image'] {
  if (!isObject(v)) return undefined;
  const { width, height, channels, data } = v;
  const side = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= MAX_IMAGE_SIDE;
  if (!side(width) || !side(height) || (channels !== 1 && channels !== 3) || typeof data !== 'string') return undefined;
  return base64Bytes(data) === width * height * channels ? { width, height, channels, data } : undefined;
}

/**
 * A classification read from a run folder (result.json or events.jsonl), as the webview can draw
 * it: a square matrix of counts (at most {@link MAX_CLASSES} classes), one name per class, and
 * mistakes whose classes exist, with images whose size matches their bytes. Bad mistakes and
 * images are dropped; `null` when the matrix itself is unusable.
 */
export function checkClassification(value: unknown): Classification | null {
  if (!isObject(value) || !Array.isArray(value.matrix)) return null;
  const n = value.matrix.length;
  if (n < 1 || n > MAX_CLASSES) return null;
  if (!value.matrix.every((row) => Array.isArray(row) && row.length === n && row.every(isCount))) return null;
  const names = Array.isArray(value.classNames) ? value.classNames : [];
  const classNames = Array.from({ length: n }, (_, i) => (typeof names[i] === 'string' ? (names[i] as string).slice(0, 100) : String(i)));
  const misclassified: Misclassified[] = [];
  for (const m of Array.isArray(value.misclassified) ? value.misclassified.slice(0, MAX_MISTAKES) : []) {
    if (!isObject(m) || !isCount(m.index) || !isClass(m.label, n) || !isClass(m.predicted, n)) continue;
    if (typeof m.confidence !== 'number' || !(m.confidence >= 0 && m.confidence <= 1)) continue;
    const image = checkImage(m.image);
    misclassified.push({ index: m.index, label: m.label, predicted: m.predicted, confidence: m.confidence, ...(image ? { image } : {}) });
  }
  return { matrix: value.matrix as number[][], classNames, misclassified };
}

/** A run file's text, or undefined when it is missing or unreadable (not a regular file, too large). */
function readRunText(file: string): string | undefined {
  try {
    return readTextFile(file);
  } catch {
    return undefined;
  }
}

/** What the host knows about live runs: its own trainers, and (for the rest) this machine's processes. */
export interface Liveness {
  /** True while one of the host's own trainers writes this run folder. */
  isTraining(runId: RunId): boolean;
  probe?: ProcessProbe;
}

/** The status a run folder's `running` result.json really has: `interrupted` once its trainer is gone. */
function liveStatus(id: RunId, resultText: string, live: Liveness): RunStatus {
  if (live.isTraining(id)) return 'running';
  try {
    return runFolderStatus(JSON.parse(resultText) as { status: unknown }, live.probe ?? THIS_MACHINE);
  } catch {
    return 'interrupted';
  }
}

/** Every `<runs>/<spec>/<run>/result.json` as past-runs lines, newest first; unreadable folders are left out. */
export function readPastRuns(runsDir: string, live: Liveness): RunSummary[] {
  const runs: RunSummary[] = [];
  const folders = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
    } catch {
      return [];
    }
  };
  for (const specDir of folders(runsDir)) {
    for (const id of folders(specDir)) {
      const text = readRunText(path.join(id, RUN_FILES.result));
      const summary = text === undefined ? null : summarizeResult(id, text);
      if (!summary) continue;
      if (summary.status === 'running') summary.status = liveStatus(id, text!, live);
      runs.push(summary);
    }
  }
  return runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}

/** Most epochs a run may have (the schema's cap on `fit.epochs`). */
const MAX_EPOCHS = 100_000;

/**
 * events.jsonl without the lines whose epoch could not be a real one: the reducer pads the
 * history up to a message's epoch, so an epoch of 10^9 in an edited file would hang the host.
 */
export function checkEvents(text: string): string {
  return text.split('\n').filter((line) => {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      return true; // loadRun skips what does not parse
    }
    if (!isObject(m) || m.epoch === undefined) return true;
    return Number.isInteger(m.epoch) && (m.epoch as number) >= 0 && (m.epoch as number) < MAX_EPOCHS;
  }).join('\n');
}

/** A past run from its folder, checked for the webview (see {@link checkClassification}); `null` when its files say nothing. */
export function readRunFolder(id: RunId, live: Liveness): RunView | null {
  const result = readRunText(path.join(id, RUN_FILES.result));
  const events = readRunText(path.join(id, RUN_FILES.events));
  const health = readRunText(path.join(id, RUN_FILES.health));
  const run = loadRun(id, { events: events === undefined ? undefined : checkEvents(events), result, ...(health === undefined ? {} : { health }) });
  if (!run) return null;
  run.classification = run.classification === null ? null : checkClassification(run.classification);
  if (run.status === 'running') run.status = result === undefined ? (live.isTraining(id) ? 'running' : 'interrupted') : liveStatus(id, result, live);
  return run;
}
