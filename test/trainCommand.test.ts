/**
 * `modelspec train` against a scripted fake trainer (test/fixtures/fakeTrainer.js, chosen with
 * MODELSPEC_TRAINER), so the CLI side is tested without TensorFlow.js.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { comparisonTable } from '../src/cli/trainCommand';
import { ROOT } from './helpers';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fakeTrainer.js');
const SPEC = path.join(ROOT, 'examples', 'mnist-initializers.model.json');
const VARIANTS = ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_normal + elu', 'LecunNormal + selu'];

/** Epoch 1 of variant "he_normal + elu" (metrics offset 0) as Keras verbose=2 prints it. */
const EPOCH_LINE = 'Epoch 1/3\n5/5 - 1s - loss: 0.5000 - accuracy: 0.8500 - val_loss: 0.3000 - val_accuracy: 0.9000 - 600ms/epoch - 120ms/step\n';

interface Result { code: number; out: string; err: string }

/** Runs the CLI in-process with extra environment variables (inherited by the forked trainer). */
async function run(env: Record<string, string>, argv: string[], isTTY = false): Promise<Result> {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  let out = '';
  let err = '';
  try {
    const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY });
    return { code, out, err };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The CLI as a child process (out/src/cli/main.js), for real signals. */
class CliProcess {
  out = '';
  err = '';
  readonly child: cp.ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(env: Record<string, string>, argv: string[]) {
    this.child = cp.spawn(process.execPath, [path.join(ROOT, 'out', 'src', 'cli', 'main.js'), ...argv], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => { this.out += s; this.poke(); });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => { this.err += s; this.poke(); });
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => { this.poke(); resolve({ code, signal }); }));
  }

  private poke(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves once `cond` holds (checked on every output), or fails if the CLI exits first. */
  waitFor(cond: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          reject(new Error(`the CLI exited before ${what}.\nstdout:\n${this.out}\nstderr:\n${this.err}`));
        }
      };
      this.waiters.push(check);
      check();
    });
  }
}

