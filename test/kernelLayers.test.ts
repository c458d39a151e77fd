import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../src/core/data/load';
import { resolveRef, type ResolvedRef, type ResolvedSpec } from '../src/core/resolve';
import { NAMED } from '../src/core/registry';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { DenseKernel, kernelPlan, kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { assertClose, compare, denseSpec, planOf, randomSplit, type Comparison } from './kernelCompare';
import { mulberry32 } from './helpers';

const SPARSE = 'sparse_categorical_crossentropy';

describe('fused kernel: frozen layers, activations, optimizers, regularizers, dropout', function () {
  this.timeout(120000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  describe('Dense layers in the front (before an order the Dense stack cannot hold)', () => {
    // relu -> sigmoid, and BatchNormalization -> relu -> tanh (or two BatchNormalizations) have no
    // place in the stack: the Dense layers before them are 1x1 convolutions in the front, the
    // output layer the stack. Two normalizations in a row leave the first one's gamma and beta
    // without a gradient (up to rounding, which Adam and RMSprop scale up to whole steps): SGD only.
    const layers = (frozen: number, twoNorms: boolean): object[] => [
      { type: 'Dense', units: 12, activation: 'relu', kernel_regularizer: { type: 'l1_l2', l1: 0.001, l2: 0.01 } }, { type: 'Activation', activation: 'sigmoid' },
      // No bias before a normalization, for the same reason.
      { type: 'Dense', units: 9, use_bias: false, trainable: frozen === 1 ? false : undefined }, { type: 'BatchNormalization' },
      ...(twoNorms ? [{ type: 'BatchNormalization', momentum: 0.5 }] : [{ type: 'Activation', activation: 'relu' }, { type: 'Activation', activation: 'tanh' }]),
      { type: 'Dense', units: 4, activation: 'softmax' },
    ];
    /** Inputs three quarters zero, as MNIST's pixels, so the front's first layer skips blank rows in its dW. */
    const sparseSplit = (): Split => {
      const split = randomSplit(60, 20, 4, SPARSE, 9);
      split.x.forEach((_, i) => { if (i % 4 !== 1) split.x[i] = 0; });
      return split;
    };
    const cases: [string, object, number, number][] = [
      ['Adam on 1 thread', { type: 'Adam', learning_rate: 0.01 }, 1, -1],
      ['RMSprop on 2 threads, the second layer frozen', { type: 'RMSprop', learning_rate: 0.01 }, 2, 1],
      ['SGD with momentum, two BatchNormalizations, batch 7', { type: 'SGD', learning_rate: 0.1, momentum: 0.9 }, 1, -1],
    ];
    for (const [label, optimizer, threads, frozen] of cases) {
      it(`trains as tfjs does: ${label}`, async () => {
        const spec = denseSpec(20, layers(frozen, label.startsWith('SGD')), SPARSE, optimizer);
        const plan = planOf(spec);
        assert.deepStrictEqual([plan.front.filter((op) => op.kind === 'conv').length, plan.dims], [2, [9, 4]], 'two Dense layers in the front');
        const got = await compare(spec, sparseSplit(), label.includes('batch 7') ? 7 : 12, 6, threads);
        assertClose(got, label);
        if (frozen === 1) assert.deepStrictEqual(got.weights.kernel[2], got.weights.initial[2], 'the frozen kernel stays');
        else assert.notDeepStrictEqual(got.weights.kernel[2], got.weights.initial[2], 'the second kernel trains');
      });
    }
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

  describe('optimizers', () => {
    const fit = async (optimizer: object, split: Split, label: string): Promise<Comparison> => {
      const spec = denseSpec(16, [{ type: 'Dense', units: 11, activation: 'tanh' }, { type: 'Dense', units: 4, activation: 'softmax' }], SPARSE, optimizer);
      const got = await compare(spec, split, 8, 6);
      assertClose(got, label);
      return got;
    };
    const tfjsOnes: object[] = [
      { type: 'Adamax', learning_rate: 0.02 },
      { type: 'Adamax', learning_rate: 0.01, beta_1: 0.8, beta_2: 0.99 },
      { type: 'Adagrad', learning_rate: 0.1 },
      { type: 'Adagrad', learning_rate: 0.05, initial_accumulator_value: 0.5 },
      { type: 'Adadelta', learning_rate: 1 },
      { type: 'Adadelta', learning_rate: 0.5, rho: 0.8 },
    ];
    for (const optimizer of tfjsOnes) {
      it(`${JSON.stringify(optimizer)} matches tfjs over 6 steps`, async () => {
        await fit(optimizer, randomSplit(48, 16, 4, SPARSE, 3), JSON.stringify(optimizer));
      });
    }

    it('centered RMSprop matches tfjs where their epsilons agree (epsilon 1e-12, which tfjs subtracts, and no zero gradient)', async () => {
      for (const momentum of [0, 0.5]) await fit({ type: 'RMSprop', learning_rate: 0.01, centered: true, epsilon: 1e-12, momentum }, denseSplit(48, 16, 4, 3), `centered, momentum ${momentum}`);
    });

    it('centered RMSprop adds epsilon as Keras does: a weight with a zero gradient stays as it was, not NaN', async () => {
      const spec = denseSpec(16, [{ type: 'Dense', units: 11, activation: 'tanh' }, { type: 'Dense', units: 4, activation: 'softmax' }], SPARSE, { type: 'RMSprop', learning_rate: 0.01, centered: true });
      const got = await compare(spec, randomSplit(48, 16, 4, SPARSE, 3), 8, 6);
      // randomSplit's first 4 features are always 0, so the first 4 kernel rows get no gradient.
      assert.deepStrictEqual(got.weights.kernel[0].subarray(0, 4 * 11), got.weights.initial[0].subarray(0, 4 * 11));
      assert.ok(got.weights.kernel.every((w) => w.every(Number.isFinite)), 'every kernel weight is finite');
      assert.ok(got.kernel.every(([loss]) => Number.isFinite(loss)));
    });

    const kerasOnly = ['AdamW', 'Nadam'].flatMap((type) => [
      [type, 'given arguments', { type, learning_rate: 0.05, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, ...(type === 'AdamW' ? { weight_decay: 0.1 } : {}) }],
      [type, "the registry's Keras defaults", resolveRef('optimizer', type)],
    ] as [string, string, ResolvedRef][]);
    for (const [type, label, optimizer] of kerasOnly) {
      it(`${type} (Keras 3; tfjs has none) with ${label} follows Keras's update rule step by step`, () => {
        const spec = denseSpec(2, [{ type: 'Dense', units: 1 }], 'mean_squared_error', { type: 'Adam' });
        spec.compile.optimizer = optimizer;
        const split = { x: Float32Array.from([1, -2, 0.5, 3]), y: Float32Array.from([0.7, -1.2]), count: 2, exampleShape: [2], labelShape: [1] } as unknown as Split;
        const model = buildModel(spec);
        model.layers[1].setWeights([tf.tensor2d([[0.3], [-0.4]]), tf.tensor1d([0.1])]);
        const kernel = DenseKernel.create(planOf(spec), split, 2);
        assert.ok(kernel);
        kernel.loadWeights(model);
        const want = kerasSteps(type, optimizer, [0.3, -0.4, 0.1], split, 4);
        want.losses.forEach((loss, step) => {
          const [got] = kernel.trainBatch(Int32Array.from([0, 1]), optimizer.learning_rate as number);
          assert.ok(Math.abs(got - loss) < 1e-5 * Math.max(1, loss), `step ${step}: loss ${got}, want ${loss}`);
        });
        kernel.storeWeights(model);
        const [w, b] = model.layers[1].getWeights().map((t) => Array.from(t.dataSync()));
        [...w, ...b].forEach((v, i) => assert.ok(Math.abs(v - want.weights[i]) < 1e-5, `weight ${i}: ${v}, want ${want.weights[i]}`));
        kernel.dispose();
        model.dispose();
      });
    }
  });

  describe('regularizers', () => {
    const cases: [string, object, object][] = [
      ['l2 kernel, SGD', { kernel_regularizer: { type: 'l2', l2: 0.05 } }, { type: 'SGD', learning_rate: 0.1 }],
      ['l1 kernel and zero-initialized bias (slope -1 at 0, as tfjs), SGD', { kernel_regularizer: 'l1', bias_regularizer: { type: 'l1', l1: 0.02 } }, { type: 'SGD', learning_rate: 0.1 }],
      ['l1_l2 kernel and l2 bias, Adam', { kernel_regularizer: { type: 'l1_l2', l1: 0.01, l2: 0.03 }, bias_regularizer: 'l2', bias_initializer: { type: 'RandomNormal', stddev: 0.5 } }, { type: 'Adam', learning_rate: 0.01 }],
    ];
    for (const [label, reg, optimizer] of cases) {
      it(`${label}: the penalty is in the minimised and the reported loss, as in tfjs`, async () => {
        const layers = [{ type: 'Dense', units: 11, activation: 'relu', ...reg }, { type: 'Dense', units: 4, activation: 'softmax', ...reg }];
        const got = await compare(denseSpec(16, layers, SPARSE, optimizer), randomSplit(48, 16, 4, SPARSE, 3), 8, 6);
        assertClose(got, label);
        const plain = await compare(denseSpec(16, layers.map(({ type, units, activation }) => ({ type, units, activation })), SPARSE, optimizer), randomSplit(48, 16, 4, SPARSE, 3), 8, 6);
        assert.ok(got.kernel[0][0] > plain.kernel[0][0] + 1e-3, `the penalty adds to the first loss (${got.kernel[0][0]} vs ${plain.kernel[0][0]})`);
      });
    }
  });

  describe('Dropout', () => {
    const stack = (rate: number): object[] => [
      { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dropout', rate },
      { type: 'Dense', units: 9, activation: 'sigmoid' }, { type: 'Dropout', rate },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ];

    it('says where the kernel cannot place a Dropout layer', () => {
      const reason = (layers: object[]): string => {
        const p = kernelPlan(denseSpec(8, layers, SPARSE, { type: 'SGD' }));
        return 'reason' in p ? p.reason : 'eligible';
      };
      const [dense, drop, out] = [{ type: 'Dense', units: 4 }, { type: 'Dropout', rate: 0.5 }, { type: 'Dense', units: 3, activation: 'softmax' }];
      assert.strictEqual(reason([dense, drop, out]), 'eligible');
      assert.strictEqual(reason([drop, dense, out]), 'eligible');  // on the input, in the kernel's front
      assert.strictEqual(reason([dense, drop, drop, out]), 'eligible');
      // Two in a row keep a unit with probability 0.5 * 0.8: one Dropout of rate 0.6.
      const twice = kernelPlan(denseSpec(8, [dense, drop, { type: 'Dropout', rate: 0.2 }, out], SPARSE, { type: 'SGD' }));
      assert.ok('plan' in twice && Math.abs(twice.plan.dropout[0].rate - 0.6) < 1e-12 && !twice.plan.dropout[0].alpha, JSON.stringify(twice));
      // Orders the Dense stack cannot hold train with the Dense layer before them in the front (a 1x1 convolution there).
      const inFront = (layers: object[]): boolean => {
        const p = kernelPlan(denseSpec(8, layers, SPARSE, { type: 'SGD' }));
        return 'plan' in p && p.plan.front[0]?.kind === 'conv' && p.plan.dims.length === 2;
      };
      assert.ok(inFront([dense, { type: 'AlphaDropout', rate: 0.1 }, drop, out]), 'AlphaDropout then Dropout');
      // A BatchNormalization after the Dropout reads the dropped output; a second Dropout after both has no place.
      assert.strictEqual(reason([dense, drop, { type: 'BatchNormalization' }, out]), 'eligible');
      assert.ok(inFront([dense, drop, { type: 'BatchNormalization' }, drop, out]), 'Dropout after Dropout and BatchNormalization');
      assert.strictEqual(reason([dense, out, drop]), 'eligible');  // the loss reads the dropped output, as in tfjs
      // Activation(Dropout(x)) is Dropout(Activation(x)) only where f(m * x) = m * f(x): relu, leaky relu, linear.
      assert.ok(inFront([dense, drop, { type: 'Activation', activation: 'tanh' }, out]), 'tanh after Dropout');
      for (const act of [{ type: 'Activation', activation: 'relu' }, { type: 'LeakyReLU', negative_slope: 0.3 }, { type: 'Activation', activation: 'linear' }]) {
        assert.strictEqual(reason([dense, drop, act, out]), 'eligible', JSON.stringify(act));
      }
      assert.ok(inFront([dense, { type: 'AlphaDropout', rate: 0.1 }, { type: 'Activation', activation: 'relu' }, out]), 'relu after AlphaDropout');
      assert.ok(inFront([dense, drop, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' }, out]), 'relu after Dropout and BatchNormalization');
      assert.ok(!inFront([dense, drop, out]), 'what the stack holds stays in it');
      // Before the first Dense layer it is an op of its own.
      assert.strictEqual(reason([drop, { type: 'Activation', activation: 'tanh' }, dense, out]), 'eligible');
    });

    it('with rate 0 trains as tfjs does, to float32 rounding', async () => {
      assertClose(await compare(denseSpec(16, stack(0), SPARSE, { type: 'Adam', learning_rate: 0.01 }), randomSplit(48, 16, 4, SPARSE, 3), 8, 6), 'rate 0');
    });

    /** Trains `steps` batches of 32 on the kernel from the same initial weights: losses, weights, and every step's masks. */
    const run = (spec: ResolvedSpec, steps: number, threads = 1): { losses: number[]; weights: Float32Array[]; masks: Float32Array[] } => {
      const model = buildModel(spec);
      const kernel = DenseKernel.create(planOf(spec), randomSplit(64, 16, 4, SPARSE, 3), 32, threads);
      assert.ok(kernel);
      kernel.loadWeights(model);
      const out = { losses: [] as number[], weights: [] as Float32Array[], masks: [] as Float32Array[] };
      for (let s = 0; s < steps; s++) {
        out.losses.push(kernel.trainBatch(Int32Array.from({ length: 32 }, (_, i) => (s * 32 + i) % 64), 0.05)[0]);
        out.masks.push(kernel.dropoutMask(0, 32));
      }
      kernel.storeWeights(model);
      out.weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      kernel.dispose();
      model.dispose();
      return out;
    };

    it('keeps 1 - rate of the values, scaled by 1 / (1 - rate), with a fresh mask every step', () => {
      const { masks } = run(denseSpec(16, stack(0.3), SPARSE, { type: 'SGD' }), 10);
      const all = masks.flatMap((m) => Array.from(m));
      const kept = all.filter((v) => v !== 0);
      assert.ok(kept.every((v) => v === Math.fround(1 / Math.fround(0.7))), 'kept values are scaled by 1 / (1 - rate)');
      const fraction = kept.length / all.length;
      assert.ok(Math.abs(fraction - 0.7) < 0.02, `kept fraction ${fraction} over ${all.length} values`);
      assert.notDeepStrictEqual(masks[0], masks[1], 'each step draws a new mask');
    });

    it('two Dropout layers in a row keep (1 - a)(1 - b) of the values, scaled by both', () => {
      const layers = [{ type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dropout', rate: 0.5 }, { type: 'Dropout', rate: 0.2 }, { type: 'Dense', units: 4, activation: 'softmax' }];
      const all = run(denseSpec(16, layers, SPARSE, { type: 'SGD' }), 10).masks.flatMap((m) => Array.from(m));
      const kept = all.filter((v) => v !== 0);
      assert.ok(kept.every((v) => Math.abs(v - 1 / (0.5 * 0.8)) < 1e-6), `kept values are scaled by 1 / 0.4: ${kept[0]}`);
      assert.ok(Math.abs(kept.length / all.length - 0.4) < 0.02, `kept fraction ${kept.length / all.length}`);
    });

    it('a seeded run reproduces exactly (on 1 or 2 threads); another seed draws other masks', () => {
      const spec = denseSpec(16, stack(0.4), SPARSE, { type: 'Adam', learning_rate: 0.01 }, { seed: 9 });
      const first = run(spec, 5);
      assert.deepStrictEqual(run(spec, 5, 2), first);
      const other = run(denseSpec(16, stack(0.4), SPARSE, { type: 'Adam', learning_rate: 0.01 }, { seed: 10 }), 5);
      assert.notDeepStrictEqual(other.masks, first.masks);
    });

    it('Dense -> Dropout -> relu trains bit for bit as Dense(relu) -> Dropout (the mask commutes with relu)', () => {
      const tail = [{ type: 'Dense', units: 4, activation: 'softmax' }];
      const across = denseSpec(16, [{ type: 'Dense', units: 24 }, { type: 'Dropout', rate: 0.4 }, { type: 'Activation', activation: 'relu' }, ...tail], SPARSE, { type: 'Adam', learning_rate: 0.01 }, { seed: 4 });
      const folded = denseSpec(16, [{ type: 'Dense', units: 24, activation: 'relu' }, { type: 'Dropout', rate: 0.4 }, ...tail], SPARSE, { type: 'Adam', learning_rate: 0.01 }, { seed: 4 });
      const model = buildModel(folded);
      const kernels = [across, folded].map((spec) => {
        const kernel = DenseKernel.create(planOf(spec), randomSplit(64, 16, 4, SPARSE, 3), 32);
        assert.ok(kernel);
        kernel.loadWeights(model);
        return kernel;
      });
      const trained = kernels.map((kernel) => {
        const losses = [0, 1, 2, 3].map((s) => kernel.trainBatch(Int32Array.from({ length: 32 }, (_, i) => (s * 32 + i) % 64), 0.01)[0]);
        const mask = kernel.dropoutMask(0, 32);
        kernel.storeWeights(model);
        const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        kernel.dispose();
        return { losses, mask, weights };
      });
      assert.ok(trained[0].mask.some((v) => v === 0), 'the Dropout dropped units');
      assert.deepStrictEqual(trained[0], trained[1]);
      model.dispose();
    });

    it('routes gradients through the mask: a unit dropped in the whole batch changes no weight it touches', () => {
      const spec = denseSpec(4, [{ type: 'Dense', units: 6, activation: 'tanh' }, { type: 'Dropout', rate: 0.6 }, { type: 'Dense', units: 3, activation: 'softmax' }], SPARSE, { type: 'SGD', learning_rate: 0.5 });
      const split = { x: Float32Array.from([1, -2, 0.5, 3, 0.2, 0.4, -1, 2]), y: Int32Array.from([0, 2]), count: 2, exampleShape: [4], labelShape: [] } as unknown as Split;
      const model = buildModel(spec);
      const kernel = DenseKernel.create(planOf(spec), split, 2);
      assert.ok(kernel);
      kernel.loadWeights(model);
      const before = model.layers.flatMap((l) => l.getWeights()).map((w) => w.dataSync().slice());
      let mask: Float32Array = new Float32Array(0);
      // Steps until some unit is dropped in both examples and some kept in both.
      for (let s = 0; s < 20 && !(dropped(mask).length && kept(mask).length); s++) {
        kernel.loadWeights(model);
        kernel.trainBatch(Int32Array.from([0, 1]), 0.5);
        mask = kernel.dropoutMask(0, 2);
      }
      assert.ok(dropped(mask).length && kept(mask).length, 'some step dropped a unit everywhere and kept another');
      kernel.storeWeights(model);
      const [w1, b1, w2] = model.layers.flatMap((l) => l.getWeights()).map((w) => w.dataSync());
      for (const j of dropped(mask)) {
        for (let r = 0; r < 4; r++) assert.strictEqual(w1[r * 6 + j], before[0][r * 6 + j], `W1[${r}][${j}]`);
        assert.strictEqual(b1[j], before[1][j]);
        for (let c = 0; c < 3; c++) assert.strictEqual(w2[j * 3 + c], before[2][j * 3 + c], `W2[${j}][${c}]`);
      }
      for (const j of kept(mask)) assert.notStrictEqual(w2[j * 3], before[2][j * 3], `W2[${j}] of a kept unit trains`);
      kernel.dispose();
      model.dispose();
    });
  });
});

/** Units (of 6) the mask of 2 examples drops in both, and keeps in both. */
function dropped(mask: Float32Array): number[] {
  return mask.length ? [0, 1, 2, 3, 4, 5].filter((j) => mask[j] === 0 && mask[6 + j] === 0) : [];
}
function kept(mask: Float32Array): number[] {
  return mask.length ? [0, 1, 2, 3, 4, 5].filter((j) => mask[j] !== 0 && mask[6 + j] !== 0) : [];
}

/** Random labelled data without zeros (so every weight gets a gradient). */
function denseSplit(count: number, inputs: number, units: number, seed: number): Split {
  const rand = mulberry32(seed);
  const x = Float32Array.from({ length: count * inputs }, () => (rand() < 0.5 ? -1 : 1) * (0.2 + rand()));
  const y = Int32Array.from({ length: count }, () => Math.floor(rand() * units));
  return { x, y, count, exampleShape: [inputs], labelShape: [] } as unknown as Split;
}

/**
 * Keras 3's AdamW / Nadam (keras/src/optimizers/adamw.py, nadam.py) in float64 on one linear unit
 * under mean squared error, full batch: the loss before each step and the weights [w..., b] after.
 */
function kerasSteps(type: string, o: ResolvedRef, start: number[], split: Split, steps: number): { losses: number[]; weights: number[] } {
  const [lr, b1, b2, eps] = [o.learning_rate, o.beta_1, o.beta_2, o.epsilon] as number[];
  const p = start.slice();
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const losses: number[] = [];
  let uProduct = 1;
  for (let t = 1; t <= steps; t++) {
    const g = p.map(() => 0);
    let loss = 0;
    for (let e = 0; e < split.count; e++) {
      const [x0, x1] = [split.x[2 * e], split.x[2 * e + 1]];
      const err = p[0] * x0 + p[1] * x1 + p[2] - split.y[e];
      loss += err * err / split.count;
      [x0, x1, 1].forEach((x, i) => { g[i] += (2 * err * x) / split.count; });
    }
    losses.push(loss);
    const uT = b1 * (1 - 0.5 * 0.96 ** t);
    const uNext = b1 * (1 - 0.5 * 0.96 ** (t + 1));
    uProduct *= uT;
    p.forEach((_, i) => {
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      if (type === 'AdamW') {
        p[i] -= p[i] * (o.weight_decay as number) * lr;
        p[i] -= (lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t)) * m[i] / (Math.sqrt(v[i]) + eps);
      } else {
        const mHat = (uNext * m[i]) / (1 - uProduct * uNext) + ((1 - uT) * g[i]) / (1 - uProduct);
        p[i] -= (mHat * lr) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    });
  }
  return { losses, weights: p };
}
