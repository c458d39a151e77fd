import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze } from '../src/core/analyze';
import { importKerasConfig } from '../src/core/keras/importSpec';
import { toKerasConfig, toLegacyTrainingConfig } from '../src/core/keras/toKerasConfig';
import { toKerasScript } from '../src/core/keras/toKerasScript';
import { lookupOptimizer } from '../src/core/registry';
import { resolveRef, resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { kernelPlan } from '../src/trainer/engines/denseKernel';
import { train } from '../src/trainer/train';
import type { FromTrainer, StartMessage } from '../src/shared/trainerProtocol';
import { MLP, spec } from './helpers';

const compile = (optimizer: string): string => `"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ${optimizer}, "metrics": ["accuracy"] }`;
/** An all-convolutional net (no Dense layer): the fused engine trains it, the loss reading the front's output. */
const CONVNET = `
    { "type": "Input", "shape": [28, 28, 1] },
    { "type": "Conv2D", "filters": 10, "kernel_size": 3, "activation": "selu" },
    { "type": "GlobalAveragePooling2D" },
    { "type": "Activation", "activation": "softmax" }`;

function resolved(text: string, variant?: string): ResolvedSpec {
  const r = resolveSpec(text, variant);
  if (!r.ok) throw new Error(`${r.message} ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.spec;
}

const optimizerOf = (r: ReturnType<typeof importKerasConfig>): unknown => (r.spec?.compile as { optimizer?: unknown } | undefined)?.optimizer;

describe("Keras 3's AdamW and Nadam (the fused engine only)", function () {
  this.timeout(120000);

  it("are registry optimizers with Keras 3's arguments and defaults, and the kernel's codes", () => {
    assert.deepStrictEqual(resolveRef('optimizer', 'adamw'), { type: 'AdamW', learning_rate: 0.001, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
    assert.deepStrictEqual(resolveRef('optimizer', 'nadam'), { type: 'Nadam', learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
    for (const name of ['AdamW', 'Nadam']) {
      const entry = lookupOptimizer(name);
      assert.strictEqual(entry?.tfjs, undefined, `${name}: TensorFlow.js has none`);
      const plan = kernelPlan(resolved(spec(MLP, '', compile(`"${name}"`))));
      assert.ok('plan' in plan, JSON.stringify(plan));
      assert.strictEqual(plan.plan.optimizer.kind, entry?.fusedKernel?.code);
    }
    const plan = kernelPlan(resolved(spec(MLP, '', compile('{ "type": "AdamW", "weight_decay": 0.05 }'))));
    assert.ok('plan' in plan && plan.plan.optimizer.weightDecay === 0.05);
  });

  it('validate clean on a model the fused engine trains', () => {
    for (const o of ['"AdamW"', '"nadam"', '{ "type": "AdamW", "weight_decay": 0.01, "learning_rate": 0.002 }']) {
      const errors = analyze(spec(MLP, '', compile(o))).diagnostics.filter((d) => d.severity === 'error');
      assert.deepStrictEqual(errors, [], o);
    }
  });

  it('validate clean on every model the validator accepts: the fused engine trains them all', () => {
    const errorsOf = (text: string): string[] => analyze(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    assert.deepStrictEqual(errorsOf(spec(CONVNET, '', compile('"AdamW"'))), [], 'the all-convolutional net');
    const twice = `${MLP.replace('"units": 300, "activation": "relu" },', '"units": 300, "activation": "relu" },\n    { "type": "AlphaDropout", "rate": 0.1 },\n    { "type": "Dropout", "rate": 0.2 },')}`;
    const nadam = compile('{ "type": "Nadam", "learning_rate": 0.01 }');
    assert.deepStrictEqual(errorsOf(spec(twice, '', nadam)), [], 'AlphaDropout then Dropout');
    const normedOut = MLP.replace(/("units": 10, "activation": "softmax" })/, '$1,\n    { "type": "BatchNormalization" }');
    assert.deepStrictEqual(errorsOf(spec(normedOut, '', nadam)), [], 'a BatchNormalization after the output layer');
    assert.deepStrictEqual(errorsOf(spec(CONVNET, '"variants": [ { "name": "nadam", "compile": { "optimizer": "Nadam" } } ]', compile('"Adam"'))), [], 'a variant that switches to Nadam');
  });

  it('keep their names and arguments through Keras export and import', () => {
    const s = resolved(spec(MLP, '', compile('{ "type": "AdamW", "weight_decay": 0.01 }')));
    const config = toKerasConfig(s) as { compile_config: { optimizer: { class_name: string; config: Record<string, unknown> } } };
    const opt = config.compile_config.optimizer;
    assert.strictEqual(opt.class_name, 'AdamW');
    assert.deepStrictEqual([opt.config.name, opt.config.learning_rate, opt.config.weight_decay, opt.config.beta_1, opt.config.epsilon], ['adamw', 0.001, 0.01, 0.9, 1e-7]);
    const back = importKerasConfig(config as never, 'm');
    assert.deepStrictEqual(back.problems, []);
    assert.deepStrictEqual(optimizerOf(back), { type: 'AdamW', weight_decay: 0.01 });
    const nadam = resolved(spec(MLP, '', compile('{ "type": "Nadam", "beta_2": 0.99 }')));
    const legacy = toLegacyTrainingConfig(nadam) as { optimizer_config: { class_name: string; config: Record<string, unknown> } };
    assert.deepStrictEqual([legacy.optimizer_config.class_name, legacy.optimizer_config.config.name, legacy.optimizer_config.config.beta_2], ['Nadam', 'nadam', 0.99]);
    assert.deepStrictEqual(optimizerOf(importKerasConfig(toKerasConfig(nadam) as never, 'm')), { type: 'Nadam', beta_2: 0.99 });
    assert.match(toKerasScript(s), /optimizer=keras\.optimizers\.AdamW\(.*weight_decay=0\.01/);
  });

  describe('training', () => {
    const mlp = (optimizer: string): string => `{
  "name": "kernel-only", "seed": 3,
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 100 } },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 16, "activation": "relu" },
    { "type": "Dropout", "rate": 0.2 },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  ${compile(optimizer)},
  "fit": { "epochs": 1, "batch_size": 32 }
}`;

    async function run(specText: string, over: Partial<StartMessage>): Promise<FromTrainer[]> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-adamw-'));
      const specPath = path.join(dir, 'k.model.json');
      fs.writeFileSync(specPath, specText);
      const msgs: FromTrainer[] = [];
      try {
        await train({ type: 'start', specPath, specText, runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 300, threads: 1, ...over }, { emit: (m) => msgs.push(m), cancelled: () => false });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      return msgs;
    }

    for (const optimizer of ['{ "type": "AdamW", "learning_rate": 0.01 }', '{ "type": "Nadam", "learning_rate": 0.01 }']) {
      it(`${optimizer} trains on the fused engine even with a named TensorFlow.js backend, and the loss falls`, async () => {
        const msgs = await run(mlp(optimizer), { engine: 'auto', epochs: 2 });
        const errors = msgs.filter((m) => m.type === 'error');
        assert.deepStrictEqual(errors, []);
        const started = msgs.find((m): m is Extract<FromTrainer, { type: 'started' }> => m.type === 'started');
        assert.match(started?.engine ?? '', /fused kernel/);
        const epochs = msgs.filter((m): m is Extract<FromTrainer, { type: 'epoch' }> => m.type === 'epoch');
        assert.strictEqual(epochs.length, 2);
        assert.ok(epochs[1].metrics.loss < epochs[0].metrics.loss, `loss ${epochs[0].metrics.loss} -> ${epochs[1].metrics.loss}`);
      });
    }

    it('--engine tfjs is refused before training with what to change', async () => {
      const msgs = await run(mlp('"AdamW"'), { engine: 'tfjs' });
      const error = msgs.find((m): m is Extract<FromTrainer, { type: 'error' }> => m.type === 'error');
      assert.ok(error, 'an error message');
      assert.match(error.message, /AdamW trains only on the fused engine \(TensorFlow\.js has no AdamW\): use engine auto/);
      assert.ok(!msgs.some((m) => m.type === 'started'), 'refused before training starts');
    });
  });
});
