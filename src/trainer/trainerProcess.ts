/**
 * The host side of the trainer protocol: forks the trainer bundle, sends `start` when it is
 * ready, forwards its messages, and turns however it ends (done, error, crash, cancel) into one
 * outcome. Used by the extension; no `vscode` import.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import type { FromTrainer, RunResult, StartMessage } from './protocol';

export interface TrainerOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  runDir?: string;
  result?: RunResult;
  /** Why it failed (or was cancelled before training began). */
  error?: string;
}

export interface TrainerProcessOptions {
  /** Every protocol message, in order. */
  onMessage(m: FromTrainer): void;
  /** Anything the trainer prints (it talks over IPC, so this is diagnostics). */
  onOutput?(text: string): void;
  /** After its last message the trainer exits by itself; a stuck one is killed after this long. */
  exitGraceMs?: number;
}

/** One trainer child process training one spec or variant. */
export class TrainerProcess {
  /** Settles once the process has ended, never rejects. */
  readonly done: Promise<TrainerOutcome>;
  private child: ChildProcess | undefined;
  private startSent = false;
  private cancelRequested = false;

  constructor(trainerPath: string, start: StartMessage, private readonly opts: TrainerProcessOptions) {
    this.done = fs.existsSync(trainerPath)
      ? new Promise((resolve) => this.run(trainerPath, start, resolve))
      : Promise.resolve({ status: 'failed', error: `The trainer is missing: ${trainerPath}. Reinstall the extension (or run "npm run build" in a development copy).` });
  }

  /** Stops after the current batch (the run keeps what was learned); before training starts, just ends. */
  cancel(): void {
    this.cancelRequested = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    if (this.startSent && child.connected) child.send({ type: 'cancel' });
    else child.kill();
  }

  /** Ends the process now (on dispose); a run in progress is left marked as running. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  private run(trainerPath: string, start: StartMessage, resolve: (o: TrainerOutcome) => void): void {
    let outcome: TrainerOutcome | undefined;
    let grace: NodeJS.Timeout | undefined;
    let runDir: string | undefined;
    const child = fork(trainerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (s: string) => this.opts.onOutput?.(s));
    }
    child.on('message', (raw) => {
      const m = raw as FromTrainer;
      if (m.type === 'ready') {
        if (this.cancelRequested) {
          child.kill();
          return;
        }
        child.send(start);
        this.startSent = true;
      }
      if (m.type === 'started') runDir = m.runDir;
      if (m.type === 'done') outcome = { status: m.status, runDir: m.runDir, result: m.result };
      if (m.type === 'error') outcome = { status: 'failed', error: m.message, ...(m.runDir ? { runDir: m.runDir } : {}) };
      this.opts.onMessage(m);
      if (outcome && !grace) grace = setTimeout(() => child.kill('SIGKILL'), this.opts.exitGraceMs ?? 5000);
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
      if (child.pid === undefined) settle({ status: 'failed', error: `Cannot start the trainer: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      if (outcome) return settle(outcome);
      if (this.cancelRequested && !this.startSent) return settle({ status: 'cancelled', error: 'Cancelled before training started.' });
      settle({ status: 'failed', ...(runDir ? { runDir } : {}), error: `The trainer exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'}).` });
    });
  }
}
