/**
 * The trainer child process (bundle `dist/trainer.js`), started by src/host/trainerClient.ts for
 * the CLI or the extension. It speaks protocol.ts over IPC: `ready`, then one `start`, progress
 * messages, and `done` or `error`. `cancel` stops after the current batch.
 */
import type { FromTrainer, ToTrainer } from '../shared/trainerProtocol';
import { train } from './train';

/** Sends to the host; a host that just went away (EPIPE) is the disconnect handler's business, not an error. */
function send(m: FromTrainer): void {
  if (process.connected) process.send?.(m, undefined, undefined, () => undefined);
}

if (!process.send) {
  process.stderr.write('The Model Spec trainer runs as a child process; use "modelspec train <spec>".\n');
  process.exit(2);
}

let cancelled = false;
let training: Promise<void> | undefined;
let finished = false;

/**
 * Cancel without a host to ask: the parent went away (killed, or the window closed), or a signal
 * came. Before training there is nothing to keep; during it, the run stops after the current
 * batch, saves what it learned, is marked cancelled, and the process exits.
 */
function stop(): void {
  cancelled = true;
  if (!training || finished) process.exit(0);
}

process.on('disconnect', stop);
process.on('message', (m: ToTrainer) => {
  switch (m.type) {
    case 'cancel':
      cancelled = true;
      return;
    case 'start':
      if (training) return;
      training = train(m, { emit: send, cancelled: () => cancelled }).then(() => {
        finished = true;
        // Let IPC flush the last messages, then leave.
        if (process.connected) process.disconnect();
        else process.exit(0);
      });
      return;
    default: {
      const never: never = m;
      process.stderr.write(`trainer: unknown message ${JSON.stringify(never)}\n`);
    }
  }
});
// The host keeps Ctrl-C for itself (it sends `cancel`); a signal sent to the trainer itself stops it gently too.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
send({ type: 'ready', pid: process.pid });
