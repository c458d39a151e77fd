import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../src/core/data/load';
import { LAYERS } from '../src/core/registry';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { DenseKernel, kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { planOf } from './kernelCompare';
import { mulberry32 } from './helpers';

const OUT = { type: 'Dense', units: 3, activation: 'softmax' };
const BATCH = 8;
const LR = 0.1;

/**
 * Where each layer type the registry marks `fusedKernel` sits in a small stack the kernel trains,
 * with the input shape before it. A new fused layer type must get a line here (the test says so).
 */
const PLACEMENTS: Record<string, { input: number[]; layers: object[] }> = {
  Input: { input: [6], layers: [OUT] },
  Flatten: { input: [2, 3], layers: [{ type: 'Flatten' }, { type: 'Dense', units: 5, activation: 'relu' }, OUT] },
  Dense: { input: [6], layers: [{ type: 'Dense', units: 5, activation: 'tanh' }, OUT] },
  Dropout: { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'Dropout', rate: 0.4 }, OUT] },
  Activation: { input: [6], layers: [{ type: 'Dense', units: 5 }, { type: 'Activation', activation: 'elu' }, OUT] },
  LeakyReLU: { input: [6], layers: [{ type: 'Dense', units: 5 }, { type: 'LeakyReLU', negative_slope: 0.2 }, OUT] },
  AlphaDropout: { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'selu', kernel_initializer: 'lecun_normal' }, { type: 'AlphaDropout', rate: 0.3 }, OUT] },
  BatchNormalization: { input: [6], layers: [{ type: 'Dense', units: 5 }, { type: 'BatchNormalization', momentum: 0.9 }, { type: 'Activation', activation: 'relu' }, OUT] },
  // Strides with same padding, 3 filters (rows padded to 8 in the kernel), then a Dense layer on the flattened image.
  Conv2D: { input: [5, 5, 2], layers: [{ type: 'Conv2D', filters: 3, kernel_size: 2, strides: 2, padding: 'same', activation: 'relu' }, { type: 'Flatten' }, OUT] },
  // Two convs (the second computes dX), max pooling with same padding, Dropout after Flatten.
  MaxPooling2D: {
    input: [7, 7, 2],
    layers: [
      { type: 'Conv2D', filters: 4, kernel_size: 2, activation: 'elu' }, { type: 'MaxPooling2D', pool_size: 2, padding: 'same' },
      { type: 'Conv2D', filters: 8, kernel_size: 2 }, { type: 'LeakyReLU', negative_slope: 0.1 }, { type: 'Flatten' }, { type: 'Dropout', rate: 0.3 }, OUT,
    ],
  },
  // Dropout between a conv and its pooling: the conv's gradient goes through the mask.
  AveragePooling2D: {
    input: [6, 6, 1],
    layers: [{ type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'tanh' }, { type: 'Dropout', rate: 0.25 }, { type: 'AveragePooling2D', pool_size: 2, strides: 1 }, { type: 'Flatten' }, OUT],
  },
  GlobalAveragePooling2D: { input: [5, 5, 2], layers: [{ type: 'Conv2D', filters: 4, kernel_size: 3, padding: 'same', dilation_rate: 2, activation: 'relu' }, { type: 'GlobalAveragePooling2D' }, OUT] },
  // A frozen conv first: it keeps its weights, the conv after it trains (and computes no dX: nothing before it trains).
  Reshape: {
    input: [18],
    layers: [{ type: 'Reshape', target_shape: [3, 3, 2] }, { type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'relu', trainable: false }, { type: 'Conv2D', filters: 2, kernel_size: 1 }, { type: 'Flatten' }, OUT],
  },
};

