/**
 * `modelspec train`: trains a spec's variants one after another, each in its own trainer child
 * process (dist/trainer.js, speaking src/trainer/protocol.ts over IPC), and prints Keras-style
 * progress, or the protocol messages as JSON Lines with --json.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../core/analyze';
import { bestIndex, metricDirection } from '../core/bestEpoch';
import { BACKENDS, ENGINES, choiceNames } from '../core/registry/training';
import { LineIndex, type Diagnostic } from '../core/diagnostics';
import { resolveSpec, variantNames } from '../core/resolve';
import type { BackendChoice } from '../trainer/backend';
import { estimateStepDuration, formatEpochSummaryLine, formatProgressLine, formatProgressValue, type MetricPairs } from '../trainer/progress';
import type { BatchMessage, EngineChoice, FromTrainer, Metrics, RunResult, StartedMessage, StartMessage } from '../trainer/protocol';
import { intFlag, UsageError, type Parsed } from './args';
import type { Command, Io } from './command';

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

/** How long a trainer may linger after its `done`/`error` before it is killed. */
const EXIT_GRACE_MS = 10_000;

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

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `.4f`, or `-` when missing. */
function f4(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4);
}

function pairs(metrics: Metrics): MetricPairs {
  return Object.entries(metrics);
}

/** A path relative to the working folder when it is inside it, else absolute. */
function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** A Keras progress or per-epoch line (`1719/1719 [===...` or `1719/1719 - 5s - ...`), as the trainer logs it. */
function isProgressLine(text: string): boolean {
  return /^\s*\d+\/\d+ (\[|- )/.test(text);
}

/** Metrics as progress lines show them (the learning rate stays in the history, not on the line). */
function shownPairs(metrics: Metrics): MetricPairs {
  return Object.entries(metrics).filter(([k]) => k !== 'learning_rate');
}

/** `Test: loss 0.0712 - accuracy 0.9781`. */
export function formatTestLine(metrics: Metrics): string {
  return `Test: ${pairs(metrics).map(([k, v]) => `${k} ${f4(v)}`).join(' - ')}`;
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

/**
 * One `modelspec train` invocation: trains the variants in turn and renders what the trainers
 * send. `interrupt()` is what Ctrl-C does: the first asks the running trainer to stop after the
 * current batch and skips the remaining variants, the second kills the trainer.
 */
export class TrainSession {
  private readonly records: RunState[] = [];
  private child: ChildProcess | undefined;
  private startSent = false;
  private interrupts = 0;
  private killed = false;
  /** A `\r` progress line is on screen without its newline. */
  private progressWidth = 0;
  private progressActive = false;
  private started: StartedMessage | undefined;
  private lastBatch: BatchMessage | undefined;
  /** Seconds into the epoch when its first step finished (Keras's step-time estimate). */
  private firstStepElapsed: number | null = null;
  /**
   * Who printed the current epoch's line off a terminal: the trainer logs its own Keras
   * verbose=2 line (before the `epoch` message); the CLI draws one only when it did not.
   */
  private epochLine: 'none' | 'trainer' | 'own' = 'none';
  /** The `evaluation` was just printed: the trainer's own `Test: ...` log line would repeat it. */
  private testPrinted = false;

  constructor(private readonly opts: TrainOptions, private readonly io: Io) {}

  /** The runs so far, as the final JSON line lists them. */
  get runs(): RunRecord[] {
    return this.records.map(({ variant, runDir, status, result, error }) => ({ variant, runDir, status, result, ...(error === undefined ? {} : { error }) }));
  }

  get interrupted(): boolean {
    return this.interrupts > 0;
  }

  /** Ctrl-C. */
  interrupt(): void {
    this.interrupts++;
    const child = this.child;
    if (this.interrupts === 1) {
      this.status('Stopping after the current batch... (Ctrl-C again to kill)');
      if (child && child.exitCode === null && child.signalCode === null) {
        if (this.startSent && child.connected) {
          try {
            child.send({ type: 'cancel' });
          } catch {
            child.kill();
          }
        } else {
          // Not training yet: nothing to keep.
          child.kill();
        }
      }
    } else if (child && child.exitCode === null && child.signalCode === null) {
      this.killed = true;
      child.kill('SIGKILL');
    }
  }

  /** Trains every variant (until interrupted); returns the exit code. */
  async run(): Promise<number> {
    const { variants, json } = this.opts;
    for (let i = 0; i < variants.length && !this.interrupted; i++) {
      if (!json && i > 0) this.io.out('\n');
      this.records.push(await this.runOne(variants[i], i, variants.length));
    }
    if (json) {
      this.io.out(JSON.stringify({ type: 'done', runs: this.runs }) + '\n');
    } else if (this.records.length > 1) {
      this.io.out(`\nComparison of ${plural(this.records.length, 'variant')}:\n`);
      this.io.out(comparisonTable(this.records));
    }
    if (this.interrupted) return EXIT_INTERRUPTED;
    return this.records.every((r) => r.status === 'completed') ? 0 : 1;
  }

  private out(s: string): void {
    this.endProgress();
    this.io.out(s);
  }

  /** A status line for the user: stderr, so --json keeps stdout clean. */
  private status(s: string): void {
    this.endProgress();
    this.io.err(s + '\n');
  }

  private endProgress(): void {
    if (this.progressActive) {
      this.io.out('\n');
      this.progressActive = false;
      this.progressWidth = 0;
    }
  }

  /** Draws a progress line over the previous one. */
  private progress(line: string, final: boolean): void {
    const pad = Math.max(0, this.progressWidth - line.length);
    this.io.out(`\r${line}${' '.repeat(pad)}${final ? '\n' : ''}`);
    this.progressActive = !final;
    this.progressWidth = final ? 0 : line.length;
  }

  private runOne(variant: string | undefined, index: number, count: number): Promise<RunState> {
    const { opts } = this;
    const state: RunState = {
      variant: variant ?? null, runDir: null, status: 'failed', result: null,
      history: {}, test: null, seconds: 0, samplesPerSecond: null,
    };
    this.started = undefined;
    this.lastBatch = undefined;
    this.epochLine = 'none';
    this.testPrinted = false;
    this.startSent = false;
    this.killed = false;
    const label = variant === undefined ? '' : ` (variant "${variant}")`;

    if (!fs.existsSync(opts.trainer)) {
      state.error = `the trainer is missing: ${opts.trainer} (run "npm run build", or set MODELSPEC_TRAINER)`;
      this.status(`modelspec train: ${state.error}`);
      return Promise.resolve(state);
    }

    return new Promise<RunState>((resolve) => {
      let finished = false; // `done` or `error` arrived
      let settled = false;
      let grace: NodeJS.Timeout | undefined;
      const child = fork(opts.trainer, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // Its own process group: a terminal's Ctrl-C reaches only us, and we decide (cancel, then kill).
        detached: process.platform !== 'win32',
      });
      this.child = child;
      // The trainer talks over IPC; anything it prints is diagnostics, so both streams go to stderr.
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (s: string) => {
          this.endProgress();
          this.io.err(s);
        });
      }

      const settle = (): void => {
        if (settled) return;
        settled = true;
        if (grace) clearTimeout(grace);
        this.endProgress();
        this.child = undefined;
        resolve(state);
      };

      child.on('message', (raw) => {
        const msg = raw as FromTrainer;
        if (opts.json) this.io.out(JSON.stringify(msg) + '\n');
        switch (msg.type) {
          case 'ready': {
            const start: StartMessage = {
              type: 'start', specPath: path.resolve(opts.file), specText: opts.text,
              ...(variant === undefined ? {} : { variant }),
              runsDir: opts.runsDir, backend: opts.backend, engine: opts.engine,
              ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
              ...(opts.limit === undefined ? {} : { limit: opts.limit }),
            };
            if (this.interrupted) {
              child.kill();
              break;
            }
            try {
              child.send(start);
              this.startSent = true;
            } catch (e) {
              state.error = `cannot start the trainer: ${(e as Error).message}`;
            }
            break;
          }
          case 'started':
            this.started = msg;
            state.runDir = msg.runDir;
            if (!opts.json) this.header(msg, variant === undefined ? undefined : `${index + 1} of ${count}`);
            break;
          case 'log': {
            if (opts.json) break;
            const repeatsTest = this.testPrinted && msg.text.startsWith('Test:');
            this.testPrinted = false;
            if (repeatsTest) break;
            if (isProgressLine(msg.text)) {
              // On a terminal the CLI draws the bar itself; off one, the trainer's epoch line is the one printed.
              if (!this.io.isTTY && this.epochLine !== 'own') {
                this.out(msg.text + '\n');
                this.epochLine = 'trainer';
              }
              break;
            }
            this.out(msg.text + '\n');
            break;
          }
          case 'batch':
            this.epochLine = 'none';
            if (msg.step === 1 || this.lastBatch?.epoch !== msg.epoch) this.firstStepElapsed = msg.step === 1 ? msg.elapsedSeconds : null;
            this.lastBatch = msg;
            if (!opts.json && this.io.isTTY) {
              const timePerStep = estimateStepDuration(msg.step, msg.elapsedSeconds, this.firstStepElapsed);
              this.progress(formatProgressLine({
                current: msg.step, target: msg.steps, elapsedSeconds: msg.elapsedSeconds, timePerStep,
                values: shownPairs(msg.metrics),
              }), false);
            }
            break;
          case 'epoch': {
            for (const [k, v] of Object.entries(msg.metrics)) (state.history[k] ??= []).push(v);
            state.seconds += msg.seconds;
            state.samplesPerSecond = msg.samplesPerSecond;
            if (opts.json) break;
            const batch = this.lastBatch?.epoch === msg.epoch ? this.lastBatch : undefined;
            const steps = batch?.steps ?? this.started?.stepsPerEpoch ?? 0;
            // A cancelled epoch ends early: show the steps it did.
            const current = batch && this.interrupted ? batch.step : steps;
            const values = shownPairs(msg.metrics);
            if (this.io.isTTY && steps > 0) {
              const timePerStep = estimateStepDuration(current, msg.seconds, batch ? this.firstStepElapsed : null);
              this.progress(formatProgressLine({ current, target: steps, elapsedSeconds: msg.seconds, timePerStep, values, finalize: true }), true);
            } else if (this.epochLine === 'none') {
              this.out((steps > 0
                ? formatEpochSummaryLine({ target: steps, current, elapsedSeconds: msg.seconds, values })
                : `${Math.round(msg.seconds)}s${values.map(([k, v]) => ` - ${k}: ${formatProgressValue(v, 2)}`).join('')}`) + '\n');
              this.epochLine = 'own';
            }
            break;
          }
          case 'evaluation':
            state.test = msg.metrics;
            if (!opts.json) {
              this.out(formatTestLine(msg.metrics) + '\n');
              this.testPrinted = true;
            }
            break;
          case 'done':
            finished = true;
            state.status = msg.status;
            state.runDir = msg.runDir;
            state.result = msg.result;
            if (!opts.json && msg.status === 'cancelled') {
              this.out(`Cancelled after ${plural(msg.result.epochsRun, 'epoch')}; the run folder keeps what was learned: ${shownPath(msg.runDir)}\n`);
            }
            break;
          case 'error':
            finished = true;
            state.status = 'failed';
            state.error = msg.message;
            if (msg.runDir) state.runDir = msg.runDir;
            this.status(`modelspec train: ${msg.message}${label}${msg.runDir ? `\n  run folder: ${shownPath(msg.runDir)}` : ''}`);
            break;
          default:
            // Callback messages: their human form comes as `log` lines too.
            break;
        }
        if (finished && !grace) {
          // The trainer exits by itself after its last message; do not let a stuck one hang us.
          grace = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
        }
      });

      child.on('error', (e) => {
        if (!finished && state.error === undefined) state.error = `trainer failed: ${e.message}`;
        // A process that never started emits no 'close'.
        if (child.pid === undefined) {
          this.status(`modelspec train: ${state.error}${label}`);
          settle();
        }
      });

      child.on('close', (code, signal) => {
        if (!finished) {
          if (this.interrupted && (this.killed || !this.startSent)) {
            state.status = 'cancelled';
            state.error = this.killed ? 'trainer killed by a second Ctrl-C' : 'cancelled before training started';
            this.status(`modelspec train: ${state.error}${label}`);
          } else {
            state.status = 'failed';
            state.error = `trainer exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'})`;
            this.status(`modelspec train: ${state.error}${label}${state.runDir ? `\n  run folder: ${shownPath(state.runDir)}` : ''}`);
          }
        }
        settle();
      });
    });
  }

  private header(m: StartedMessage, position: string | undefined): void {
    const lines = [
      `Training ${m.spec}${m.variant === undefined ? '' : `, variant "${m.variant}"`}${position ? ` (${position})` : ''}`,
      `Backend: ${m.backend}${m.backendReason ? ` - ${m.backendReason}` : ''}`,
      `Engine: ${m.engine} - ${m.engineReason}`,
      `Run folder: ${shownPath(m.runDir)}`,
      `Data: ${m.trainCount.toLocaleString('en-US')} train, ${m.validationCount.toLocaleString('en-US')} validation, ${m.testCount.toLocaleString('en-US')} test samples` +
        (m.dataSources.length ? ` (${m.dataSources.join('; ')})` : ''),
      `Fit: ${plural(m.epochs, 'epoch')}, batch size ${m.batchSize}, ${plural(m.stepsPerEpoch, 'step')} per epoch`,
      '',
      m.summary.replace(/\n+$/, ''),
      '',
    ];
    this.out(lines.join('\n') + '\n');
  }
}

