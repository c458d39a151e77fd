import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/trainer/backend';
import { conv2dDilatedInputGradient, conv2dFilterGradient } from '../src/trainer/convGradients';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { mulberry32 } from './helpers';

function random(shape: number[], seed: number): tf.Tensor {
  const rand = mulberry32(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1), shape);
}

function assertClose(got: tf.Tensor, want: tf.Tensor, label: string): void {
  assert.deepStrictEqual(got.shape, want.shape, `${label}: shape`);
  const [a, b] = [got.dataSync(), want.dataSync()];
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])), `${label}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** The stock cpu gradients of sum(conv2d(x, w) * r) with respect to x and w. */
function stockGrads(x: tf.Tensor4D, w: tf.Tensor4D, r: tf.Tensor, strides: number, pad: 'valid' | 'same'): tf.Tensor[] {
  return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), r)))([x, w]);
}

describe('Conv2D gradients', function () {
  this.timeout(120000);
  after(() => initBackend('wasm'));

  for (const pad of ['valid', 'same'] as const) {
    for (const strides of [1, 2]) {
      it(`match the stock cpu gradients (${pad}, strides ${strides}, 3x2 kernel)`, async () => {
        await initBackend('cpu');
        const x = random([2, 7, 6, 2], 1) as tf.Tensor4D;
        const w = random([3, 2, 2, 3], 2) as tf.Tensor4D;
        const y = tf.conv2d(x, w, strides, pad);
        const r = random(y.shape, 3);
        const [dx, dw] = stockGrads(x, w, r, strides, pad);
        const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1 };
        assertClose(conv2dFilterGradient(x, r as tf.Tensor4D, w.shape, attrs), dw, 'filter');
        assertClose(tf.conv2dTranspose(r as tf.Tensor4D, w, x.shape, strides, pad), dx, 'input');
      });
    }
  }

  for (const pad of ['valid', 'same'] as const) {
    it(`differentiate a dilated convolution (${pad}, dilation 2) as the equivalent zero-filled kernel`, async () => {
      await initBackend('cpu');
      const x = random([2, 9, 8, 2], 4) as tf.Tensor4D;
      const w = random([3, 3, 2, 3], 5) as tf.Tensor4D;
      // The same convolution with dilation 1: a 5x5 kernel with zeros between the taps.
      const wide = tf.buffer([5, 5, 2, 3]);
      const wv = w.arraySync() as number[][][][];
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let c = 0; c < 2; c++) for (let o = 0; o < 3; o++) wide.set(wv[kh][kw][c][o], 2 * kh, 2 * kw, c, o);
      const y = tf.conv2d(x, w, 1, pad, 'NHWC', 2);
      assertClose(y, tf.conv2d(x, wide.toTensor() as tf.Tensor4D, 1, pad), 'forward');
      const r = random(y.shape, 6);
      const [dx, dwide] = stockGrads(x, wide.toTensor() as tf.Tensor4D, r, 1, pad);
      const taps = tf.stridedSlice(dwide, [0, 0, 0, 0], [5, 5, 2, 3], [2, 2, 1, 1]);
      const attrs = { strides: 1, pad, dataFormat: 'NHWC', dilations: 2 };
      assertClose(conv2dFilterGradient(x, r as tf.Tensor4D, w.shape, attrs), taps, 'filter');
      assertClose(conv2dDilatedInputGradient(x.shape, r as tf.Tensor4D, w, attrs), dx, 'input');
      // And through autodiff, which now has a gradient for dilated Conv2D.
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', 2), r)))([x, w]);
      assertClose(gx, dx, 'autodiff input');
      assertClose(gw, taps, 'autodiff filter');
    });
  }

  it('on the wasm backend (no Conv2DBackpropFilter kernel) give the cpu gradients', async () => {
    await initBackend('cpu');
    const make = (): tf.Tensor[] => [random([3, 8, 8, 2], 7), random([3, 3, 2, 4], 8), random([3, 4, 4, 4], 9)];
    const [x, w, r] = make();
    const want = stockGrads(x as tf.Tensor4D, w as tf.Tensor4D, r, 2, 'same').map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
    await initBackend('wasm');
    const [xw, ww, rw] = make();
    const got = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), rw)))([xw, ww]);
    got.forEach((g, i) => assertClose(g, tf.tensor(want[i].data, want[i].shape), i ? 'filter' : 'input'));
  });

  it('on the wasm backend, also through the fused conv2d op (a Conv2D layer without activation)', async () => {
    await initBackend('cpu');
    const make = (): tf.Tensor[] => [random([2, 6, 6, 2], 10), random([3, 3, 2, 4], 11), random([2, 3, 3, 4], 12)];
    const [x, w, r] = make();
    const want = stockGrads(x as tf.Tensor4D, w as tf.Tensor4D, r, 2, 'same')[1].dataSync().slice();
    await initBackend('wasm');
    const [xw, ww, rw] = make();
    const bias = tf.zeros([4]);
    const [, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, bias, strides: 2, pad: 'same' }), rw)))([xw, ww]);
    assertClose(gw, tf.tensor(want, gw.shape), 'filter');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`average pooling with same padding that pads: the gradient its forward pass has, by hand (${backend})`, async () => {
      await initBackend(backend);
      // A 3x3 image, 2x2 windows, stride 2: windows of 4, 2, 2 and 1 cells (TensorFlow.js's stock gradient divided each by 4).
      const x = tf.tensor4d(Float32Array.from({ length: 9 }, (_, i) => i), [1, 3, 3, 1]);
      const r = tf.tensor4d([1, 10, 100, 1000], [1, 2, 2, 1]);
      const pooled = tf.avgPool(x, 2, 2, 'same');
      assert.deepStrictEqual(Array.from(pooled.dataSync()), [2, 3.5, 6.5, 8], 'the forward pass averages the cells inside the image');
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 2, 2, 'same'), r)))(x);
      assertClose(dx, tf.tensor4d([0.25, 0.25, 5, 0.25, 0.25, 5, 50, 50, 1000], [1, 3, 3, 1]), 'dx');
      // Windows that do not pad keep the stock gradient.
      const valid = tf.grad((a: tf.Tensor) => tf.sum(tf.avgPool(a as tf.Tensor4D, 2, 1, 'same')))(tf.ones([1, 2, 2, 1]));
      assert.ok(valid.shape.join() === '1,2,2,1');
    });
  }

  it('lets the Keras MNIST convnet train on the wasm backend with the tfjs engine', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-conv-'));
    const text = JSON.stringify({
      name: 'convnet', seed: 1,
      data: { dataset: 'mnist', scale: 255, validation: { first: 64 } },
      layers: [
        { type: 'Reshape', target_shape: [28, 28, 1], input_shape: [28, 28] },
        { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu' },
        { type: 'MaxPooling2D', pool_size: 2 },
        { type: 'Conv2D', filters: 4, kernel_size: 3, dilation_rate: 2, padding: 'same', activation: 'relu' },
        { type: 'Flatten' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'Adam', metrics: ['accuracy'] },
      fit: { epochs: 2, batch_size: 32 },
    });
    const specPath = path.join(dir, 'convnet.model.json');
    fs.writeFileSync(specPath, text);
    const messages: FromTrainer[] = [];
    try {
      await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'wasm', engine: 'tfjs', threads: 1, limit: 320 }, { emit: (m) => messages.push(m), cancelled: () => false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const done = messages.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.ok(done, JSON.stringify(messages.filter((m) => m.type === 'error')));
    const loss = done.result.history.loss;
    assert.ok(loss.every(Number.isFinite) && loss[1] < loss[0], `loss falls: ${loss}`);
  });
});