/** More placements worth a step of their own: Dropout reading a normalized output, BatchNormalization after a convolution. */
const MORE: Record<string, { input: number[]; layers: object[] }> = {
  // In the convolutional front, before the first Dense layer: Keras's formula on the flattened features.
  'AlphaDropout before the first Dense layer': {
    input: [5, 5, 1],
    layers: [{ type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'selu', kernel_initializer: 'lecun_normal' }, { type: 'Flatten' }, { type: 'AlphaDropout', rate: 0.3 }, OUT],
  },
  'Dropout after BatchNormalization': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'BatchNormalization' }, { type: 'Dropout', rate: 0.4 }, OUT] },
  'Dropout after BatchNormalization and relu': { input: [6], layers: [{ type: 'Dense', units: 7 }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' }, { type: 'Dropout', rate: 0.4 }, OUT] },
  // Per filter over the batch's pixels: before a folded relu, then after a conv's own tanh (10 filters: padded rows).
  'BatchNormalization after Conv2D': {
    input: [6, 6, 2],
    layers: [
      { type: 'Conv2D', filters: 3, kernel_size: 2 }, { type: 'BatchNormalization', momentum: 0.8 }, { type: 'Activation', activation: 'relu' }, { type: 'MaxPooling2D' },
      { type: 'Conv2D', filters: 10, kernel_size: 2, activation: 'tanh' }, { type: 'BatchNormalization', center: false }, { type: 'Flatten' }, OUT,
    ],
  },
  // The normalization reads the dropped output, and its gradient goes back through the mask.
  'BatchNormalization after Dropout': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'Dropout', rate: 0.4 }, { type: 'BatchNormalization' }, OUT] },
  'BatchNormalization and an Activation after Dropout in the convolutional front': {
    input: [5, 5, 2],
    layers: [{ type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'tanh' }, { type: 'Flatten' }, OUT],
  },
  // Layer orders the Dense stack cannot hold between its layers: the Dense layers before them
  // train in the front as 1x1 convolutions (several images to a GEMM), the rest in the stack.
  'tanh after Dropout between Dense layers': {
    input: [6],
    layers: [{ type: 'Dense', units: 7 }, { type: 'Dropout', rate: 0.4 }, { type: 'Activation', activation: 'tanh' }, { type: 'Dense', units: 5, activation: 'relu' }, OUT],
  },
  'an Activation after another between Dense layers': {
    input: [6],
    layers: [{ type: 'Dense', units: 9, activation: 'relu' }, { type: 'Activation', activation: 'sigmoid' }, { type: 'Dense', units: 5, activation: 'relu' }, OUT],
  },
  'two BatchNormalizations after a Dense layer': {
    input: [6],
    layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'BatchNormalization' }, { type: 'BatchNormalization', momentum: 0.5 }, { type: 'Dense', units: 5 }, OUT],
  },
  'Dropout after Dropout and BatchNormalization': {
    input: [6],
    layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }, { type: 'BatchNormalization' }, { type: 'Dropout', rate: 0.2 }, OUT],
  },
  'AlphaDropout after Dropout': {
    input: [6],
    layers: [{ type: 'Dense', units: 7, activation: 'selu' }, { type: 'Dropout', rate: 0.3 }, { type: 'AlphaDropout', rate: 0.2 }, { type: 'Dense', units: 4 }, OUT],
  },
  // After the output layer: the loss reads the dropped or normalized probabilities (and their gradient goes back through them).
  'Dropout after the output layer': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, OUT, { type: 'Dropout', rate: 0.3 }] },
  'BatchNormalization after the output layer': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, OUT, { type: 'BatchNormalization' }] },
  'BatchNormalization before a softmax output': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'Dense', units: 3 }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'softmax' }] },
  // No Dense stack: the front holds the whole model, and the loss reads its output.
  'a model without a Dense layer': { input: [5, 5, 2], layers: [{ type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'relu' }, { type: 'GlobalAveragePooling2D' }, { type: 'Activation', activation: 'softmax' }] },
  'Dropout between the output layer and its softmax': { input: [6], layers: [{ type: 'Dense', units: 7, activation: 'relu' }, { type: 'Dense', units: 3 }, { type: 'Dropout', rate: 0.3 }, { type: 'Activation', activation: 'softmax' }] },
  // A Dense layer on an image (Keras applies it to the last axis: a 1x1 convolution), and a Conv2D after a Dense layer.
  'Dense on an image, then Conv2D': {
    input: [3, 3, 2],
    layers: [{ type: 'Dense', units: 4, activation: 'relu' }, { type: 'Conv2D', filters: 3, kernel_size: 2 }, { type: 'Flatten' }, OUT],
  },
  'Conv2D after Dense and Reshape': {
    input: [6],
    layers: [{ type: 'Dense', units: 18, activation: 'tanh' }, { type: 'Reshape', target_shape: [3, 3, 2] }, { type: 'Conv2D', filters: 4, kernel_size: 2, activation: 'relu' }, { type: 'Flatten' }, { type: 'Dense', units: 5 }, OUT],
  },
};

/**
 * Keras's AlphaDropout with the kernel's keep pattern (mask > 0 where kept): dropped values
 * become alpha' = -alpha * scale of selu (x = h keep + alpha' (1 - keep)), then every value
 * becomes a x + b. TensorFlow.js 4.22 writes (keep - 1) alpha', dropping to +1.758 instead.
 */
function alphaDropped(h: tf.Tensor, mask: Float32Array, rate: number): tf.Tensor {
  const alphaP = -1.6732632423543772 * 1.0507009873554805;
  const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
  const b = -a * alphaP * rate;
  const keep = tf.tensor(mask.map((v) => (v > 0 ? 1 : 0)), h.shape);
  return tf.add(tf.mul(tf.add(tf.mul(h, keep), tf.mul(tf.sub(1, keep), alphaP)), a), b);
}

function placedSpec(type: string): ResolvedSpec {
  const { input, layers } = PLACEMENTS[type] ?? MORE[type];
  const r = resolveSpec(JSON.stringify({
    name: 'k', seed: 11, layers: [{ type: 'Input', shape: input }, ...layers],
    compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: LR }, metrics: ['accuracy'] }, fit: { batch_size: BATCH },
  }));
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

function split(exampleShape: number[]): Split {
  const rand = mulberry32(4);
  const size = exampleShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: BATCH * size }, () => rand() * 4 - 2);
  const y = Int32Array.from({ length: BATCH }, (_, i) => i % 3);
  return { x, y, count: BATCH, exampleShape, labelShape: [] } as unknown as Split;
}