describe('modelspec train', () => {
  let runsDir: string;
  const base = (): Record<string, string> => ({ MODELSPEC_TRAINER: FAKE });

  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-train-'));
  });
  afterEach(() => {
    fs.rmSync(runsDir, { recursive: true, force: true });
  });

  it('trains every variant with a header, epoch lines, the test line and a comparison table', async () => {
    const r = await run(base(), ['train', SPEC, '--runs-dir', runsDir]);
    assert.strictEqual(r.code, 0, r.err + r.out);
    assert.strictEqual(r.err, '');
    for (const [i, v] of VARIANTS.entries()) {
      assert.ok(r.out.includes(`Training mnist-initializers, variant "${v}" (${i + 1} of 5)\n`), r.out);
    }
    assert.ok(r.out.includes('Backend: cpu - fake trainer (ok)\n'));
    assert.ok(r.out.includes('Engine: tfjs (cpu) - fake trainer, engine auto\n'), 'the engine is auto unless asked');
    assert.ok(r.out.includes(`Run folder: ${path.join(runsDir, 'mnist-initializers', 'fake-he_normal')}\n`));
    assert.ok(r.out.includes('Model: "sequential"\nfake summary table\n'));
    assert.strictEqual(r.out.split('Epoch 1/3\n').length - 1, 5);
    // Off a terminal: the Keras verbose=2 line once per epoch (the trainer's own log line, not
    // drawn a second time from the epoch message), and no progress bars.
    assert.ok(r.out.includes(EPOCH_LINE), r.out);
    assert.strictEqual(r.out.match(/^5\/5 - /gm)?.length, 15);
    assert.ok(!r.out.includes('\r') && !r.out.includes('[='));
    assert.strictEqual(r.out.split('Epoch 2: val_loss improved from 0.30000 to 0.20000, saving model to best.weights\n').length - 1, 5);
    assert.ok(r.out.includes('Test: loss 0.0712 - accuracy 0.9781\n'));
    assert.ok(!r.out.includes('Test: loss: '), "the trainer's own Test line is not repeated");
    // The comparison: best val_accuracy (epoch 2 of 3, not the last), final val metrics, test metrics.
    const table = r.out.slice(r.out.indexOf('Comparison of 5 variants:\n'));
    const lines = table.split('\n');
    assert.match(lines[1], /^Variant\s+Best val_accuracy\s+Epoch\s+Val loss\s+Val accuracy\s+Test loss\s+Test accuracy\s+Epochs\s+Time \(s\)\s+Samples\/s\s+Status$/);
    assert.match(lines[2], /^-+( +-+){10}$/);
    assert.match(lines[3], /^glorot_normal\s+0\.9530\s+2\s+0\.2530\s+0\.9330\s+0\.0742\s+0\.9751\s+3\s+1\.8\s+267\s+completed$/);
    assert.strictEqual(lines.slice(3).filter((l) => l.endsWith('completed')).length, 5);
    assert.ok(lines[7].startsWith('LecunNormal + selu'));
    // Aligned: every row as wide as the header (trailing status column padded only to its text).
    const statusAt = lines[1].indexOf('Status');
    for (const l of lines.slice(3, 8)) assert.strictEqual(l.indexOf('completed'), statusAt, l);
  });

  it('draws the epoch line from the epoch message', async () => {
    const r = await run(base(), ['train', SPEC, '--variant', 'he_normal + elu', '--runs-dir', runsDir]);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(r.out.includes(EPOCH_LINE), r.out);
    assert.strictEqual(r.out.match(/^5\/5 - /gm)?.length, 3);
  });

  it('on a terminal draws the progress bar in place with \\r and ends each epoch with the full line', async () => {
    const r = await run(base(), ['train', SPEC, '--variant', 'he_normal + elu', '--runs-dir', runsDir, '--epochs', '2'], true);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(r.out.includes('Epoch 1/2\n\r1/5 [=====>........................] - ETA: 0s - loss: 0.5000 - accuracy: 0.8500\r2/5 [===========>'), JSON.stringify(r.out));
    assert.ok(r.out.includes('\r5/5 [==============================] - 1s 125ms/step - loss: 0.5000 - accuracy: 0.8500 - val_loss: 0.3000 - val_accuracy: 0.9000\n'), JSON.stringify(r.out));
    assert.ok(!r.out.includes('5/5 - 1s'), "the trainer's verbose=2 line is replaced by the bar");
    assert.ok(!r.out.includes('Comparison'), 'one variant: no comparison table');
    assert.ok(r.out.includes('Training mnist-initializers, variant "he_normal + elu" (1 of 1)'));
  });

  it('--json prints every message as JSON Lines, ending with the runs summary', async () => {
    const r = await run(base(), ['train', SPEC, '--runs-dir', runsDir, '--json']);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(r.out.endsWith('\n'));
    const msgs = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const count = (t: string): number => msgs.filter((m) => m.type === t).length;
    assert.strictEqual(count('ready'), 5);
    assert.strictEqual(count('started'), 5);
    assert.strictEqual(count('epoch'), 15);
    assert.strictEqual(count('batch'), 75);
    assert.strictEqual(count('checkpoint'), 5);
    assert.strictEqual(count('evaluation'), 5);
    assert.strictEqual(count('done'), 6, 'five trainer done messages and the final summary');
    const last = msgs[msgs.length - 1] as unknown as { type: string; runs: { variant: string; runDir: string; status: string; result: { epochsRun: number } }[] };
    assert.strictEqual(last.type, 'done');
    assert.deepStrictEqual(last.runs.map((x) => x.variant), VARIANTS);
    assert.deepStrictEqual(last.runs.map((x) => x.status), VARIANTS.map(() => 'completed'));
    assert.strictEqual(last.runs[2].runDir, path.join(runsDir, 'mnist-initializers', 'fake-he_normal'));
    assert.strictEqual(last.runs[2].result.epochsRun, 3);
  });

  it('a trainer error: the message on stderr, the other variants still train, exit 1', async () => {
    const r = await run({ ...base(), FAKE_TRAINER_MODE: 'error', FAKE_TRAINER_ONLY: 'he_normal' }, ['train', SPEC, '--runs-dir', runsDir]);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes('modelspec train: fake failure in he_normal (variant "he_normal")\n'), r.err);
    assert.ok(r.err.includes(`run folder: ${path.join(runsDir, 'mnist-initializers', 'fake-he_normal')}`), r.err);
    assert.strictEqual(r.out.split('Test: ').length - 1, 4);
    assert.match(r.out, /\nhe_normal {4,}-\s+-\s+-\s+-\s+-\s+-\s+0\s+0\.0\s+-\s+failed\n/);
    assert.strictEqual(r.out.split('completed').length - 1, 4);
  });

  it('a crashing trainer: "exited unexpectedly" with its stderr forwarded, exit 1', async () => {
    const r = await run({ ...base(), FAKE_TRAINER_MODE: 'crash' }, ['train', SPEC, '--variant', 'glorot_uniform', '--runs-dir', runsDir, '--json']);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes('fake trainer: boom\n'), r.err);
    assert.ok(r.err.includes('modelspec train: trainer exited unexpectedly (code 3, signal none) (variant "glorot_uniform")'), r.err);
    const last = JSON.parse(r.out.trimEnd().split('\n').pop()!);
    assert.deepStrictEqual(
      { ...last, runs: last.runs.map((x: { result: unknown }) => ({ ...x, result: x.result })) },
      { type: 'done', runs: [{ variant: 'glorot_uniform', runDir: path.join(runsDir, 'mnist-initializers', 'fake-glorot_uniform'), status: 'failed', result: null, error: 'trainer exited unexpectedly (code 3, signal none)' }] },
    );
  });

  it('an unknown variant, a spec with errors, a missing trainer, bad flags', async () => {
    let r = await run(base(), ['train', SPEC, '--variant', 'he_uniform']);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes('No variant named "he_uniform". Variants: "glorot_normal", "glorot_uniform", "he_normal", "he_normal + elu", "LecunNormal + selu".'), r.err);
    assert.strictEqual(r.out, '');

    const bad = path.join(runsDir, 'bad.model.json');
    fs.writeFileSync(bad, '{\n  "layers": [\n    { "type": "Dense", "units": 10, "input_shape": [4], "activation": "rleu" }\n  ],\n  "compile": { "loss": "mse" }\n}\n');
    r = await run(base(), ['train', bad]);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes(`${bad}:3:71: error [unknown-name] Unknown activation "rleu". Did you mean "relu"?`), r.err);
    assert.match(r.err, /modelspec train: The spec has 1 error/);

    r = await run({ MODELSPEC_TRAINER: path.join(runsDir, 'nope.js') }, ['train', SPEC, '--variant', 'he_normal', '--runs-dir', runsDir]);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /The trainer is missing: .*nope\.js/);

    r = await run(base(), ['train', SPEC, '--backend', 'gpu']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /--backend must be one of auto, tensorflow, wasm, cpu/);
    r = await run(base(), ['train', SPEC, '--engine', 'gpu']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /--engine must be one of auto, kernel, tfjs/);
    r = await run(base(), ['train', SPEC, '--variant', 'he_normal', '--engine', 'tfjs', '--runs-dir', runsDir]);
    assert.match(r.out, /Engine: tfjs \(cpu\) - fake trainer, engine tfjs\n/);
    r = await run(base(), ['train', SPEC, '--epochs', '0']);
    assert.strictEqual(r.code, 2);
    r = await run(base(), ['train', '--help']);
    assert.match(r.out, /default \.\/runs in the current folder/);
  });

  it('Ctrl-C stops after the current batch, skips the other variants, compares what ran, exit 130', async () => {
    const cli = new CliProcess({ ...base(), FAKE_TRAINER_MODE: 'slow', FAKE_TRAINER_ONLY: 'glorot_uniform' }, ['train', SPEC, '--runs-dir', runsDir]);
    await cli.waitFor(() => /variant "glorot_uniform"[^]*Epoch 1\/1000\n5\/5 - /.test(cli.out), 'the first epoch line of the second variant');
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    assert.strictEqual(code, 130, cli.err);
    assert.ok(cli.err.includes('Stopping after the current batch... (Ctrl-C again to kill)\n'), cli.err);
    assert.match(cli.out, /Cancelled after \d+ epochs?; the run folder keeps what was learned: /);
    assert.ok(!cli.out.includes('variant "he_normal"'), 'the remaining variants are skipped');
    const table = cli.out.slice(cli.out.indexOf('Comparison of 2 variants:'));
    assert.match(table, /\nglorot_normal .* completed\n/);
    assert.match(table, /\nglorot_uniform .* cancelled\n$/);
  });

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} (a kill, closing the terminal) stops like Ctrl-C: the run keeps what it learned, exit ${exitCode}`, async () => {
      const cli = new CliProcess({ ...base(), FAKE_TRAINER_MODE: 'slow' }, ['train', SPEC, '--variant', 'he_normal', '--runs-dir', runsDir, '--json']);
      await cli.waitFor(() => cli.out.includes('"type":"epoch"'), 'the first epoch');
      cli.child.kill(signal);
      const { code } = await cli.exited;
      assert.strictEqual(code, exitCode, cli.err);
      assert.ok(cli.err.includes('Stopping after the current batch'), cli.err);
      const last = JSON.parse(cli.out.trimEnd().split('\n').pop()!);
      assert.strictEqual(last.runs[0].status, 'cancelled');
    });
  }

  it('a second Ctrl-C kills a trainer that does not stop, exit 130', async () => {
    const cli = new CliProcess({ ...base(), FAKE_TRAINER_MODE: 'stubborn' }, ['train', SPEC, '--variant', 'he_normal', '--runs-dir', runsDir, '--json']);
    await cli.waitFor(() => cli.out.includes('"type":"epoch"'), 'the first epoch');
    cli.child.kill('SIGINT');
    await cli.waitFor(() => cli.err.includes('Stopping after the current batch'), 'the stopping message');
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    assert.strictEqual(code, 130, cli.err);
    assert.match(cli.err, /trainer killed by a second Ctrl-C/);
    const last = JSON.parse(cli.out.trimEnd().split('\n').pop()!);
    assert.strictEqual(last.type, 'done');
    assert.strictEqual(last.runs[0].status, 'cancelled');
  });

  it('comparisonTable: min val_loss when there is no accuracy, dashes for what is missing', () => {
    const text = comparisonTable([
      { variant: 'a', runDir: null, status: 'completed', result: null, history: { loss: [1, 0.5], val_loss: [0.4, 0.6] }, test: { loss: 0.45 }, seconds: 2, samplesPerSecond: 1000 },
      { variant: 'bb', runDir: null, status: 'failed', result: null },
    ]);
    assert.strictEqual(text, [
      'Variant  Best val_loss  Epoch  Val loss  Test loss  Epochs  Time (s)  Samples/s  Status',
      '-------  -------------  -----  --------  ---------  ------  --------  ---------  ---------',
      'a               0.4000      1    0.6000     0.4500       2       2.0       1000  completed',
      'bb                   -      -         -          -       0         -          -  failed',
      '',
    ].join('\n'));
  });
});
