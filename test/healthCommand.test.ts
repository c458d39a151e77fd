import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { healthReport } from '../src/cli/healthCommand';
import type { HealthDiagnosis, LayerHealth } from '../src/core/health/types';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const layer = (name: string, over: Partial<LayerHealth> = {}): LayerHealth => ({
  name, type: 'Dense', activation: 'sigmoid', gradientNorm: 0.000123, weightNorm: 280, updateRatio: 4.5e-6, activationMean: 0.5, activationStd: 0.45,
  saturation: 0.66, deadFraction: null, nonFinite: 0, histogram: [1, 2, 3], ...over,
});

const DIAGNOSIS: HealthDiagnosis = {
  code: 'saturation', severity: 'warning', layer: 'dense', epoch: 1, message: 'Saturation: 66% of dense\'s sigmoid outputs are near 0 or 1.',
  fix: { title: 'Use glorot_uniform for dense', edits: [{ path: ['layer_defaults', 'Dense', 'kernel_initializer'], value: 'glorot_uniform' }] },
};

const message = (step: number, diagnoses: HealthDiagnosis[]): string => JSON.stringify({
  type: 'health', epoch: 0, step, globalStep: step, loss: 2.1, learningRate: 0.01,
  layers: [layer('dense'), layer('dense_1', { activation: 'softmax', saturation: null, gradientNorm: 1.25 })], diagnoses,
});

function runDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-health-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('modelspec health', () => {
  it('prints the per-layer table as of the last sample, then the diagnoses with their fixes', async () => {
    const dir = runDir({ 'health.jsonl': `${message(5, [])}\n${message(10, [DIAGNOSIS])}\n` });
    const r = await run('health', dir);
    assert.strictEqual(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.ok(lines.includes('Last sample: epoch 1, step 10 (2 samples)'), r.out);
    assert.match(r.out, /Layer\s+Type\s+Activation\s+Gradient norm\s+Weight norm\s+Update ratio\s+Act mean\s+Act std\s+Saturation\s+Dead\n/);
    assert.match(r.out, /\ndense\s+Dense\s+sigmoid\s+1.2e-4\s+280\s+4.5e-6\s+0.5\s+0.45\s+66%\s+-\n/);
    assert.match(r.out, /\ndense_1\s+Dense\s+softmax\s+1.25\s+.*\s+-\s+-\n/);
    assert.ok(r.out.endsWith('Diagnoses:\n  warning saturation at dense, epoch 1: Saturation: 66% of dense\'s sigmoid outputs are near 0 or 1.\n    Fix: Use glorot_uniform for dense\n'), r.out);
  });

  it('result.json\'s summary wins for the layers and diagnoses; --json prints {layers, diagnoses, samples}', async () => {
    const summary = { layers: [{ ...layer('dense', { gradientNorm: 7 }), histogram: undefined }], diagnoses: [] };
    const dir = runDir({ 'health.jsonl': `${message(5, [DIAGNOSIS])}\n`, 'result.json': JSON.stringify({ spec: 'x', health: summary }) });
    const r = await run('health', dir, '--json');
    assert.strictEqual(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepStrictEqual(Object.keys(j), ['layers', 'diagnoses', 'samples']);
    assert.strictEqual(j.layers[0].gradientNorm, 7);
    assert.deepStrictEqual(j.diagnoses, []);
    assert.strictEqual(j.samples.length, 1);
    assert.match((await run('health', dir)).out, /No problems found\.\n$/);
  });

  it('tampered, missing or health-less files: a clear message, never an internal error', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'health.jsonl': `${message(5, [])}\n{"type":"health"` }, /health\.jsonl line 2 is not valid JSON \(the file may be truncated or edited\)\. Train again/],
      [{ 'health.jsonl': message(5, []).replace('"gradientNorm":0.000123', '"gradientNorm":"big"') }, /health\.jsonl line 1: layers\[0\]\.gradientNorm must be a number or null, but is "big"\./],
      [{ 'health.jsonl': message(5, [{ ...DIAGNOSIS, code: 'bad' as HealthDiagnosis['code'] }]) }, /diagnoses\[0\]\.code must be one of vanishing-gradients, /],
      [{ 'health.jsonl': '[1, 2]' }, /line 1: the line must be an object, but is \[1,2\]/],
      [{ 'result.json': '{"health": {"layers": 3}}' }, /result\.json: health\.layers must be a list, but is 3\./],
      [{ 'result.json': '{"spec": "x"}' }, /has no training health: neither health\.jsonl nor a "health" entry in result\.json/],
      [{}, /has no training health/],
    ];
    for (const [files, expected] of cases) {
      const r = await run('health', runDir(files));
      assert.strictEqual(r.code, 1, JSON.stringify(files));
      assert.match(r.err, expected);
      assert.doesNotMatch(r.err, /TypeError|Cannot read|undefined/);
    }
    const missing = await run('health', path.join(os.tmpdir(), 'no-such-run-folder'));
    assert.strictEqual(missing.code, 2);
    assert.match(missing.err, /is not a run folder \(no such folder\)/);
    assert.strictEqual((await run('health')).code, 2);
    assert.match((await run('--help')).out, /modelspec health <run dir> \[--json\]/);
  });

  it('modelspec train\'s report: each run\'s diagnoses, or that it had none; nothing without health', () => {
    const result = (diagnoses: HealthDiagnosis[]) => ({ health: { layers: [], diagnoses } });
    assert.strictEqual(healthReport([{ variant: null, result: result([DIAGNOSIS]) }]),
      '\nTraining health:\nwarning saturation at dense, epoch 1: Saturation: 66% of dense\'s sigmoid outputs are near 0 or 1.\n  Fix: Use glorot_uniform for dense\n');
    assert.strictEqual(healthReport([{ variant: 'a', result: result([DIAGNOSIS]) }, { variant: 'b', result: result([]) }, { variant: 'c', result: null }]),
      '\nTraining health:\na:\n  warning saturation at dense, epoch 1: Saturation: 66% of dense\'s sigmoid outputs are near 0 or 1.\n    Fix: Use glorot_uniform for dense\nb: no problems found\n');
    assert.strictEqual(healthReport([{ variant: null, result: {} }]), '');
  });
});