/**
 * One SGD step with TensorFlow.js on the spec's model, layer by layer in training mode, except
 * that each Dropout multiplies by the mask the kernel drew in its own step (`masks[i]`: the mask
 * of the Dropout layer at spec.layers[i]): the loss before the step and every weight after it.
 */
function tfjsStep(spec: ResolvedSpec, data: Split, masks: Map<number, Float32Array>): { loss: number; weights: Float32Array[] } {
  const model = buildModel(spec);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor(data.x, [data.count, ...(spec.layers[0].inputShape.slice(1) as number[])]);
  const labels = tf.oneHot(tf.tensor1d(data.y as Int32Array, 'int32'), 3);
  const forward = (): tf.Scalar => {
    let h: tf.Tensor = x;
    for (const layer of model.layers.filter((l) => l.getClassName() !== 'InputLayer')) {
      const kind = layer.getClassName();
      const mask = kind === 'Dropout' || kind === 'AlphaDropout' ? masks.get(spec.layers.findIndex((l) => l.name === layer.name)) : undefined;
      if (!mask) h = layer.apply(h, { training: true }) as tf.Tensor;
      else h = kind === 'Dropout' ? tf.mul(h, tf.tensor(mask, h.shape)) : alphaDropped(h, mask, (layer as unknown as { rate: number }).rate);
    }
    // TensorFlow.js's sparse cross-entropy on probabilities: clipped to [1e-7, 1 - 1e-7], divided by their sum, clipped again.
    const clipped = tf.clipByValue(h, 1e-7, 1 - 1e-7);
    const q = tf.clipByValue(tf.div(clipped, tf.sum(clipped, 1, true)), 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.log(tf.sum(tf.mul(q, labels), 1)))) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(forward, vars);
  const loss = value.dataSync()[0];
  vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], LR))));
  const weights = model.layers.flatMap((l) => l.getWeights()).map((w) => w.dataSync().slice() as Float32Array);
  tf.dispose([x, labels, value, ...Object.values(grads)]);
  model.dispose();
  return { loss, weights };
}

/** The kernel's masks of the last step by the index of their Dropout layer in `spec.layers`: the front's, then the Dense stack's. */
function dropoutMasks(spec: ResolvedSpec, kernel: DenseKernel, stackLayers: number): Map<number, Float32Array> {
  const masks = kernel.frontDropoutMasks(BATCH);
  let dense = stackLayers - spec.layers.filter((l) => l.type === 'Dense').length - 1;
  spec.layers.forEach((l, index) => {
    if (l.type === 'Dense') dense++;
    if ((l.type === 'Dropout' || l.type === 'AlphaDropout') && dense >= 0 && !masks.has(index)) masks.set(index, kernel.dropoutMask(dense, BATCH));
  });
  return masks;
}

describe('every registry layer type the fused kernel trains: its first step agrees with TensorFlow.js', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  it('has a placement for each fused layer type of the registry', () => {
    assert.deepStrictEqual(Object.keys(PLACEMENTS).sort(), LAYERS.filter((l) => l.fusedKernel).map((l) => l.name).sort());
  });

  for (const type of [...LAYERS.filter((l) => l.fusedKernel).map((l) => l.name), ...Object.keys(MORE)]) {
    it(`${type}: the loss and every weight after one SGD step, within float32 tolerance`, () => {
      if (!PLACEMENTS[type] && !MORE[type]) assert.fail(`${type} has fusedKernel in the registry but no placement in this test`);
      const spec = placedSpec(type);
      const data = split(spec.layers[0].inputShape.slice(1) as number[]);
      const plan = planOf(spec);
      const model = buildModel(spec);
      const kernel = DenseKernel.create(plan, data, BATCH);
      assert.ok(kernel);
      kernel.loadWeights(model);
      const [loss] = kernel.trainBatch(Int32Array.from({ length: BATCH }, (_, i) => i), LR);
      const masks = dropoutMasks(spec, kernel, plan.activations.length);
      kernel.storeWeights(model);
      const got = model.layers.flatMap((l) => l.getWeights()).map((w) => w.dataSync().slice() as Float32Array);
      kernel.dispose();
      model.dispose();

      const want = tfjsStep(spec, data, masks);
      assert.ok(Math.abs(loss - want.loss) <= 1e-5 * Math.max(1, want.loss), `loss ${loss}, tfjs ${want.loss}`);
      assert.strictEqual(got.length, want.weights.length);
      got.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - want.weights[i][j]) <= 1e-5 * Math.max(1, Math.abs(want.weights[i][j])), `weight ${i}[${j}]: ${v}, tfjs ${want.weights[i][j]}`)));
      if (['Dropout', 'AlphaDropout', 'MaxPooling2D', 'AveragePooling2D', ...Object.keys(MORE).filter((k) => /^(Alpha)?Dropout/.test(k))].includes(type)) assert.ok([...masks.values()][0]?.some((v) => v === 0), 'the kernel dropped some units');
    });
  }
});
