import * as assert from 'assert';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { selectEngine, SplitEvaluator } from '../src/trainer/engines';
import { assertClose, compare, denseSpec, planOf, randomSplit } from './kernelCompare';

const LOSS = 'sparse_categorical_crossentropy';
const OUT = { type: 'Dense', units: 4, activation: 'softmax' };
const BN = (extra: object = {}): object => ({ type: 'BatchNormalization', momentum: 0.8, ...extra });

/**
 * A Dense layer normalized before its activation, without a bias: the normalization cancels a
 * bias, whose gradient is then rounding noise (1e-9), which Adam turns into full steps in
 * whatever direction the noise has, differently in each engine.
 */
const LINEAR = (units: number): object => ({ type: 'Dense', units, use_bias: false });

/** Stacks with a BatchNormalization before or after the activation, and its options. */
const STACKS: Record<string, object[]> = {
  'Dense -> BatchNormalization -> relu': [LINEAR(10), BN(), { type: 'Activation', activation: 'relu' }, OUT],
  'Dense(tanh) -> BatchNormalization': [{ type: 'Dense', units: 10, activation: 'tanh' }, BN(), OUT],
  'center and scale off': [LINEAR(9), BN({ center: false }), { type: 'Activation', activation: 'elu' }, { type: 'Dense', units: 7, activation: 'relu' }, BN({ scale: false }), OUT],
  'epsilon, leaky_relu and sigmoid': [LINEAR(10), BN({ epsilon: 0.01 }), { type: 'LeakyReLU', negative_slope: 0.1 }, { type: 'Dense', units: 6, activation: 'sigmoid' }, BN(), OUT],
  'a frozen BatchNormalization': [{ type: 'Dense', units: 10, activation: 'relu' }, BN({ trainable: false }), OUT],
  'BatchNormalization on the input (the front)': [BN(), { type: 'Dense', units: 10, activation: 'relu' }, OUT],
  // On the output layer: the loss reads the normalized probabilities (as TensorFlow.js takes them), or a softmax of the normalized logits.
  'BatchNormalization after the output layer': [{ type: 'Dense', units: 10, activation: 'relu' }, OUT, BN()],
  'BatchNormalization before a softmax output': [{ type: 'Dense', units: 10, activation: 'relu' }, LINEAR(4), BN(), { type: 'Activation', activation: 'softmax' }],
};

describe('BatchNormalization in the fused kernel', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  for (const [label, layers] of Object.entries(STACKS)) {
    for (const optimizer of [{ type: 'SGD', learning_rate: 0.1 }, { type: 'Adam', learning_rate: 0.01 }]) {
      it(`${label}, ${optimizer.type}: 6 steps as TensorFlow.js takes them (gamma, beta and the moving statistics too)`, async () => {
        const spec = denseSpec(12, layers, LOSS, optimizer);
        const got = await compare(spec, randomSplit(40, 12, 4, LOSS, 2), 8, 6);
        assertClose(got, label);
        const moved = got.weights.kernel.some((w, i) => w.some((v, j) => v !== got.weights.initial[i][j]));
        assert.ok(moved, 'the steps changed the weights');
      });
    }
  }

  for (const optimizer of [{ type: 'SGD', learning_rate: 0.1 }, { type: 'Adam', learning_rate: 0.01 }]) {
    it(`after Conv2D (per filter, over the pixels; before a relu and after a tanh), ${optimizer.type}: 5 steps as TensorFlow.js takes them, on 2 threads`, async () => {
      const layers = [
        { type: 'Conv2D', filters: 4, kernel_size: 3, use_bias: false }, BN(), { type: 'Activation', activation: 'relu' }, { type: 'MaxPooling2D' },
        { type: 'Conv2D', filters: 9, kernel_size: 2, activation: 'tanh' }, BN({ scale: false }), { type: 'Flatten' }, OUT,
      ];
      const spec = denseSpec([9, 9, 2], layers, LOSS, optimizer);
      const got = await compare(spec, randomSplit(24, 162, 4, LOSS, 7), 8, 5, 2);
      assertClose(got, `convnet with BatchNormalization, ${optimizer.type}`);
    });
  }

  it('puts normalization before a folded activation, or after a Dense layer\'s own', () => {
    const before = planOf(denseSpec(12, STACKS['Dense -> BatchNormalization -> relu'], LOSS, { type: 'SGD' }));
    const after = planOf(denseSpec(12, STACKS['Dense(tanh) -> BatchNormalization'], LOSS, { type: 'SGD' }));
    assert.deepStrictEqual([before.norms[0]?.position, after.norms[0]?.position, before.norms[1]], [1, 2, null]);
  });

  for (const stack of ['center and scale off', 'BatchNormalization after the output layer']) it(`evaluates with the moving statistics (inference mode), as TensorFlow.js does: ${stack}`, async () => {
    const spec = denseSpec(12, STACKS[stack], LOSS, { type: 'SGD', learning_rate: 0.1 });
    const [train, validation] = [randomSplit(40, 12, 4, LOSS, 3), randomSplit(19, 12, 4, LOSS, 4)];
    const model = buildModel(spec);
    const optimizer = compileModel(model, spec);
    const engine = selectEngine({ engine: 'kernel', backendChoice: 'auto', backendName: 'cpu', threads: 1 }, spec, train)
      .create({ spec, model, optimizer, data: { train, validation, sources: [] } as never });
    for (let s = 0; s < 5; s++) engine.trainBatch(Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i) % 40), 0.1);
    const got = await engine.evaluate(validation);
    assert.deepStrictEqual(await engine.evaluate(validation), got, 'evaluating moves no statistics');
    engine.storeWeights();
    const reference = new SplitEvaluator(model, spec);
    const want = await reference.evaluate(validation);
    reference.dispose();
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.max(1, want.loss), `loss ${got.loss} vs ${want.loss}`);
    assert.ok(Math.abs(got.accuracy - want.accuracy) <= 1e-6);
    engine.dispose();
    model.dispose();
  });

  it('says why it cannot train other placements', () => {
    const reason = (layers: object[]): string => {
      const { kernelPlan } = require('../src/core/kernelPlan') as typeof import('../src/core/kernelPlan');
      const p = kernelPlan(denseSpec(12, layers, LOSS, { type: 'SGD' }));
      return 'reason' in p ? p.reason : 'trains';
    };
    assert.strictEqual(reason([{ type: 'Dense', units: 10 }, BN(), OUT, BN()]), 'trains');  // the loss reads the normalized output
    assert.strictEqual(reason([BN(), { type: 'Dense', units: 10 }, OUT]), 'trains');  // in the front, an op of its own
    // Between Dense layers where the stack holds neither: the Dense layer before them trains in the front.
    assert.strictEqual(reason([{ type: 'Dense', units: 10, activation: 'relu' }, BN(), { type: 'Activation', activation: 'relu' }, OUT]), 'trains');
    assert.strictEqual(reason([{ type: 'Dense', units: 10 }, BN(), BN(), OUT]), 'trains');
    // After the output layer's own softmax: the front holds the whole model, the loss reads its output.
    assert.strictEqual(reason([{ type: 'Dense', units: 10, activation: 'relu' }, OUT, { type: 'Activation', activation: 'relu' }]), 'trains');
  });
});
