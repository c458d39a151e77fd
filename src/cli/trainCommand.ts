/**
 * `modelspec train`: trains a spec's variants one after another, each in its own trainer child
 * process (through src/host/trainerClient.ts), and prints the Keras-style log the trainer's
 * messages render to (src/shared/kerasLog.ts), or the messages as JSON Lines with --json.
 */
import * as path from 'path';
import { analyze } from '../core/analyze';
import { bestIndex, metricDirection } from '../core/bestEpoch';
import { BACKENDS, ENGINES, choiceNames } from '../core/registry/training';
import { specNameFromFile, formatDiagnostic, LineIndex, type Diagnostic } from '../core/diagnostics';
import { resolveSpec, variantNames } from '../core/resolve';
import { readTextFile } from '../core/runFiles';
import type { BackendChoice } from '../trainer/backend';
import { f4, kerasLogLines, plural, shownMetrics, type LogContext } from '../shared/kerasLog';
import { estimateStepDuration, formatProgressLine } from '../shared/progress';
import { TrainerClient, type TrainerOutcome } from '../host/trainerClient';
import type { BatchMessage, EngineChoice, EpochMessage, FromTrainer, Metrics, RunResult, StartMessage } from '../shared/trainerProtocol';
import { intFlag, UsageError, type Parsed } from './args';
import type { Command, Io } from './command';
import { healthReport } from './healthCommand';

const BACKEND_NAMES: readonly string[] = choiceNames(BACKENDS);
const ENGINE_NAMES: readonly string[] = choiceNames(ENGINES);

