import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { ROOT } from './helpers';

/** Runs the CLI in-process, capturing its output. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const EX = (f: string) => path.join(ROOT, 'examples', f);

function tmpSpec(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-cli-'));
  const f = path.join(dir, 'bad.model.json');
  fs.writeFileSync(f, text);
  return f;
}

describe('modelspec CLI', () => {
  it('validate: exit 0 and a clean report for the examples', async () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'examples')).filter((x) => x.endsWith('.model.json'))) {
      const r = await run('validate', EX(f));
      assert.strictEqual(r.code, 0, f + r.out);
      assert.match(r.out, /0 errors, 0 warnings/);
    }
  });

  it('validate: exit 1 with file:line:col diagnostics, and --json with 0-based ranges', async () => {
    const f = tmpSpec('{\n  "layers": [\n    { "type": "Dense", "units": 10, "input_shape": [4], "activation": "rleu" }\n  ],\n  "compile": { "loss": "mse" }\n}\n');
    const r = await run('validate', f);
    assert.strictEqual(r.code, 1);
    assert.ok(r.out.includes(`${f}:3:71: error [unknown-name] Unknown activation "rleu". Did you mean "relu"?`), r.out);
    const j = await run('validate', f, '--json');
    assert.strictEqual(j.code, 1);
    const d = JSON.parse(j.out).diagnostics[0];
    assert.deepStrictEqual(d, {
      severity: 'error', code: 'unknown-name', message: 'Unknown activation "rleu". Did you mean "relu"?',
      path: ['layers', 0, 'activation'], range: { start: { line: 2, character: 70 }, end: { line: 2, character: 76 } }, suggestion: 'relu',
    });
  });

  it('exit 2 for usage errors and unreadable files, with the reason on stderr', async () => {
    let r = await run('validate', '/no/such/file.model.json');
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /no such file/);
    r = await run('validate');
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /Usage: modelspec validate/);
    r = await run('summary', EX('mnist-initializers.model.json'), '--varient', 'x');
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /Unknown option --varient/);
    r = await run('frobnicate');
    assert.strictEqual(r.code, 2);
    r = await run('validate', ROOT);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /it is a folder/);
  });

  it('--help on every command', async () => {
    for (const c of ['validate', 'summary', 'export', 'evaluate', 'train']) {
      const r = await run(c, '--help');
      assert.strictEqual(r.code, 0);
      assert.match(r.out, new RegExp(`Usage: modelspec ${c}`));
    }
    assert.match((await run('--help')).out, /Commands:/);
  });

  it('summary: the Keras table, a variant, and --json', async () => {
    const r = await run('summary', EX('mnist-initializers.model.json'));
    assert.strictEqual(r.code, 0);
    assert.ok(r.out.includes('dense_3 (Dense)              (None, 10)                1010'));
    assert.ok(r.out.includes('Total params: 316,810'));
    assert.ok(r.out.includes('Variants: glorot_normal, glorot_uniform, he_normal, he_normal + elu, LecunNormal + selu'));
    const j = JSON.parse((await run('summary', EX('mnist-initializers.model.json'), '--variant', 'he_normal', '--json')).out);
    assert.strictEqual(j.variant, 'he_normal');
    assert.strictEqual(j.totalParams, 316810);
    assert.deepStrictEqual(j.layers[1], { name: 'dense', type: 'Dense', outputShape: [null, 300], params: 235500, trainableParams: 235500 });
  });

  it('summary of a spec with errors exits 1 with the errors on stderr', async () => {
    const f = tmpSpec('{ "layers": [ { "type": "Dense", "units": 3 } ], "compile": { "loss": "mse" } }');
    const r = await run('summary', f);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /missing-input-shape/);
    assert.match(r.err, /1 error/);
  });

  it('export: a TF.js layers model that tf.loadLayersModel loads, same weights for the same seed', async function () {
    this.timeout(60000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-export-'));
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    assert.strictEqual((await run('export', EX('mnist-initializers.model.json'), '--format', 'tfjs', '--out', a, '--variant', 'he_normal')).code, 0);
    assert.strictEqual((await run('export', EX('mnist-initializers.model.json'), '--out', b, '--variant', 'he_normal')).code, 0);
    assert.deepStrictEqual(fs.readdirSync(a).sort(), ['model.json', 'weights.bin']);
    assert.ok(fs.readFileSync(path.join(a, 'weights.bin')).equals(fs.readFileSync(path.join(b, 'weights.bin'))), 'seeded export is reproducible');
    const { loadModel } = await import('../src/trainer/modelFiles');
    const model = await loadModel(a);
    assert.strictEqual(model.countParams(), 316810);
    assert.deepStrictEqual(model.layers.map((l) => l.name), ['input_layer', 'dense', 'dense_1', 'dense_2', 'dense_3']);
    // he_normal: std sqrt(2 / 784) for the first kernel, as Keras draws it.
    const w = Array.from(model.layers[1].getWeights()[0].dataSync());
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(Math.abs(std / Math.sqrt(2 / 784) - 1) < 0.02, `std ${std}`);
    const bad = await run('export', EX('mnist-initializers.model.json'), '--format', 'h5', '--out', a);
    assert.strictEqual(bad.code, 2);
  });

  it('runs as the bundled bin (dist/cli.js)', () => {
    const r = cp.spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'summary', EX('mnist-early-stopping.model.json')], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('hidden_layer1 (Dense)        (None, 300)               235500'));
  });

  it('lets piped output drain before exiting: a slow reader gets all of summary --json', async function () {
    this.timeout(60_000);
    const dense = Array.from({ length: 1500 }, () => '{ "type": "Dense", "units": 4 }').join(', ');
    const f = tmpSpec(`{ "layers": [ { "type": "Flatten", "input_shape": [2, 2] }, ${dense} ], "compile": { "loss": "mse" } }`);
    const child = cp.spawn(process.execPath, [path.join(ROOT, 'out', 'src', 'cli', 'main.js'), 'summary', '--json', f], { stdio: ['ignore', 'pipe', 'inherit'] });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // A slow reader: after each chunk, read nothing for a while, so the pipe (64 KiB) fills up.
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      if (chunks.length < 4) {
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 200);
      }
    });
    const code = await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    assert.strictEqual(code, 0);
    assert.ok(text.length > 65536, `only ${text.length} bytes`);
    assert.strictEqual((JSON.parse(text) as { layers: unknown[] }).layers.length, 1501);
  });

  it('shows escape bytes in names escaped, never raw', async () => {
    const f = tmpSpec(JSON.stringify({ name: 'evil\u001b[2J\rname\u0007', layers: [{ type: 'Dense', units: 1, input_shape: [2], name: 'x\u001b]8;;http://e\u0007' }], compile: { loss: 'mse' } }));
    const g = tmpSpec(JSON.stringify({ name: 'evil\u001b[2J\rname\u0007', layers: [{ type: 'Dense', units: 1, input_shape: [2] }], compile: { loss: 'mse' } }));
    for (const args of [['summary', f], ['validate', f], ['summary', f, '--variant', 'v\u001b[31m']]) {
      const r = await run(...args);
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r.out + r.err), `raw control bytes in ${args[0]}: ${JSON.stringify(r.out + r.err)}`);
    }
    assert.match((await run('summary', g, '--variant', 'v\u001b[31m\r')).err, /no variant "v\\e\[31m\\r"/);
  });

  it('caps numeric flags as the schema does, and refuses empty values', async () => {
    const f = EX('mnist-early-stopping.model.json');
    for (const [args, message] of [
      [['--epochs', '1e23'], /--epochs must be a positive integer/],
      [['--epochs', '100000000000000000000000'], /--epochs must be at most 100,000/],
      [['--limit', '99999999999999999999'], /--limit must be at most/],
      [['--runs-dir', ''], /--runs-dir needs a value, but got an empty string/],
      [['--runs-dir='], /--runs-dir needs a value/],
    ] as [string[], RegExp][]) {
      const r = await run('train', f, ...args);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
  });
});
