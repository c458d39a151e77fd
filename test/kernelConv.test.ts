/** The kernel's convolutional front: one step computed by hand, max-pool routing, and short runs of small convnets against TensorFlow.js. */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../src/core/data/load';
import { kernelPlan } from '../src/core/kernelPlan';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import type { KernelLayerView } from '../src/trainer/engines/convFront';
import { DenseKernel, KERNEL_ENGINE } from '../src/trainer/engines/denseKernel';
import { assertClose, compare, denseSpec, planOf, randomSplit, trainBoth } from './kernelCompare';

const MSE = 'mean_squared_error';

/** One example with its label, shaped for a spec on an h x w x c input. */
function oneExample(x: number[], shape: number[], y: number): Split {
  return { x: Float32Array.from(x), y: Float32Array.from([y]), count: 1, exampleShape: shape, labelShape: [1] } as unknown as Split;
}

/** Trains one SGD step on the kernel from the given weights (tfjs getWeights order); returns the loss, the weights after it and the kernel's health views. */
function stepFrom(layers: object[], shape: number[], data: Split, weights: number[][], lr: number): { loss: number; after: number[][]; views: KernelLayerView[] } {
  const spec = denseSpec(shape, layers, MSE, { type: 'SGD', learning_rate: lr }, { compile: { loss: MSE, optimizer: { type: 'SGD', learning_rate: lr }, metrics: [] } });
  const model = buildModel(spec);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const kernel = DenseKernel.create(planOf(spec), data, 1);
  assert.ok(kernel);
  kernel.loadWeights(model);
  const [loss] = kernel.trainBatch(Int32Array.from([0]), lr);
  kernel.storeWeights(model);
  const after = model.getWeights().map((w) => Array.from(w.dataSync()));
  const views = (kernel as unknown as { views: KernelLayerView[] }).views;
  return { loss, after, views };
}