/** The `--backend` flag's value (default auto), or a usage error listing the choices. */
export function backendFlag(a: Parsed): BackendChoice {
  const backend = (a.values.get('backend') ?? 'auto') as BackendChoice;
  if (!BACKEND_NAMES.includes(backend)) throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got "${backend}".`);
  return backend;
}

/** The `--engine` flag's value (default auto), or a usage error listing the choices. */
function engineFlag(a: Parsed): EngineChoice {
  const engine = (a.values.get('engine') ?? 'auto') as EngineChoice;
  if (!ENGINE_NAMES.includes(engine)) throw new UsageError(`--engine must be one of ${ENGINE_NAMES.join(', ')}, got "${engine}".`);
  return engine;
}

/** Exit code after Ctrl-C, as shells report a SIGINT death (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** The signals that stop training after the current batch, and the exit code each leaves (128 + its number). */
const INTERRUPTS: readonly (readonly [NodeJS.Signals, number])[] = [['SIGINT', EXIT_INTERRUPTED], ['SIGTERM', 143], ['SIGHUP', 129]];

/** The trainer bundle: `MODELSPEC_TRAINER` if set, else `trainer.js` beside this (dist/cli.js) bundle. */
export function trainerPath(): string {
  const env = process.env.MODELSPEC_TRAINER;
  return env ? path.resolve(env) : path.join(__dirname, 'trainer.js');
}

/** How one variant's training ended, as the final `{"type":"done","runs":[...]}` line lists it. */
export interface RunRecord {
  /** The variant, or null for a spec without variants. */
  variant: string | null;
  runDir: string | null;
  status: 'completed' | 'cancelled' | 'failed';
  /** The trainer's result.json content, when it finished with `done`. */
  result: RunResult | null;
  error?: string;
}

/** A run record plus what the CLI saw on the way, for the comparison table when `result` is missing. */
interface RunState extends RunRecord {
  history: Record<string, number[]>;
  test: Metrics | null;
  seconds: number;
  samplesPerSecond: number | null;
}

export interface TrainOptions {
  /** The spec file as the user named it, and its text. */
  file: string;
  text: string;
  /** Variants to train in order; `undefined` is the base spec. */
  variants: (string | undefined)[];
  runsDir: string;
  backend: BackendChoice;
  engine: EngineChoice;
  epochs?: number;
  limit?: number;
  json: boolean;
  trainer: string;
}

/** A path relative to the working folder when it is inside it, else absolute. */
function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** The comparison of the variants that ran: best and final metrics, test metrics, speed, status. */
export function comparisonTable(runs: readonly (RunRecord & Partial<Pick<RunState, 'history' | 'test' | 'seconds' | 'samplesPerSecond'>>)[]): string {
  const historyOf = (r: (typeof runs)[number]): Record<string, number[]> => r.result?.history ?? r.history ?? {};
  const has = (key: string): boolean => runs.some((r) => (historyOf(r)[key]?.length ?? 0) > 0);
  // The run's own best-epoch monitor (result.json) when the table has no val_accuracy to show.
  const judged = runs.map((r) => r.result?.bestMonitor).find((m): m is string => typeof m === 'string');
  const monitor = ['val_accuracy', judged, 'val_loss', 'accuracy', 'loss'].find((m): m is string => m !== undefined && has(m)) ?? 'val_loss';
  const accuracy = has('accuracy') || runs.some((r) => (r.result?.test ?? r.test)?.accuracy !== undefined);
  const last = (xs: number[] | undefined): number | null => (xs && xs.length ? xs[xs.length - 1] : null);

  const head = ['Variant', `Best ${monitor}`, 'Epoch', 'Val loss', ...(accuracy ? ['Val accuracy'] : []), 'Test loss',
    ...(accuracy ? ['Test accuracy'] : []), 'Epochs', 'Time (s)', 'Samples/s', 'Status'];
  const rows = runs.map((r) => {
    const h = historyOf(r);
    const best = bestIndex(h[monitor] ?? [], metricDirection(monitor));
    const test = r.result?.test ?? r.test ?? null;
    const seconds = r.result?.durationSeconds ?? r.seconds;
    const speed = r.result?.samplesPerSecond ?? r.samplesPerSecond;
    return [
      r.variant ?? '(base)',
      best ? f4(best.value) : '-',
      best ? String(best.index + 1) : '-',
      f4(last(h.val_loss)),
      ...(accuracy ? [f4(last(h.val_accuracy))] : []),
      f4(test?.loss),
      ...(accuracy ? [f4(test?.accuracy)] : []),
      String(r.result?.epochsRun ?? Math.max(0, ...Object.values(h).map((xs) => xs.length))),
      seconds === undefined || seconds === null ? '-' : seconds.toFixed(1),
      speed === undefined || speed === null || !Number.isFinite(speed) ? '-' : String(Math.round(speed)),
      r.status,
    ];
  });
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((row) => row[i].length)));
  // Text columns (variant, status) align left; numbers align right.
  const left = new Set([0, head.length - 1]);
  const line = (cells: string[]): string =>
    cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** After the comparison: which variants failed and why (empty when none did). */
export function failureSummary(runs: readonly RunRecord[]): string {
  const failed = runs.filter((r) => r.status === 'failed');
  if (!failed.length) return '';
  const lines = failed.map((r) => `  ${r.variant ?? '(base)'}: ${r.error ?? 'failed without a message'}`);
  const head = failed.length === runs.length ? `All ${plural(runs.length, 'variant')} failed` : `${failed.length} of ${plural(runs.length, 'variant')} failed (the others still ran)`;
  return `\n${head}:\n${lines.join('\n')}\n`;
}

/**
 * One run's messages on the terminal: the Keras log lines (src/shared/kerasLog.ts), and on a
 * terminal the live progress bar, drawn in place from `batch` messages, where a log has the
 * epoch's line.
 */
class TerminalLog {
  /** A `\r` progress line is on screen without its newline. */
  private progressWidth = 0;
  private progressActive = false;
  private lastBatch: BatchMessage | undefined;
  /** Seconds into the epoch when its first step finished (Keras's step-time estimate). */
  private firstStepElapsed: number | null = null;

  constructor(private readonly io: Io, private readonly ctx: LogContext) {}

  /** Prints what `m` adds to the log. */
  message(m: FromTrainer): void {
    if (this.io.isTTY && m.type === 'batch') return this.batch(m);
    if (this.io.isTTY && m.type === 'epoch' && m.steps > 0) return this.epochBar(m);
    for (const line of kerasLogLines(m, this.ctx)) this.out(line.text + '\n');
  }

  /** Ends a progress line left without its newline, before anything else is printed. */
  endProgress(): void {
    if (!this.progressActive) return;
    this.io.out('\n');
    this.progressActive = false;
    this.progressWidth = 0;
  }

  private out(s: string): void {
    this.endProgress();
    this.io.out(s);
  }

  private batch(m: BatchMessage): void {
    if (m.step === 1 || this.lastBatch?.epoch !== m.epoch) this.firstStepElapsed = m.step === 1 ? m.elapsedSeconds : null;
    this.lastBatch = m;
    const timePerStep = estimateStepDuration(m.step, m.elapsedSeconds, this.firstStepElapsed);
    this.progress(formatProgressLine({
      current: m.step, target: m.steps, elapsedSeconds: m.elapsedSeconds, timePerStep, values: shownMetrics(m.metrics),
    }), false);
  }

  /** The epoch's last bar, in place of the log's verbose=2 line. */
  private epochBar(m: EpochMessage): void {
    const seen = this.lastBatch?.epoch === m.epoch;
    const timePerStep = estimateStepDuration(m.stepsDone, m.seconds, seen ? this.firstStepElapsed : null);
    this.progress(formatProgressLine({
      current: m.stepsDone, target: m.steps, elapsedSeconds: m.seconds, timePerStep, values: shownMetrics(m.metrics), finalize: true,
    }), true);
  }

  /** Draws a progress line over the previous one. */
  private progress(line: string, final: boolean): void {
    const pad = Math.max(0, this.progressWidth - line.length);
    this.io.out(`\r${line}${' '.repeat(pad)}${final ? '\n' : ''}`);
    this.progressActive = !final;
    this.progressWidth = final ? 0 : line.length;
  }
}

/**
 * One `modelspec train` invocation: trains the variants in turn, each through a trainer client,
 * and prints what the trainers send. `interrupt()` is what Ctrl-C does: the first asks the
 * running trainer to stop after the current batch and skips the remaining variants, the second
 * kills the trainer.
 */
export class TrainSession {
  private readonly records: RunState[] = [];
  private client: TrainerClient | undefined;
  private log: TerminalLog | undefined;
  private interrupts = 0;
  private exitCode = EXIT_INTERRUPTED;

  constructor(private readonly opts: TrainOptions, private readonly io: Io) {}

  /** The runs so far, as the final JSON line lists them. */
  get runs(): RunRecord[] {
    return this.records.map(({ variant, runDir, status, result, error }) => ({ variant, runDir, status, result, ...(error === undefined ? {} : { error }) }));
  }

  get interrupted(): boolean {
    return this.interrupts > 0;
  }

  /** Ctrl-C (or a signal that means the same, exiting with `exitCode` in the end). */
  interrupt(exitCode = EXIT_INTERRUPTED): void {
    this.interrupts++;
    if (this.interrupts === 1) {
      this.exitCode = exitCode;
      this.status('Stopping after the current batch... (Ctrl-C again to kill)');
      this.client?.cancel();
    } else {
      this.client?.kill('trainer killed by a second Ctrl-C');
    }
  }

  /** Trains every variant (until interrupted); returns the exit code. */
  async run(): Promise<number> {
    const { variants, json } = this.opts;
    for (let i = 0; i < variants.length && !this.interrupted; i++) {
      if (!json && i > 0) this.io.out('\n');
      this.records.push(await this.runOneSafely(variants[i], i, variants.length));
    }
    if (json) {
      this.io.out(JSON.stringify({ type: 'done', runs: this.runs }) + '\n');
    } else if (this.records.length > 1) {
      this.io.out(`\nComparison of ${plural(this.records.length, 'variant')}:\n`);
      this.io.out(comparisonTable(this.records));
      this.io.out(failureSummary(this.records));
    }
    if (!json) this.io.out(healthReport(this.records));
    if (this.interrupted) return this.exitCode;
    return this.records.every((r) => r.status === 'completed') ? 0 : 1;
  }

  /** A status line for the user: stderr, so --json keeps stdout clean. */
  private status(s: string): void {
    this.log?.endProgress();
    this.io.err(s + '\n');
  }

  /** One variant; whatever goes wrong with it is its failure, and the next variant still trains. */
  private async runOneSafely(variant: string | undefined, index: number, count: number): Promise<RunState> {
    try {
      return await this.runOne(variant, index, count);
    } catch (e) {
      this.client = undefined;
      const error = `cannot run the trainer: ${e instanceof Error ? e.message : String(e)}`;
      this.status(`modelspec train: ${error}${variant === undefined ? '' : ` (variant "${variant}")`}`);
      return { variant: variant ?? null, runDir: null, status: 'failed', result: null, error, history: {}, test: null, seconds: 0, samplesPerSecond: null };
    }
  }

  private async runOne(variant: string | undefined, index: number, count: number): Promise<RunState> {
    const { opts, io } = this;
    const state: RunState = {
      variant: variant ?? null, runDir: null, status: 'failed', result: null,
      history: {}, test: null, seconds: 0, samplesPerSecond: null,
    };
    const log = new TerminalLog(io, { showPath: shownPath, ...(variant === undefined ? {} : { position: `${index + 1} of ${count}` }) });
    this.log = log;
    const start: StartMessage = {
      type: 'start', specPath: path.resolve(opts.file), specText: opts.text,
      ...(variant === undefined ? {} : { variant }),
      runsDir: opts.runsDir, backend: opts.backend, engine: opts.engine,
      ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
      ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    };
    this.client = new TrainerClient(opts.trainer, start, {
      onMessage: (m) => this.onMessage(state, log, m),
      // The trainer talks over IPC; anything it prints is diagnostics, so both streams go to stderr.
      onOutput: (s) => {
        log.endProgress();
        io.err(s);
      },
    });
    const outcome = await this.client.done;
    this.client = undefined;
    this.record(state, outcome, variant === undefined ? '' : ` (variant "${variant}")`);
    return state;
  }

  private onMessage(state: RunState, log: TerminalLog, m: FromTrainer): void {
    if (this.opts.json) this.io.out(JSON.stringify(m) + '\n');
    else log.message(m);
    if (m.type === 'started') state.runDir = m.runDir;
    if (m.type === 'evaluation') state.test = m.metrics;
    if (m.type === 'epoch') {
      for (const [k, v] of Object.entries(m.metrics)) (state.history[k] ??= []).push(v);
      state.seconds += m.seconds;
      state.samplesPerSecond = m.samplesPerSecond;
    }
  }

  /** How the run ended, into its record; a failure (or a kill) is reported on stderr. */
  private record(state: RunState, o: TrainerOutcome, label: string): void {
    this.log?.endProgress();
    state.status = o.status;
    state.result = o.result ?? null;
    if (o.runDir) state.runDir = o.runDir;
    if (o.error === undefined) return;
    state.error = o.error;
    this.status(`modelspec train: ${o.error}${label}${o.runDir ? `\n  run folder: ${shownPath(o.runDir)}` : ''}`);
  }
}


export const train: Command = {
  usage: `modelspec train <spec> [--variant NAME] [--epochs N] [--limit N] [--backend ${BACKEND_NAMES.join('|')}] [--engine ${ENGINE_NAMES.join('|')}] [--runs-dir DIR] [--json]`,
  help: [
    'Trains the spec: every variant in turn (or the one --variant names), each in its own trainer',
    'process, printing Keras-style progress, the test evaluation, and a comparison of the variants.',
    '--epochs N overrides fit.epochs; --limit N overrides data.limit (train on fewer samples).',
    '--backend picks TensorFlow.js\'s backend; auto tries tfjs-node, then wasm, then cpu.',
    '--engine auto (default) trains Dense stacks and convnets with the fused WebAssembly kernel unless --backend names a backend;',
    'kernel insists on it (an error when the spec does not fit it); tfjs always uses TensorFlow.js.',
    '--runs-dir DIR holds the run folders (<spec>/<timestamp>-<variant>/); default ./runs in the current folder.',
    '--json prints every trainer message as one JSON line, then {"type":"done","runs":[{variant, runDir, status, result}]}.',
    'Ctrl-C stops after the current batch and skips the remaining variants; Ctrl-C again kills the trainer.',
    'SIGTERM and SIGHUP (closing the terminal) stop like Ctrl-C.',
    'Exit 0 when every run completed, 1 when the spec has errors or a run failed, 130 when interrupted (143 on SIGTERM, 129 on SIGHUP).',
  ].join('\n'),
  flags: { values: ['variant', 'epochs', 'limit', 'backend', 'engine', 'runs-dir'], booleans: ['json'] },
  async run(a: Parsed, io: Io): Promise<number> {
    const file = a.positionals[0];
    if (!file) throw new UsageError('Missing the spec file.');
    if (a.positionals.length > 1) throw new UsageError(`One spec at a time, got ${a.positionals.length}.`);
    const backend = backendFlag(a);
    const engine = engineFlag(a);
    const epochs = intFlag(a, 'epochs');
    const limit = intFlag(a, 'limit');

    let text: string;
    try {
      text = readTextFile(file);
    } catch (e) {
      // Missing, a folder, a FIFO (which would block), too large: the message says which.
      io.err(`modelspec train: ${(e as Error).message}\n`);
      return 2;
    }

    // Check the spec (and every variant to train) before starting any trainer.
    const analysis = analyze(text);
    const fallbackName = specNameFromFile(path.basename(file));
    const asked = a.values.get('variant');
    const names = variantNames(analysis);
    const variants: (string | undefined)[] = asked !== undefined ? [asked] : names.length ? names : [undefined];
    const lines = new LineIndex(text);
    const shown = new Set<Diagnostic>();
    let failure: string | undefined;
    for (const v of variants) {
      const r = resolveSpec(analysis, v, fallbackName);
      if (r.ok) continue;
      for (const d of r.diagnostics.filter((x) => x.severity === 'error' && !shown.has(x))) {
        shown.add(d);
        io.err(formatDiagnostic(file, lines, d));
      }
      failure ??= r.message;
    }
    if (failure !== undefined) {
      io.err(`modelspec train: ${failure}\n`);
      return 1;
    }

    const session = new TrainSession({
      file, text, variants, runsDir: path.resolve(a.values.get('runs-dir') ?? 'runs'), backend, engine, epochs, limit,
      json: a.booleans.has('json'), trainer: trainerPath(),
    }, io);
    // Closing the terminal (SIGHUP) or a `kill` (SIGTERM) keeps what was learned, as Ctrl-C does.
    const handlers = INTERRUPTS.map(([signal, code]) => [signal, () => session.interrupt(code)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    try {
      return await session.run();
    } finally {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    }
  },
};
