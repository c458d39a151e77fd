/**
 * The host side of the trainer protocol, for the CLI and the extension alike: starts the trainer
 * bundle (the one place that forks it), sends `start` once it is ready, forwards every message,
 * and turns however the process ends (done, error, crash, cancel, kill) into one outcome. No
 * `vscode` import; hosts only render the messages.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicWrite';
import type { FromTrainer, RunResult, StartMessage, ToTrainer } from '../shared/trainerProtocol';

/** How one trainer process ended. */
export interface TrainerOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  runDir?: string;
  result?: RunResult;
  /** Why it failed (or was cancelled before or without finishing). */
  error?: string;
}

export interface TrainerClientOptions {
  /** Every protocol message, in order. */
  onMessage(m: FromTrainer): void;
  /** Anything the trainer prints (it talks over IPC, so this is diagnostics). */
  onOutput?(text: string): void;
  /** Overrides `EXIT_GRACE_MS` (tests). */
  exitGraceMs?: number;
}

/** After its last message the trainer exits by itself; one still there after this long is killed. */
export const EXIT_GRACE_MS = 10_000;

/** POSIX: the trainer leads its own process group, so a terminal's Ctrl-C reaches only the host, which sends `cancel`. */
const OWN_GROUP = process.platform !== 'win32';

/** Trainers still running, killed (with their process groups) if the host exits first. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (OWN_GROUP && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('close', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A trainer stuck in a blocking call would otherwise live on with parent 1.
  process.on('exit', () => {
    for (const c of live) killGroup(c);
  });
}

/** The message for a trainer bundle that is not there. */
function missingTrainerMessage(trainerPath: string): string {
  return `The trainer is missing: ${trainerPath}. Reinstall Model Spec (in a development copy, run "npm run build"; the CLI also reads MODELSPEC_TRAINER).`;
}

/** One trainer child process training one spec or variant. */
export class TrainerClient {
  /** Settles once the process has ended; never rejects. */
  readonly done: Promise<TrainerOutcome>;
  private child: ChildProcess | undefined;
  private startSent = false;
  private cancelRequested = false;
  private killReason: string | undefined;

  constructor(trainerPath: string, start: StartMessage, private readonly opts: TrainerClientOptions) {
    this.done = fs.existsSync(trainerPath)
      ? new Promise((resolve) => this.run(trainerPath, start, resolve))
      : Promise.resolve({ status: 'failed', error: missingTrainerMessage(trainerPath) });
  }

  /** Stops after the current batch (the run keeps what was learned); before training starts, just ends. */
  cancel(): void {
    this.cancelRequested = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (!this.startSent || !this.send(child, { type: 'cancel' })) child.kill();
  }

  /** Ends the process now; the run is reported cancelled with `reason`. */
  kill(reason: string): void {
    const child = this.child;
    if (!child) return;
    this.killReason = reason;
    killGroup(child);
  }

  /**
   * Lets the trainer finish without this host (which is going away, e.g. the window reloads): it
   * loses its parent, so it stops after the current batch, saves, marks the run cancelled and exits.
   */
  detach(): void {
    const child = this.child;
    if (!child) return;
    live.delete(child);
    if (child.connected) child.disconnect();
    child.unref();
  }

  /** Sends over IPC; false when the channel is gone (the trainer is exiting). */
  private send(child: ChildProcess, m: ToTrainer): boolean {
    if (!child.connected) return false;
    try {
      child.send(m);
      return true;
    } catch {
      return false;
    }
  }

  private run(trainerPath: string, start: StartMessage, resolve: (o: TrainerOutcome) => void): void {
    let outcome: TrainerOutcome | undefined;
    let grace: NodeJS.Timeout | undefined;
    let runDir: string | undefined;
    const child = fork(trainerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: OWN_GROUP });
    this.child = child;
    track(child);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (s: string) => this.opts.onOutput?.(s));
    }
    child.on('message', (raw) => {
      const m = raw as FromTrainer;
      if (m.type === 'ready') {
        if (this.cancelRequested) child.kill();
        else this.startSent = this.send(child, start);
      }
      if (m.type === 'started') runDir = m.runDir;
      if (m.type === 'done') outcome = { status: m.status, runDir: m.runDir, result: m.result };
      if (m.type === 'error') outcome = { status: 'failed', error: m.message, ...(m.runDir ? { runDir: m.runDir } : {}) };
      this.opts.onMessage(m);
      if (outcome && !grace) grace = setTimeout(() => killGroup(child), this.opts.exitGraceMs ?? EXIT_GRACE_MS);
    });
    let settled = false;
    const settle = (o: TrainerOutcome): void => {
      if (settled) return;
      settled = true;
      if (grace) clearTimeout(grace);
      this.child = undefined;
      resolve(o);
    };
    child.on('error', (e) => {
      // A process that never started emits no 'close'.
      if (child.pid === undefined) settle({ status: 'failed', error: `cannot start the trainer: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      if (outcome) return settle(outcome);
      const at = runDir ? { runDir } : {};
      if (this.killReason !== undefined) return settle(finishRun({ status: 'cancelled', ...at, error: this.killReason }));
      if (this.cancelRequested && !this.startSent) return settle({ status: 'cancelled', error: 'cancelled before training started' });
      settle(finishRun({ status: 'failed', ...at, error: `trainer exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'})` }));
    });
  }
}

/**
 * A trainer that died without its last word left `result.json` saying `running`: the host, the
 * only one left to know, records how it ended at once.
 */
function finishRun(o: TrainerOutcome): TrainerOutcome {
  if (!o.runDir) return o;
  const file = path.join(o.runDir, 'result.json');
  try {
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as RunResult;
    if (result.status !== 'running') return o;
    result.status = o.status;
    result.error = o.error;
    result.finishedAt = new Date().toISOString();
    writeFileAtomic(file, JSON.stringify(result, null, 2) + '\n');
  } catch {
    // No readable result.json yet: nothing claims the run is still going.
  }
  return o;
}
