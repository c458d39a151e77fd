import * as assert from 'assert';
import * as path from 'path';
import { TrainerClient } from '../src/host/trainerClient';
import type { FromTrainer, StartMessage } from '../src/trainer/protocol';
import { ROOT } from './helpers';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fakeTrainer.js');
const START: StartMessage = { type: 'start', specPath: path.join(ROOT, 'examples', 'mnist-initializers.model.json'), specText: '{}', runsDir: '/nonexistent', backend: 'wasm' };

/** Runs the fake trainer in `mode`; `onMessage` may act (e.g. cancel) on each message. */
async function withMode(mode: string, onMessage?: (m: FromTrainer, p: TrainerClient) => void) {
  const prev = process.env.FAKE_TRAINER_MODE;
  process.env.FAKE_TRAINER_MODE = mode;
  const msgs: FromTrainer[] = [];
  let output = '';
  try {
    const p: TrainerClient = new TrainerClient(FAKE, START, { onMessage: (m) => { msgs.push(m); onMessage?.(m, p); }, onOutput: (s) => { output += s; }, exitGraceMs: 2000 });
    return { outcome: await p.done, msgs, output };
  } finally {
    if (prev === undefined) delete process.env.FAKE_TRAINER_MODE;
    else process.env.FAKE_TRAINER_MODE = prev;
  }
}

describe('TrainerClient (the host side of the trainer protocol, for the CLI and the extension)', function () {
  this.timeout(30000);

  it('forwards every message in order and ends with the done outcome', async () => {
    const { outcome, msgs } = await withMode('ok');
    assert.strictEqual(outcome.status, 'completed');
    assert.deepStrictEqual([msgs[0].type, msgs[1].type, msgs[msgs.length - 1].type], ['ready', 'started', 'done']);
    assert.ok(outcome.result && outcome.runDir);
  });

  it('cancel stops after the current batch: the run ends cancelled, not failed', async () => {
    let sent = false;
    const { outcome } = await withMode('slow', (m, p) => {
      if (m.type === 'batch' && !sent) { sent = true; p.cancel(); }
    });
    assert.strictEqual(outcome.status, 'cancelled');
  });

  it('a trainer error and a crash are failures with the reason, and what it printed is passed on', async () => {
    const e = await withMode('error');
    assert.strictEqual(e.outcome.status, 'failed');
    assert.ok(e.outcome.error && e.outcome.error.length > 0);
    const c = await withMode('crash');
    assert.strictEqual(c.outcome.status, 'failed');
    assert.match(c.outcome.error ?? '', /exited unexpectedly \(code 3/);
    assert.ok(c.outcome.runDir, 'the run folder is known from `started`');
    assert.ok(c.output.length > 0, 'stderr reaches onOutput');
  });

  it('a missing trainer is a clear failure, not a throw', async () => {
    const p = new TrainerClient('/no/such/trainer.js', START, { onMessage: () => undefined });
    const o = await p.done;
    assert.strictEqual(o.status, 'failed');
    assert.match(o.error ?? '', /The trainer is missing: \/no\/such\/trainer\.js/);
  });
});
