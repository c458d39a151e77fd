import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TrainerClient } from '../src/host/trainerClient';
import type { FromTrainer, StartMessage } from '../src/shared/trainerProtocol';
import { ROOT } from './helpers';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fakeTrainer.js');
const START: StartMessage = { type: 'start', specPath: path.join(ROOT, 'examples', 'mnist-initializers.model.json'), specText: '{}', runsDir: '/nonexistent', backend: 'wasm' };

/** Runs the fake trainer in `mode`; `onMessage` may act (e.g. cancel) on each message. */
async function withMode(mode: string, onMessage?: (m: FromTrainer, p: TrainerClient) => void, start = START, env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, { FAKE_TRAINER_MODE: mode, ...env });
  const msgs: FromTrainer[] = [];
  let output = '';
  try {
    const p: TrainerClient = new TrainerClient(FAKE, start, { onMessage: (m) => { msgs.push(m); onMessage?.(m, p); }, onOutput: (s) => { output += s; }, exitGraceMs: 2000 });
    return { outcome: await p.done, msgs, output };
  } finally {
    process.env = saved;
  }
}

/** Whether process `pid` still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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

  it('a trainer killed with -9 fails at once, and its result.json no longer says running', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-client-'));
    try {
      let pid = 0;
      const { outcome } = await withMode('slow', (m) => {
        if (m.type === 'ready') pid = m.pid;
        if (m.type === 'batch' && m.step === 2) process.kill(pid, 'SIGKILL');
      }, { ...START, runsDir }, { FAKE_TRAINER_RESULT: '1' });
      assert.strictEqual(outcome.status, 'failed');
      assert.strictEqual(outcome.error, 'trainer exited unexpectedly (code none, signal SIGKILL)');
      const result = JSON.parse(fs.readFileSync(path.join(outcome.runDir ?? '', 'result.json'), 'utf8'));
      assert.deepStrictEqual([result.status, result.error, typeof result.finishedAt], ['failed', outcome.error, 'string']);
    } finally {
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
  });

  it('a host that exits takes a stuck trainer (and its process group) with it', async () => {
    // A host process that starts a trainer which hangs, deaf to its parent, then exits.
    const host = `
      const { TrainerClient } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'host', 'trainerClient.js'))});
      const c = new TrainerClient(${JSON.stringify(FAKE)}, ${JSON.stringify(START)}, {
        onMessage(m) { if (m.type === 'ready') console.log(m.pid); if (m.type === 'started') process.exit(0); },
      });`;
    const child = cp.spawn(process.execPath, ['-e', host], { env: { ...process.env, FAKE_TRAINER_MODE: 'stuck' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.strictEqual(code, 0);
    const pid = Number(out.trim());
    assert.ok(pid > 0, out);
    // SIGKILL is delivered at once, but the zombie may take a moment to be reaped by init.
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!alive(pid), `trainer ${pid} outlived its host`);
  });

  it('a missing trainer is a clear failure, not a throw', async () => {
    const p = new TrainerClient('/no/such/trainer.js', START, { onMessage: () => undefined });
    const o = await p.done;
    assert.strictEqual(o.status, 'failed');
    assert.match(o.error ?? '', /The trainer is missing: \/no\/such\/trainer\.js/);
  });
});
