/**
 * Activity regularizers on the fused engine (TensorFlow.js refuses to build a layer with one):
 * Keras 3 adds l1 sum |y| + l2 sum y^2 over each batch's outputs of the layer to the loss that is
 * minimised and reported. The reference is TensorFlow.js's autodiff of that loss on the same
 * model (built without the regularizer), stepped by plain SGD.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { analyze } from '../src/core/analyze';
import { Code } from '../src/core/diagnostics';
import { checkEngineSetting } from '../src/core/engineSetting';
import { kernelOnly, kernelPlan } from '../src/core/kernelPlan';
import type { ResolvedSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { DenseKernel } from '../src/trainer/engines/denseKernel';
import { main } from '../src/cli/main';
import { train } from '../src/trainer/train';
import type { FromTrainer, StartMessage } from '../src/shared/trainerProtocol';
import { denseSpec, planOf, randomSplit } from './kernelCompare';
import { spec } from './helpers';

const SGD = { type: 'SGD', learning_rate: 0.1 };
type Factors = { l1?: number; l2?: number };

/** The reference loss of one batch: the data loss of `lossType` plus every activity penalty, with the layers in training mode. */
function referenceLoss(model: tfl.LayersModel, s: ResolvedSpec, xb: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const factors = new Map(s.layers.filter((l) => l.args.activity_regularizer).map((l) => [l.name, l.args.activity_regularizer as Factors]));
  let y = xb;
  const terms: tf.Tensor[] = [];
  for (const layer of model.layers.filter((l) => l.getClassName() !== 'InputLayer')) {
    y = layer.apply(y, { training: true }) as tf.Tensor;
    const f = factors.get(layer.name);
    // |y| as y sign(y): TensorFlow's gradient of |y| is sign(y), 0 at 0 (an input row of zeros
    // gives tanh outputs of 0), where tfjs's abs gradient is -1 there; sign's gradient is 0.
    if (f) terms.push(tf.mul(tf.sum(tf.mul(y, tf.sign(y))), f.l1 ?? 0), tf.mul(tf.sum(tf.square(y)), f.l2 ?? 0));
  }
  terms.push(...(model as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses());
  const units = y.shape[1] as number;
  if (s.compile.loss.type === 'mean_squared_error') {
    terms.push(tf.mean(tf.square(tf.sub(y, labels))));
  } else {
    const t = tf.oneHot(labels as tf.Tensor1D, units);
    const logp = s.compile.loss.from_logits ? tf.logSoftmax(y) : tf.log(tf.clipByValue(y, 1e-7, 1 - 1e-7));
    terms.push(tf.neg(tf.mean(tf.sum(tf.mul(t, logp), -1))));
  }
  return tf.addN(terms) as tf.Scalar;
}

/** `steps` SGD steps of batch 8 on both: the kernel's and the reference's losses, and the largest weight difference. */
async function stepBoth(s: ResolvedSpec, steps: number, threads = 1): Promise<{ kernel: number[]; reference: number[]; maxDiff: number }> {
  const units = s.layers[s.layers.length - 1].outputShape[1] as number;
  const shape = s.layers[0].outputShape.slice(1) as number[];
  const inputs = shape.reduce((a, b) => a * b, 1);
  const split = randomSplit(64, inputs, units, s.compile.loss.type, 5);
  (split as { exampleShape: number[] }).exampleShape = shape;
  const model = buildModel(s);
  compileModel(model, s);  // which gathers the kernel regularizers' losses (calculateLosses)
  const kernel = DenseKernel.create(planOf(s), split, 8, threads);
  assert.ok(kernel, 'dist/kernel.wasm is built');
  kernel.loadWeights(model);
  const x = tf.tensor(split.x, [split.count, ...shape]);
  const y = split.y instanceof Int32Array ? tf.tensor1d(split.y, 'int32') : tf.tensor2d(split.y, [split.count, units]);
  const out = { kernel: [] as number[], reference: [] as number[] };
  const variables = model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  for (let step = 0; step < steps; step++) {
    const rows = Int32Array.from({ length: 8 }, (_, i) => (step * 8 + i * 5) % split.count);
    const idx = tf.tensor1d(rows, 'int32');
    const [xb, yb] = [tf.gather(x, idx), tf.gather(y, idx)];
    const { value, grads } = tf.variableGrads(() => referenceLoss(model, s, xb, yb), variables);
    out.reference.push(value.dataSync()[0]);
    for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)));
    tf.dispose([idx, xb, yb, value, ...Object.values(grads)]);
    out.kernel.push(kernel.trainBatch(rows, 0.1)[0]);
  }
  const fromKernel = buildModel(s);
  kernel.storeWeights(fromKernel);
  let maxDiff = 0;
  fromKernel.getWeights().forEach((w, i) => {
    const [a, b] = [w.dataSync(), model.getWeights()[i].dataSync()];
    for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
  });
  kernel.dispose();
  tf.dispose([x, y]);
  model.dispose();
  fromKernel.dispose();
  return { ...out, maxDiff };
}

