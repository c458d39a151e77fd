/**
 * The trainer child process (bundle `dist/trainer.js`), started with `fork` by the CLI or the
 * extension. It speaks protocol.ts over IPC: `ready`, then one `start`, progress messages, and
 * `done` or `error`. `cancel` stops after the current batch. It exits when its parent goes away.
 */
import type { FromTrainer, ToTrainer } from './protocol';
import { train } from './train';

function send(m: FromTrainer): void {
  if (process.connected) process.send?.(m);
}

if (!process.send) {
  process.stderr.write('The Model Spec trainer runs as a child process; use "modelspec train <spec>".\n');
  process.exit(2);
}

let cancelled = false;
let started = false;

process.on('disconnect', () => process.exit(0));
process.on('message', (m: ToTrainer) => {
  switch (m.type) {
    case 'cancel':
      cancelled = true;
      return;
    case 'start':
      if (started) return;
      started = true;
      void train(m, { emit: send, cancelled: () => cancelled }).then(() => {
        // Let IPC flush the last messages, then leave.
        process.disconnect();
      });
      return;
    default: {
      const never: never = m;
      process.stderr.write(`trainer: unknown message ${JSON.stringify(never)}\n`);
    }
  }
});
// The host keeps Ctrl-C for itself: it sends `cancel`, so the child ignores SIGINT.
process.on('SIGINT', () => { cancelled = true; });
send({ type: 'ready', pid: process.pid });
