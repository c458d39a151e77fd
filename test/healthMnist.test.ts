/**
 * The diagnoses on real MNIST slices, trained by the real trainer: the notebook's broken
 * networks are diagnosed, its he_normal and glorot ReLU MLPs (and the example's healthy
 * variants) get no warning.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze } from '../src/core/analyze';
import { resolveSpec } from '../src/core/resolve';
import { healthFixEdits } from '../src/editor/healthFix';
import { applyEdits } from './editor/cursor';
import { HealthDiagnoser } from '../src/core/health/diagnose';
import type { HealthDiagnosis } from '../src/core/health/types';
import type { FromTrainer, HealthMessage } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { example } from './helpers';

/** Health samples enough for every diagnosis to show (the slowest needs 8 in a row). */
const SAMPLES = 25;

/**
 * Trains `text` (one variant) on a slice; returns the diagnoses drawn from its health messages.
 * The run stops after SAMPLES samples, which also skips the evaluations (the slow part).
 */
async function diagnoses(text: string, variant?: string, limit = 2000): Promise<HealthDiagnosis[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-health-'));
  const specPath = path.join(dir, 'health.model.json');
  fs.writeFileSync(specPath, text);
  const msgs: FromTrainer[] = [];
  await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'wasm', engine: 'kernel', limit, epochs: 1, ...(variant === undefined ? {} : { variant }) }, {
    emit: (m) => msgs.push(m), cancelled: () => msgs.filter((m) => m.type === 'health').length >= SAMPLES,
  });
  const failed = msgs.find((m) => m.type === 'error');
  assert.ok(!failed, JSON.stringify(failed));
  const health = msgs.filter((m): m is HealthMessage => m.type === 'health');
  assert.ok(health.length >= 10, `${health.length} health samples`);
  const r = resolveSpec(text, variant);
  assert.ok(r.ok);
  const d = new HealthDiagnoser({ spec: r.spec, specText: text, variant });
  let list: HealthDiagnosis[] = [];
  // JSON (the IPC channel, health.jsonl) writes NaN as null: the diagnoser sees what the hosts see.
  for (const m of health) list = d.add(JSON.parse(JSON.stringify(m)));
  return list;
}

const warnings = (list: HealthDiagnosis[]): string[] => list.filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.layer ?? '-'}: ${d.message}`);

const mlp = (dense: string, optimizer = '"SGD"', hidden = [300, 200, 100]): string => `{
  "seed": 42,
  "data": { "dataset": "mnist", "scale": 255 },
  "layer_defaults": { "Dense": ${dense} },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    ${hidden.map((u) => `{ "type": "Dense", "units": ${u} }`).join(',\n    ')},
    { "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ${optimizer}, "metrics": ["accuracy"] },
  "fit": { "batch_size": 32 }
}`;

describe('health diagnoses on real MNIST', function () {
  this.timeout(300000);

  it('the notebook\'s five initializer variants get no warning', async () => {
    const text = example('mnist-initializers.model.json');
    for (const v of ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_normal + elu', 'LecunNormal + selu']) {
      assert.deepStrictEqual(warnings(await diagnoses(text, v)), [], v);
    }
  });

  it('the vanishing-gradients example: the sigmoid variant saturates and its gradients vanish; the cures are clean', async () => {
    const text = example('vanishing-gradients.model.json');
    const sigmoid = await diagnoses(text, 'sigmoid + random_normal');
    const codes = new Set(sigmoid.filter((d) => d.severity === 'warning').map((d) => d.code));
    assert.ok(codes.has('saturation') && codes.has('vanishing-gradients'), warnings(sigmoid).join('\n'));
    const vanishing = sigmoid.find((d) => d.code === 'vanishing-gradients')!;
    assert.strictEqual(vanishing.layer, 'dense');
    assert.deepStrictEqual(vanishing.fix?.edits, [
      { path: ['variants', 0, 'layer_defaults', 'Dense', 'activation'], value: 'relu' },
      { path: ['variants', 0, 'layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
    ]);
    // The quick fix, applied to the example's text: the variant becomes the notebook's cure, and the spec stays clean.
    const fixed = applyEdits(text, healthFixEdits(text, vanishing.fix!));
    assert.deepStrictEqual(analyze(fixed).diagnostics.map((d) => d.message), []);
    const cured = resolveSpec(fixed, 'sigmoid + random_normal');
    assert.ok(cured.ok);
    assert.deepStrictEqual(cured.spec.layers.slice(1, 3).map((l) => [l.args.activation, (l.args.kernel_initializer as { type: string }).type]), [['relu', 'he_normal'], ['relu', 'he_normal']]);
    for (const v of ['relu + he_normal', 'selu + lecun_normal', 'tanh + glorot_uniform']) {
      assert.deepStrictEqual(warnings(await diagnoses(text, v)), [], v);
    }
  });

  it('a deep sigmoid stack with large random_normal weights: saturation or vanishing gradients', async () => {
    const list = await diagnoses(mlp('{ "activation": "sigmoid", "kernel_initializer": { "type": "random_normal", "stddev": 1 } }', '"SGD"', [100, 100, 100, 100, 100]));
    assert.ok(list.some((d) => d.severity === 'warning' && (d.code === 'saturation' || d.code === 'vanishing-gradients')), warnings(list).join('\n'));
  });

  it('ReLUs with huge random_normal weights and a large learning rate: exploding gradients, with initializers as the fix', async () => {
    const list = await diagnoses(mlp('{ "activation": "relu", "kernel_initializer": { "type": "random_normal", "stddev": 1 } }', '{ "type": "SGD", "learning_rate": 0.1 }'));
    const exploding = list.find((d) => d.code === 'exploding-gradients' && d.severity === 'warning');
    assert.ok(exploding, warnings(list).join('\n'));
    assert.deepStrictEqual(exploding.fix?.edits[0], { path: ['layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' });
  });

  it('ReLUs whose biases start at -5: dead units, with zero biases as the fix', async () => {
    const list = await diagnoses(mlp('{ "activation": "relu", "kernel_initializer": "he_normal", "bias_initializer": { "type": "constant", "value": -5 } }'));
    const dead = list.filter((d) => d.code === 'dead-units' && d.severity === 'warning');
    assert.deepStrictEqual(dead.map((d) => d.layer), ['dense', 'dense_1', 'dense_2'], warnings(list).join('\n'));
    assert.deepStrictEqual(dead[0].fix?.edits, [{ path: ['layer_defaults', 'Dense', 'bias_initializer'], value: 'zeros' }]);
  });
});