describe('activity regularizers on the fused engine', function () {
  this.timeout(120000);
  before(async () => { await initBackend('cpu'); });

  const l2 = { type: 'l2', l2: 0.01 };
  const l1l2 = { type: 'l1_l2', l1: 0.02, l2: 0.005 };
  const cases: [string, object[], string, object?, number[]?][] = [
    ['on hidden layers (relu, tanh)', [
      { type: 'Dense', units: 8, activation: 'relu', activity_regularizer: l2 },
      { type: 'Dense', units: 6, activation: 'tanh', activity_regularizer: l1l2 },
      { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy'],
    ['before a BatchNormalization and with a kernel regularizer', [
      { type: 'Dense', units: 8, activation: 'elu', activity_regularizer: l1l2, kernel_regularizer: l2 },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy'],
    ['on a linear output layer with from_logits', [
      { type: 'Dense', units: 8, activation: 'sigmoid' },
      { type: 'Dense', units: 4, activity_regularizer: l1l2 }], 'sparse_categorical_crossentropy', { from_logits: true }],
    ['on a sigmoid output layer with mean squared error', [
      { type: 'Dense', units: 8, activation: 'relu' },
      { type: 'Dense', units: 3, activation: 'sigmoid', activity_regularizer: { type: 'l1', l1: 0.05 } }], 'mean_squared_error'],
  ];
  const conv = (extra: object): object[] => [
    { type: 'Conv2D', filters: 3, kernel_size: 3, activation: 'relu', activity_regularizer: l1l2, ...extra },
    { type: 'MaxPooling2D' }, { type: 'Flatten' }, { type: 'Dense', units: 4, activation: 'softmax' }];
  cases.push(
    ['on a Conv2D layer (relu, then max pooling)', conv({}), 'sparse_categorical_crossentropy', undefined, [6, 6, 1]],
    // On a linear layer before an Activation or a BatchNormalization: they become ops of their
    // own in the front (which then holds that layer), so the penalty reads the linear output.
    ['on a linear layer before an Activation, and one before a BatchNormalization', [
      { type: 'Dense', units: 8, activity_regularizer: l1l2 }, { type: 'Activation', activation: 'tanh' },
      { type: 'Dense', units: 6, activity_regularizer: l2 }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' },
      { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy'],
    ['on a linear Conv2D layer before a LeakyReLU', [
      { type: 'Conv2D', filters: 3, kernel_size: 3, activity_regularizer: l1l2 }, { type: 'LeakyReLU', negative_slope: 0.1 },
      { type: 'Flatten' }, { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy', undefined, [6, 6, 1]],
    // On a softmax output with cross-entropy: the front holds the whole model, the penalty reads the probabilities.
    ['on a softmax output layer (the whole model in the front)', [
      { type: 'Dense', units: 8, activation: 'relu' },
      { type: 'Dense', units: 4, activation: 'softmax', activity_regularizer: l1l2 }], 'sparse_categorical_crossentropy'],
    ['on a Conv2D layer before a BatchNormalization (sigmoid)', [...conv({ activation: 'sigmoid' }).slice(0, 1), { type: 'BatchNormalization' }, ...conv({}).slice(1)], 'sparse_categorical_crossentropy', undefined, [6, 6, 1]],
  );
  for (const [label, layers, loss, lossArgs, input] of cases) {
    it(`match TensorFlow.js's gradient of the regularized loss ${label}`, async () => {
      const s = denseSpec(input ?? 10, layers, lossArgs ? { type: loss, ...lossArgs } : loss, SGD);
      const got = await stepBoth(s, 4, input ? 2 : 1);  // the convolutions' images split over 2 threads
      got.reference.forEach((r, i) => assert.ok(Math.abs(r - got.kernel[i]) <= 1e-4 * Math.max(1, Math.abs(r)), `step ${i}: loss ${got.kernel[i]} vs ${r}`));
      assert.ok(got.maxDiff <= 2e-5, `weights differ by ${got.maxDiff}`);
    });
  }

  it('add their penalty to the reported loss: the same step without them reports less by the penalty', async () => {
    const layers = (reg: object | null): object[] => [{ type: 'Dense', units: 8, activation: 'relu', activity_regularizer: reg }, { type: 'Dense', units: 4, activation: 'softmax' }];
    const [withIt, without] = [await stepBoth(denseSpec(10, layers({ type: 'l2', l2: 0.5 }), 'sparse_categorical_crossentropy', SGD), 1), await stepBoth(denseSpec(10, layers(null), 'sparse_categorical_crossentropy', SGD), 1)];
    assert.ok(withIt.kernel[0] > without.kernel[0] + 0.01, `${withIt.kernel[0]} vs ${without.kernel[0]}`);
  });

  it('say why the kernel cannot place them where an Activation, a BatchNormalization or the loss changes the output in place', () => {
    const reg = { type: 'l2', l2: 0.01 };
    // 'trains' when the spec validates clean and the kernel has a plan for it, else the errors.
    const reason = (layers: object[], loss = 'sparse_categorical_crossentropy'): string => {
      const text = JSON.stringify({ name: 'k', layers: [{ type: 'Input', shape: [10] }, ...layers], compile: { loss, optimizer: SGD }, fit: { batch_size: 8 } });
      const errors = analyze(text).diagnostics.filter((d) => d.severity === 'error');
      if (!errors.length) return 'reason' in kernelPlan(denseSpec(10, layers, loss, SGD)) ? 'no plan' : 'trains';
      return errors.map((d) => d.message).join(' ');
    };
    // On a hidden linear layer the front holds it, the Activation or BatchNormalization an op of its own.
    assert.strictEqual(reason([{ type: 'Dense', units: 8, activity_regularizer: reg }, { type: 'Activation', activation: 'relu' }, { type: 'Dense', units: 4, activation: 'softmax' }]), 'trains');
    assert.strictEqual(reason([{ type: 'Dense', units: 8, activity_regularizer: reg }, { type: 'BatchNormalization' }, { type: 'Dense', units: 4, activation: 'softmax' }]), 'trains');
    // On the output layer, before an Activation or with the softmax the loss would take in: the
    // front holds the whole model and the loss reads its output.
    assert.strictEqual(reason([{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 4, activity_regularizer: reg }, { type: 'Activation', activation: 'softmax' }]), 'trains');
    assert.strictEqual(reason([{ type: 'Dense', units: 4, activation: 'softmax', activity_regularizer: reg }]), 'trains');
    assert.strictEqual(reason([{ type: 'Dense', units: 8, activation: 'relu', activity_regularizer: reg }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense', units: 4, activation: 'softmax' }]), 'trains');
    const convReason = (layers: object[]): string => {
      const text = JSON.stringify({ name: 'k', layers: [{ type: 'Input', shape: [6, 6, 1] }, ...layers, { type: 'Flatten' }, { type: 'Dense', units: 4, activation: 'softmax' }], compile: { loss: 'sparse_categorical_crossentropy', optimizer: SGD }, fit: { batch_size: 8 } });
      return analyze(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join(' ') || 'trains';
    };
    assert.strictEqual(convReason([{ type: 'Conv2D', filters: 2, kernel_size: 3, activity_regularizer: reg }, { type: 'BatchNormalization' }]), 'trains');
    assert.strictEqual(convReason([{ type: 'Conv2D', filters: 2, kernel_size: 3, activity_regularizer: reg }, { type: 'LeakyReLU' }]), 'trains');
    assert.strictEqual(convReason([{ type: 'Conv2D', filters: 2, kernel_size: 3, activation: 'tanh', activity_regularizer: reg }, { type: 'BatchNormalization' }]), 'trains');
    const hidden = [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 4, activation: 'relu', activity_regularizer: reg }, { type: 'Dense', units: 4, activation: 'softmax' }];
    assert.deepStrictEqual(kernelOnly(denseSpec(10, hidden, 'sparse_categorical_crossentropy', SGD))?.path, ['layers', 2, 'activity_regularizer']);
  });

  describe('in the editor', () => {
    const mlp = (hidden: string, extra = ''): string => spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 32${hidden} },${extra}
    { "type": "Dense", "units": 10, "activation": "softmax" }`);

    it('validate clean: the fused engine trains them wherever they are', () => {
      const d = analyze(mlp(', "activation": "relu", "activity_regularizer": { "type": "l1", "l1": 0.0001 }')).diagnostics;
      assert.deepStrictEqual(d.filter((x) => x.severity === 'error').map((x) => x.message), []);
    });

    it('get engine-setting with the tfjs engine setting', () => {
      const text = mlp(', "activation": "relu", "activity_regularizer": "l2"');
      const [d] = checkEngineSetting(analyze(text), 'tfjs');
      assert.ok(d, 'an engine-setting error');
      assert.strictEqual(d.code, Code.EngineSetting);
      assert.match(d.message, /The activity regularizer of layer "dense" trains only on the fused WebAssembly engine .* the modelSpec\.training\.engine setting is "tfjs"\. Set it to "auto", or remove it/);
      assert.strictEqual(text.slice(d.offset, d.offset + d.length), '"l2"');
    });
  });

  describe('training a run', () => {
    const text = `{
  "name": "activity", "seed": 3,
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 100 } },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 16, "activation": "relu", "activity_regularizer": { "type": "l1", "l1": 0.001 } },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "Adam", "metrics": ["accuracy"] },
  "fit": { "epochs": 1, "batch_size": 32 }
}`;
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-activity-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function run(over: Partial<StartMessage>): Promise<FromTrainer[]> {
      const specPath = path.join(dir, 'a.model.json');
      fs.writeFileSync(specPath, text);
      const msgs: FromTrainer[] = [];
      await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'auto', limit: 300, threads: 1, ...over }, { emit: (m) => msgs.push(m), cancelled: () => false });
      return msgs;
    }

    it('trains on the fused engine, and modelspec evaluate gives the run\'s test loss, penalty included', async () => {
      const msgs = await run({ engine: 'auto' });
      assert.deepStrictEqual(msgs.filter((m) => m.type === 'error'), []);
      const started = msgs.find((m): m is Extract<FromTrainer, { type: 'started' }> => m.type === 'started');
      assert.match(started?.engine ?? '', /fused kernel/);
      const evaluation = msgs.find((m): m is Extract<FromTrainer, { type: 'evaluation' }> => m.type === 'evaluation');
      const done = msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
      assert.ok(evaluation && done);
      let out = '';
      const code = await main(['evaluate', done.runDir, '--json'], { out: (s) => { out += s; }, err: () => undefined });
      assert.strictEqual(code, 0);
      const again = JSON.parse(out) as { metrics: { loss: number; accuracy: number } };
      assert.ok(Math.abs(again.metrics.loss - evaluation.metrics.loss) <= 1e-4 * evaluation.metrics.loss, `evaluate ${again.metrics.loss} vs the run's ${evaluation.metrics.loss}`);
      assert.ok(Math.abs(again.metrics.accuracy - evaluation.metrics.accuracy) <= 1e-6);
    });

    it('--engine tfjs is refused before training, with what to change', async () => {
      const msgs = await run({ engine: 'tfjs' });
      const error = msgs.find((m): m is Extract<FromTrainer, { type: 'error' }> => m.type === 'error');
      assert.match(error?.message ?? '', /The activity regularizer of layer "dense" trains only on the fused engine \(TensorFlow\.js refuses activity regularizers\): use engine auto/);
      assert.ok(!msgs.some((m) => m.type === 'started'));
    });
  });
});