function assertNear(got: number[], want: number[], what: string): void {
  assert.strictEqual(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${what}[${i}]: ${v}, want ${want[i]}`));
}

describe('the fused kernel\'s convolutional front', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('cpu');
  });

  it('computes one Conv2D step by hand: a 2x2 kernel over a 3x3 image into a linear Dense output', () => {
    // conv = x[i][j] - x[i+1][j+1] = -4 everywhere; out = 0.25 * 4 * -4 = -4; MSE against 0 is 16, dL/dout = -8.
    // Conv gradient: dL/dconv = -8 * 0.25 = -2 per pixel; dW[a][b] = -2 * (sum of the 2x2 block at a, b); db = -8.
    const layers = [{ type: 'Conv2D', filters: 1, kernel_size: 2 }, { type: 'Flatten' }, { type: 'Dense', units: 1 }];
    const data = oneExample([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1], 0);
    const { loss, after } = stepFrom(layers, [3, 3, 1], data, [[1, 0, 0, -1], [0], [0.25, 0.25, 0.25, 0.25], [0]], 0.01);
    assert.ok(Math.abs(loss - 16) < 1e-5, `loss ${loss}`);
    assertNear(after[0], [1 + 0.24, 0.32, 0.48, -1 + 0.56], 'conv kernel');
    assertNear(after[1], [0.08], 'conv bias');
    assertNear(after[2], [0.25 - 0.32, 0.25 - 0.32, 0.25 - 0.32, 0.25 - 0.32], 'dense kernel');
    assertNear(after[3], [0.08], 'dense bias');
  });

  it('routes max pooling\'s gradient to each window\'s first maximum, as TensorFlow.js does', () => {
    // An identity 1x1 conv, 2x2 max pooling (two windows tie), Dense weights 1..4: out 22, label 20, dL/dout 4.
    const x = [1, 3, 2, 2, 0, 2, 2, 1, 5, 1, 0, 0, 1, 1, 0, -1];
    const layers = [{ type: 'Conv2D', filters: 1, kernel_size: 1 }, { type: 'MaxPooling2D', pool_size: 2 }, { type: 'Flatten' }, { type: 'Dense', units: 1 }];
    const { loss, after, views } = stepFrom(layers, [4, 4, 1], oneExample(x, [4, 4, 1], 20), [[1], [0], [1, 2, 3, 4], [0]], 0.001);
    assert.ok(Math.abs(loss - 4) < 1e-5, `loss ${loss}`);
    const deltas = views[0].deltas(1);
    const routed = Array.from({ length: 16 }, (_, p) => deltas.data[p * deltas.stride]);
    assertNear(routed, [0, 4, 8, 0, 0, 0, 0, 0, 12, 0, 16, 0, 0, 0, 0, 0], 'gradient at the conv output');
    const want = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor([4, 8, 12, 16], [1, 2, 2, 1]))))([tf.tensor(x, [1, 4, 4, 1])])[0];
    assertNear(routed, Array.from(want.dataSync()), 'tfjs\'s max-pool gradient');
    assertNear(after[0], [1 - 0.001 * (3 * 4 + 2 * 8 + 5 * 12)], 'conv kernel');
    assertNear(after[1], [-0.001 * 40], 'conv bias');
  });

  const cases: { label: string; shape: number[]; layers: object[]; optimizer: object; threads?: number }[] = [
    {
      label: 'strided same-padding conv, a second conv, max pooling (Adam)', shape: [8, 8, 2], optimizer: { type: 'Adam', learning_rate: 0.01 },
      layers: [
        { type: 'Conv2D', filters: 4, kernel_size: 3, strides: 2, padding: 'same', activation: 'relu' },
        { type: 'Conv2D', filters: 8, kernel_size: 2, activation: 'relu' }, { type: 'MaxPooling2D', pool_size: 2, padding: 'same' },
        { type: 'Flatten' }, { type: 'Dense', units: 6, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'dilation 2 with same padding, a regularized conv, average pooling (RMSprop)', shape: [7, 7, 1], optimizer: { type: 'RMSprop', learning_rate: 0.01 },
      layers: [
        { type: 'Conv2D', filters: 3, kernel_size: 3, dilation_rate: 2, padding: 'same', activation: 'relu', kernel_regularizer: { type: 'l2', l2: 0.01 } },
        { type: 'Conv2D', filters: 5, kernel_size: 2, activation: 'tanh', bias_regularizer: { type: 'l1', l1: 0.01 } },
        { type: 'AveragePooling2D', pool_size: 2 }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'average pooling with same padding that pads, strided and not (Adam)', shape: [7, 7, 2], optimizer: { type: 'Adam', learning_rate: 0.01 },
      layers: [
        { type: 'Conv2D', filters: 3, kernel_size: 2, activation: 'relu' }, { type: 'AveragePooling2D', pool_size: 2, padding: 'same' },
        { type: 'AveragePooling2D', pool_size: 3, strides: 1, padding: 'same' }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'a frozen Conv2D before a trained one, global average pooling (SGD with momentum)', shape: [6, 6, 3], optimizer: { type: 'SGD', learning_rate: 0.1, momentum: 0.9 },
      layers: [
        { type: 'Conv2D', filters: 4, kernel_size: 3, padding: 'same', activation: 'relu', trainable: false },
        { type: 'Conv2D', filters: 8, kernel_size: 3, use_bias: false }, { type: 'Activation', activation: 'relu' },
        { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'a frozen Conv2D between trained layers, so its input gradient still flows (Adamax)', shape: [6, 6, 2], optimizer: { type: 'Adamax', learning_rate: 0.01 },
      layers: [
        { type: 'Conv2D', filters: 5, kernel_size: 2, activation: 'relu' }, { type: 'Conv2D', filters: 4, kernel_size: 2, strides: 2, activation: 'selu', trainable: false },
        { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      // Not Adam: a conv bias before a BatchNormalization has a gradient of about 0 (the normalization takes the mean out), and Adam turns its float32 noise into full steps.
      label: 'BatchNormalization on the input (center off) and after max pooling (SGD with momentum)', shape: [6, 6, 3], optimizer: { type: 'SGD', learning_rate: 0.05, momentum: 0.9 },
      layers: [
        { type: 'BatchNormalization', center: false }, { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu' }, { type: 'MaxPooling2D' },
        { type: 'BatchNormalization', momentum: 0.9 }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'activations of their own: gelu on the input, LeakyReLU after pooling, softmax over the channels (Adam)', shape: [6, 6, 3], optimizer: { type: 'Adam', learning_rate: 0.01 },
      layers: [
        { type: 'Activation', activation: 'gelu' }, { type: 'Conv2D', filters: 4, kernel_size: 3 }, { type: 'MaxPooling2D' }, { type: 'LeakyReLU', negative_slope: 0.2 },
        { type: 'Conv2D', filters: 3, kernel_size: 1, activation: 'relu' }, { type: 'Activation', activation: 'softmax' }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      label: 'a frozen BatchNormalization after global average pooling, a trained one on 5 channels (SGD)', shape: [5, 5, 2], optimizer: { type: 'SGD', learning_rate: 0.1 },
      layers: [
        { type: 'Conv2D', filters: 5, kernel_size: 2, activation: 'tanh' }, { type: 'AveragePooling2D', pool_size: 2 }, { type: 'BatchNormalization', scale: false },
        { type: 'GlobalAveragePooling2D' }, { type: 'BatchNormalization', trainable: false }, { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      // No Dense stack: the whole model is the front, and the loss reads its last op's output.
      label: 'an all-convolutional net without a Dense layer (Adam)', shape: [6, 6, 2], optimizer: { type: 'Adam', learning_rate: 0.01 },
      layers: [
        { type: 'Conv2D', filters: 4, kernel_size: 2, activation: 'relu' }, { type: 'MaxPooling2D' },
        { type: 'Conv2D', filters: 3, kernel_size: 1 }, { type: 'GlobalAveragePooling2D' }, { type: 'Activation', activation: 'softmax' },
      ],
    },
  ];
  for (const c of cases) {
    for (const threads of [1, 2]) {
      it(`trains ${c.label} as TensorFlow.js does, on ${threads} thread${threads > 1 ? 's' : ''}`, async () => {
        const spec = denseSpec(c.shape, c.layers, 'sparse_categorical_crossentropy', c.optimizer);
        const size = c.shape.reduce((a, b) => a * b, 1);
        const got = await compare(spec, randomSplit(64, size, 3, 'sparse_categorical_crossentropy', 9), 8, 5, threads);
        assertClose(got, c.label);
        const moved = got.weights.kernel[0].some((v, i) => v !== got.weights.initial[0][i]);
        assert.strictEqual(moved, spec.layers[1].args.trainable !== false, 'a trainable first conv moved, a frozen one did not');
      });
    }
  }

  it('trains a small convnet on a real-MNIST slice as the tfjs engine does, epoch by epoch', async () => {
    const text = JSON.stringify({
      name: 'cnn', seed: 7,
      data: { dataset: 'mnist', scale: 255, validation: { first: 200 } },
      layers: [
        { type: 'Input', shape: [28, 28, 1] }, { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu' }, { type: 'MaxPooling2D' },
        { type: 'Conv2D', filters: 12, kernel_size: 3, strides: 2, padding: 'same', activation: 'relu' }, { type: 'GlobalAveragePooling2D' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'Adam', learning_rate: 0.01 }, metrics: ['accuracy'] },
      fit: { epochs: 2, batch_size: 50 },
    });
    const [kernel, stock] = await trainBoth(text, { limit: 400, threads: 2 });
    assert.strictEqual(kernel.engine, KERNEL_ENGINE);
    for (const key of ['loss', 'val_loss', 'accuracy', 'val_accuracy']) {
      kernel.history[key].forEach((v, i) => assert.ok(Math.abs(v - stock.history[key][i]) < 2e-3, `${key}[${i}]: ${v} vs tfjs ${stock.history[key][i]}`));
    }
    assert.ok(kernel.history.loss[1] < kernel.history.loss[0], 'it learns');
  });

  it('refuses a front whose ops do not chain, or that gives the Dense layers the wrong width', () => {
    const spec = denseSpec([6, 6, 1], [{ type: 'Conv2D', filters: 2, kernel_size: 3 }, { type: 'MaxPooling2D' }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' });
    const data = randomSplit(8, 36, 3, 'sparse_categorical_crossentropy', 1);
    const plan = planOf(spec);
    const pool = plan.front[1] as { shape: number[] };
    pool.shape = [5, 5, 2, 2, 2, 2];  // reads 50 values where the conv writes 32, and writes the 8 Dense expects
    assert.throws(() => DenseKernel.create(plan, data, 8), /do not chain/);
    pool.shape = [4, 4, 2, 1, 1, 2];  // chains, but writes 2 values where the Dense layer takes 8
    assert.throws(() => DenseKernel.create(plan, data, 8), /give 2 values per example; the first Dense layer takes 8/);
  });

  it('says why it cannot train what stays on TensorFlow.js', () => {
    const reason = (shape: number[], layers: object[]): string => {
      const p = kernelPlan(denseSpec(shape, [...layers, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' }));
      return 'reason' in p ? p.reason : 'eligible';
    };
    const conv = { type: 'Conv2D', filters: 2, kernel_size: 2 };
    assert.strictEqual(reason([6, 6, 1], [conv, { type: 'BatchNormalization' }]), 'eligible');
    assert.strictEqual(reason([6, 6, 1], [conv, { type: 'MaxPooling2D' }, { type: 'BatchNormalization' }]), 'eligible');
    assert.strictEqual(reason([6, 6, 1], [conv, { type: 'AveragePooling2D', pool_size: 2, padding: 'same' }]), 'eligible');
    assert.strictEqual(reason([6, 6, 1], [conv, { type: 'AveragePooling2D', pool_size: 1, padding: 'same' }]), 'eligible');
    assert.strictEqual(reason([6, 6, 1], [{ type: 'MaxPooling2D' }, { type: 'Activation', activation: 'relu' }]), 'eligible');
    const after = kernelPlan(denseSpec([6, 6, 1], [{ type: 'Flatten' }, { type: 'Dense', units: 36 }, { type: 'Reshape', target_shape: [6, 6, 1] }, conv, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' }));
    // A Conv2D after a Dense layer: that Dense layer is a 1x1 convolution in the front, the last one the Dense stack.
    assert.ok('plan' in after && after.plan.front.length === 2 && after.plan.front.every((op) => op.kind === 'conv') && after.plan.dims.length === 2, JSON.stringify(after));
  });
});
