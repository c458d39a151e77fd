import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../src/core/data/load';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { DenseKernel, KERNEL_ENGINE, kernelPlan, kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { selectEngine, SplitEvaluator } from '../src/trainer/engines';
import { assertClose, compare, denseSpec, planOf, randomSplit, trainBoth } from './kernelCompare';
import { mulberry32 } from './helpers';

describe('fused training kernel', function () {
  this.timeout(120000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  it('matches a hand-computed step: 2 inputs, 2 softmax units, SGD 0.5', () => {
    const spec = denseSpec(2, [{ type: 'Dense', units: 2, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.5 });
    const split = { x: Float32Array.from([1, 2]), y: Int32Array.from([0]), count: 1, exampleShape: [2], labelShape: [] } as unknown as Split;
    const model = buildModel(spec);
    model.layers[1].setWeights([tf.tensor2d([[0.1, 0.2], [0.3, -0.1]]), tf.tensor1d([0, 0.1])]);
    const kernel = DenseKernel.create(planOf(spec), split, 1);
    assert.ok(kernel);
    kernel.loadWeights(model);
    const [loss, accuracy] = kernel.trainBatch(Int32Array.from([0]), 0.5);
    // z = [0.7, 0.1], p = softmax(z) = [0.645656, 0.354344], loss = -ln p0, dz = p - [1, 0].
    assert.ok(Math.abs(loss - 0.437488) < 1e-6, String(loss));
    assert.strictEqual(accuracy, 1);
    kernel.storeWeights(model);
    const [w, b] = model.layers[1].getWeights().map((t) => Array.from(t.dataSync()));
    [0.2771718, 0.0228282, 0.6543437, -0.4543437].forEach((v, i) => assert.ok(Math.abs(w[i] - v) < 1e-6, `w[${i}] = ${w[i]}, want ${v}`));
    [0.1771718, -0.0771718].forEach((v, i) => assert.ok(Math.abs(b[i] - v) < 1e-6, `b[${i}] = ${b[i]}, want ${v}`));
    model.dispose();
  });

  for (const activation of ['relu', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'linear', 'leaky']) {
    it(`matches tfjs for hidden activation ${activation} (5 SGD steps, batches of 6 and 8)`, async () => {
      const hidden = activation === 'leaky'
        ? [{ type: 'Dense', units: 13 }, { type: 'LeakyReLU', negative_slope: 0.2 }]
        : [{ type: 'Dense', units: 13, activation }];
      const spec = denseSpec(20, [...hidden, { type: 'Dense', units: 9, activation: 'tanh' }, { type: 'Dense', units: 5, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.1 });
      const split = randomSplit(64, 20, 5, 'sparse_categorical_crossentropy', 1);
      for (const batch of [6, 8]) assertClose(await compare(spec, split, batch, 5), `${activation}, batch ${batch}`);
    });
  }

  const losses: [string, string, number][] = [
    ['sparse_categorical_crossentropy', 'softmax', 4],
    ['categorical_crossentropy', 'softmax', 4],
    ['binary_crossentropy', 'sigmoid', 3],
    ['binary_crossentropy', 'sigmoid', 1],
    ['mean_squared_error', 'linear', 3],
    ['mean_squared_error', 'tanh', 1],
  ];
  for (const [loss, output, units] of losses) {
    it(`matches tfjs for ${loss} with ${units} ${output} output${units > 1 ? 's' : ''}`, async () => {
      const spec = denseSpec(12, [{ type: 'Dense', units: 10, activation: 'relu' }, { type: 'Dense', units, activation: output }], loss, { type: 'SGD', learning_rate: 0.05 });
      assertClose(await compare(spec, randomSplit(40, 12, units, loss, 2), 8, 5), loss);
    });
  }

  const optimizers: object[] = [
    { type: 'SGD', learning_rate: 0.05, momentum: 0.9 },
    { type: 'SGD', learning_rate: 0.05, momentum: 0.9, nesterov: true },
    { type: 'Adam', learning_rate: 0.01 },
    { type: 'RMSprop', learning_rate: 0.01 },
    { type: 'RMSprop', learning_rate: 0.01, momentum: 0.5 },
  ];
  for (const optimizer of optimizers) {
    it(`matches tfjs for ${JSON.stringify(optimizer)} over 6 steps`, async () => {
      const spec = denseSpec(16, [{ type: 'Dense', units: 11, activation: 'relu' }, { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy', optimizer);
      assertClose(await compare(spec, randomSplit(48, 16, 4, 'sparse_categorical_crossentropy', 3), 8, 6), JSON.stringify(optimizer));
    });
  }

  for (const threads of [2, 3]) {
    it(`matches tfjs on ${threads} threads (Adam, batches of 6 and 32, layers of 40, 13, 5 units)`, async () => {
      const spec = denseSpec(30, [{ type: 'Dense', units: 40, activation: 'elu' }, { type: 'Dense', units: 13, activation: 'relu' }, { type: 'Dense', units: 5, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'Adam', learning_rate: 0.01 });
      const split = randomSplit(96, 30, 5, 'sparse_categorical_crossentropy', 4);
      for (const batch of [6, 32]) assertClose(await compare(spec, split, batch, 4, threads), `${threads} threads, batch ${batch}`);
    });
  }

  for (const threads of [1, 2]) {
    it(`matches tfjs on mostly-zero inputs on ${threads} thread${threads > 1 ? 's' : ''} (pairs of rows over their nonzeros: odd batches, several panels, 8-column tails)`, async () => {
      const spec = denseSpec(50, [{ type: 'Dense', units: 40, activation: 'relu' }, { type: 'Dense', units: 24, activation: 'tanh' }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.1 });
      const split = randomSplit(160, 50, 3, 'sparse_categorical_crossentropy', 9);
      // 85% zeros, as MNIST's pixels are (81%): below the share of nonzeros where the kernel lists them per pair of rows.
      const rand = mulberry32(10);
      split.x = Float32Array.from(split.x, (v) => (rand() < 0.75 ? 0 : v));
      for (const batch of [7, 70]) assertClose(await compare(spec, split, batch, 4, threads), `${threads} threads, batch ${batch}`);
    });
  }

  it('starts its workers only when a step first needs them, and trains bit for bit as on 1 thread before, during and after', async () => {
    const spec = denseSpec(50, [{ type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense', units: 24, activation: 'tanh' }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'Adam', learning_rate: 0.01 }, { seed: 5 });
    const split = randomSplit(160, 50, 3, 'sparse_categorical_crossentropy', 12);
    const model = buildModel(spec);
    // Batches of 32 by 50 inputs by 64 units: large enough for the first layer to split over 2 threads.
    const one = DenseKernel.create(planOf(spec), split, 32, 1) as DenseKernel;
    const lazy = DenseKernel.create(planOf(spec), split, 32, 2, undefined, 1) as DenseKernel;
    try {
      one.loadWeights(model);
      lazy.loadWeights(model);
      assert.strictEqual(lazy.threads, 2);
      assert.strictEqual(lazy.startedThreads, 1, 'no worker before a step needs one');
      const rows = (s: number): Int32Array => Int32Array.from({ length: 32 }, (_, i) => (s * 32 + i * 7) % 160);
      for (let s = 0; s < 14; s++) {
        // Steps 4 to 9 on 2 threads, the first of them while the worker is still starting (the
        // caller computes its shares), the last ones with it running; then 1 thread again.
        if (s === 4 || s === 10) lazy.setActiveThreads(s === 4 ? 2 : 1);
        if (s === 6) await new Promise((resolve) => setTimeout(resolve, 500));
        assert.deepStrictEqual(lazy.trainBatch(rows(s), 0.01), one.trainBatch(rows(s), 0.01), `step ${s}`);
      }
      assert.strictEqual(lazy.startedThreads, 2);
      const [a, b] = [buildModel(spec), buildModel(spec)];
      one.storeWeights(a);
      lazy.storeWeights(b);
      a.layers.forEach((l, i) => l.getWeights().forEach((w, j) => assert.deepStrictEqual(w.dataSync(), b.layers[i].getWeights()[j].dataSync(), `${l.name} weight ${j}`)));
    } finally {
      one.dispose();
      lazy.dispose();
    }
  });

  it('behind the Engine seam: trains as the tfjs engine does, moves weights only when needed, evaluates like tfjs', async () => {
    const spec = denseSpec(16, [{ type: 'Dense', units: 11, activation: 'relu' }, { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.1 });
    const train = randomSplit(48, 16, 4, 'sparse_categorical_crossentropy', 5);
    const data = { train, validation: randomSplit(20, 16, 4, 'sparse_categorical_crossentropy', 6), sources: [] } as never;
    const open = (engine: 'kernel' | 'tfjs') => {
      const model = buildModel(spec);
      const optimizer = compileModel(model, spec);
      const selected = selectEngine({ engine, backendChoice: 'auto', backendName: 'cpu', threads: 1 }, spec, train);
      return { model, selected, engine: selected.create({ spec, model, optimizer, data }) };
    };
    const fused = open('kernel');
    const stock = open('tfjs');
    assert.deepStrictEqual([fused.selected.name, stock.selected.name], [KERNEL_ENGINE, 'tfjs (cpu)']);
    assert.match(stock.selected.reason, /engine tfjs requested/);
    stock.model.setWeights(fused.model.getWeights());
    const before = Array.from(fused.model.getWeights()[0].dataSync());
    for (let s = 0; s < 3; s++) {
      const rows = Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i * 5) % train.count);
      const a = [...(fused.engine.trainBatch(rows, 0.1) as number[])];
      const b = await stock.engine.trainBatch(rows, 0.1);
      assert.ok(Math.abs(a[0] - b[0]) < 1e-5 && a[1] === b[1], `step ${s}: ${a} vs ${b}`);
    }
    assert.deepStrictEqual(Array.from(fused.model.getWeights()[0].dataSync()), before, 'training leaves the tfjs model alone');
    fused.engine.storeWeights();
    assert.notDeepStrictEqual(Array.from(fused.model.getWeights()[0].dataSync()), before, 'storeWeights puts the trained weights there');
    const val = (data as { validation: Split }).validation;
    const reference = new SplitEvaluator(stock.model, spec);
    const [fv, sv, rv] = [await fused.engine.evaluate(val), await stock.engine.evaluate(val), await reference.evaluate(val)];
    reference.dispose();
    assert.deepStrictEqual(Object.keys(fv), ['loss', 'accuracy']);
    assert.deepStrictEqual(sv, rv);
    assert.ok(Math.abs(fv.loss - sv.loss) < 1e-5 && Math.abs(fv.accuracy - sv.accuracy) < 1e-6, `${JSON.stringify(fv)} vs ${JSON.stringify(sv)}`);
    // Zero weights put into the model (as a callback restoring a snapshot does): the next batch starts from them.
    fused.model.setWeights(fused.model.getWeights().map((w) => tf.zerosLike(w)));
    fused.engine.loadWeights();
    fused.engine.storeWeights();
    assert.ok(fused.model.getWeights().every((w) => w.dataSync().every((v) => v === 0)), 'nothing trained since: the model keeps what was put there');
    const [loss] = fused.engine.trainBatch(Int32Array.from([0, 1, 2, 3]), 0.1) as number[];
    assert.ok(Math.abs(loss - Math.log(4)) < 1e-6, `uniform softmax from zero weights: loss ${loss}, want ln 4`);
    for (const o of [fused, stock]) {
      o.engine.dispose();
      o.model.dispose();
    }
  });

  it('says why a spec is not eligible', () => {
    const reason = (layers: object[], loss = 'sparse_categorical_crossentropy', optimizer: object = { type: 'SGD' }): string => {
      const p = kernelPlan(denseSpec(8, layers, loss, optimizer));
      return 'reason' in p ? p.reason : 'eligible';
    };
    const out = { type: 'Dense', units: 3, activation: 'softmax' };
    assert.strictEqual(reason([out]), 'eligible');
    assert.strictEqual(reason([{ type: 'Dropout', rate: 0.2 }, out]), 'eligible');
    assert.strictEqual(reason([{ type: 'Dense', units: 4, activation: 'selu' }, { type: 'AlphaDropout', rate: 0.2 }, out]), 'eligible');
    // The stack holds no AlphaDropout next to another dropout: the Dense layer before them trains in the front.
    assert.strictEqual(reason([{ type: 'Dense', units: 4 }, { type: 'AlphaDropout', rate: 0.2 }, { type: 'Dropout', rate: 0.2 }, out]), 'eligible');
    assert.strictEqual(reason([{ type: 'Dense', units: 4, activation: 'gelu' }, out]), 'eligible');
    assert.strictEqual(reason([out], 'hinge'), 'eligible');
    assert.strictEqual(reason([{ type: 'Dense', units: 3, activation: 'relu' }]), 'eligible');  // the loss on relu outputs, as tfjs takes it (test/kernelLogits.test.ts)
    assert.strictEqual(reason([out], 'sparse_categorical_crossentropy', { type: 'Adagrad' }), 'eligible');
    const unknownOptimizer = denseSpec(8, [out], 'sparse_categorical_crossentropy', { type: 'SGD' });
    unknownOptimizer.compile.optimizer = { type: 'Ftrl' };
    assert.match((kernelPlan(unknownOptimizer) as { reason: string }).reason, /optimizer Ftrl/);
    assert.strictEqual(reason([{ type: 'Dense', units: 4, kernel_regularizer: { type: 'l2', l2: 0.01 } }, out]), 'eligible');
    assert.strictEqual(reason([{ type: 'Dense', units: 4, activation: 'relu', activity_regularizer: { type: 'l2', l2: 0.01 } }, out]), 'eligible');
    // On a softmax output the loss would take in: the front holds the whole model instead, the loss reading its output.
    const activity = denseSpec(8, [out], 'sparse_categorical_crossentropy', { type: 'SGD' });
    activity.layers[1].args.activity_regularizer = { type: 'l2', l2: 0.01 };
    const planned = kernelPlan(activity);
    assert.ok('plan' in planned && planned.plan.dims.length === 1 && planned.plan.front.length === 1, JSON.stringify(planned));
  });

  it('follows callbacks that change the learning rate or restore weights as the tfjs path does', async () => {
    const text = JSON.stringify({
      name: 'cb', seed: 5,
      data: { dataset: 'mnist', scale: 255, validation: { first: 300 } },
      layers: [{ type: 'Flatten', input_shape: [28, 28] }, { type: 'Dense', units: 24, activation: 'tanh' }, { type: 'Dense', units: 10, activation: 'softmax' }],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: 0.5, momentum: 0.5 }, metrics: ['accuracy'] },
      fit: {
        epochs: 4, batch_size: 50,
        callbacks: [{ type: 'ReduceLROnPlateau', monitor: 'loss', patience: 0, factor: 0.5, min_delta: 10 }, { type: 'EarlyStopping', monitor: 'val_loss', patience: 1, restore_best_weights: true }],
      },
    });
    const [kernel, stock] = await trainBoth(text, { backend: 'cpu', limit: 600, threads: 1 });
    assert.strictEqual(kernel.engine, KERNEL_ENGINE);
    assert.deepStrictEqual(kernel.history.learning_rate, stock.history.learning_rate);
    assert.ok(kernel.history.learning_rate.some((lr) => lr < 0.5), 'the learning rate was reduced');
    for (const key of ['loss', 'val_loss']) {
      kernel.history[key].forEach((v, i) => assert.ok(Math.abs(v - stock.history[key][i]) < 1e-3, `${key}[${i}]: ${v} vs ${stock.history[key][i]}`));
    }
    assert.ok(kernel.test && stock.test && Math.abs(kernel.test.loss - stock.test.loss) < 1e-3, 'the restored weights are the ones tested');
  });

  it('trains the notebook MLP on a real-MNIST slice to the accuracy of the tfjs path', async () => {
    const spec = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mnist-initializers.model.json'), 'utf8');
    const [kernel, stock] = await trainBoth(spec, { variant: 'glorot_normal', epochs: 1, limit: 3000, threads: 2 });
    assert.strictEqual(kernel.engine, KERNEL_ENGINE);
    assert.strictEqual(stock.engine, 'tfjs (wasm)');
    assert.ok(kernel.test && stock.test && kernel.test.accuracy > 0.5, `kernel test accuracy ${kernel.test?.accuracy} (tfjs: ${stock.test?.accuracy})`);
    // Same seed, same shuffles, same updates: only float32 rounding differs.
    assert.ok(Math.abs(kernel.test.accuracy - stock.test.accuracy) < 0.005, `test accuracy ${kernel.test.accuracy} vs ${stock.test.accuracy}`);
    assert.ok(Math.abs(kernel.history.val_accuracy[0] - stock.history.val_accuracy[0]) < 0.005);
    assert.ok(Math.abs(kernel.history.loss[0] - stock.history.loss[0]) < 1e-3, `loss ${kernel.history.loss[0]} vs ${stock.history.loss[0]}`);
  });
});