/** `file:line:col: severity [code] message`, as `validate` prints it. */
function formatDiagnostic(file: string, lines: LineIndex, d: Diagnostic): string {
  const p = lines.positionAt(d.offset);
  return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity} [${d.code}] ${d.message}\n`;
}

export const train: Command = {
  usage: `modelspec train <spec> [--variant NAME] [--epochs N] [--limit N] [--backend ${BACKEND_NAMES.join('|')}] [--engine ${ENGINE_NAMES.join('|')}] [--runs-dir DIR] [--json]`,
  help: [
    'Trains the spec: every variant in turn (or the one --variant names), each in its own trainer',
    'process, printing Keras-style progress, the test evaluation, and a comparison of the variants.',
    '--epochs N overrides fit.epochs; --limit N overrides data.limit (train on fewer samples).',
    '--backend picks TensorFlow.js\'s backend; auto tries tfjs-node, then wasm, then cpu.',
    '--engine auto (default) trains Dense stacks with the fused WebAssembly kernel unless --backend names a backend;',
    'kernel insists on it (an error when the spec does not fit it); tfjs always uses TensorFlow.js.',
    '--runs-dir DIR holds the run folders (<spec>/<timestamp>-<variant>/); default ./runs in the current folder.',
    '--json prints every trainer message as one JSON line, then {"type":"done","runs":[{variant, runDir, status, result}]}.',
    'Ctrl-C stops after the current batch and skips the remaining variants; Ctrl-C again kills the trainer.',
    'Exit 0 when every run completed, 1 when the spec has errors or a run failed, 130 when interrupted.',
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
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a folder' : err.message;
      io.err(`modelspec train: Cannot read ${file}: ${why}.\n`);
      return 2;
    }

    // Check the spec (and every variant to train) before starting any trainer.
    const analysis = analyze(text);
    const fallbackName = path.basename(file).replace(/\.model\.json$|\.json$/, '');
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
    const onSigint = (): void => session.interrupt();
    process.on('SIGINT', onSigint);
    try {
      return await session.run();
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
