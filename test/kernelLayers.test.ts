import * as assert from 'assert';
import { NAMED } from '../src/core/registry';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { kernelPlan, kernelWasmPath } from '../src/trainer/fastPath';
import { assertClose, compare, denseSpec, randomSplit } from './kernelCompare';

const SPARSE = 'sparse_categorical_crossentropy';

describe('fused kernel: frozen layers, activations, optimizers, regularizers, dropout', function () {
  this.timeout(120000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  describe('trainable: false', () => {
    it('reaches both engines: the spec keeps it and the tfjs layer is frozen', () => {
      const spec = denseSpec(6, [{ type: 'Dense', units: 4, trainable: false }, { type: 'Dense', units: 3, activation: 'softmax' }], SPARSE, { type: 'SGD' });
      assert.strictEqual(spec.layers[1].args.trainable, false);
      assert.strictEqual(spec.layers[2].args.trainable, undefined, 'a trainable layer carries no flag');
      const model = buildModel(spec);
      assert.deepStrictEqual(model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.trainable), [false, true]);
      model.dispose();
    });

    const cases: [string, number, object][] = [
      ['the first layer, Adam', 0, { type: 'Adam', learning_rate: 0.01 }],
      ['a middle layer, SGD with momentum', 1, { type: 'SGD', learning_rate: 0.1, momentum: 0.9 }],
      ['the output layer, RMSprop', 2, { type: 'RMSprop', learning_rate: 0.01 }],
    ];
    for (const [label, frozen, optimizer] of cases) {
      it(`keeps ${label} bit-identical on both engines while the others train as tfjs trains them`, async () => {
        const layers: object[] = [
          { type: 'Dense', units: 12, activation: 'relu' },
          { type: 'Dense', units: 9, activation: 'tanh' },
          { type: 'Dense', units: 4, activation: 'softmax' },
        ].map((l, i) => (i === frozen ? { ...l, trainable: false } : l));
        const spec = denseSpec(16, layers, SPARSE, optimizer);
        const got = await compare(spec, randomSplit(48, 16, 4, SPARSE, 5), 8, 6);
        assertClose(got, label);
        for (const w of [2 * frozen, 2 * frozen + 1]) {
          assert.deepStrictEqual(got.weights.tfjs[w], got.weights.initial[w], `tfjs changed frozen weight ${w}`);
          assert.deepStrictEqual(got.weights.kernel[w], got.weights.initial[w], `the kernel changed frozen weight ${w}`);
        }
        const trained = (frozen + 1) % 3;
        assert.notDeepStrictEqual(got.weights.kernel[2 * trained], got.weights.initial[2 * trained], 'the other layers train');
      });
    }
  });

  describe('activations', () => {
    const added = ['relu6', 'hard_sigmoid', 'softplus', 'softsign', 'swish', 'silu', 'mish', 'gelu'];
    for (const activation of added) {
      it(`${activation}: a hidden layer matches tfjs (5 SGD steps), with ordinary and extreme pre-activations`, async () => {
        for (const stddev of [0.3, 4, 40]) {
          const hidden = { type: 'Dense', units: 13, activation, kernel_initializer: { type: 'RandomNormal', stddev }, bias_initializer: { type: 'RandomNormal', stddev } };
          const spec = denseSpec(20, [hidden, { type: 'Dense', units: 5, activation: 'softmax' }], SPARSE, { type: 'SGD', learning_rate: 0.05 });
          assertClose(await compare(spec, randomSplit(64, 20, 5, SPARSE, 1), 8, 5), `${activation}, stddev ${stddev}`);
        }
      });
      it(`${activation}: an output layer under mean squared error matches tfjs`, async () => {
        const spec = denseSpec(12, [{ type: 'Dense', units: 10, activation: 'tanh' }, { type: 'Dense', units: 3, activation, kernel_initializer: { type: 'RandomNormal', stddev: 2 } }], 'mean_squared_error', { type: 'SGD', learning_rate: 0.05 });
        assertClose(await compare(spec, randomSplit(40, 12, 3, 'mean_squared_error', 2), 8, 5), `${activation} output`);
      });
    }

    it('every registry activation trains in the kernel', () => {
      for (const { name } of NAMED.activation) {
        const out = name === 'softmax' ? [] : [{ type: 'Dense', units: 3, activation: 'softmax' }];
        const p = kernelPlan(denseSpec(8, [{ type: 'Dense', units: 4, activation: name }, ...out], SPARSE, { type: 'SGD' }));
        assert.ok('plan' in p, `${name}: ${'reason' in p ? p.reason : ''}`);
      }
    });
  });
});
