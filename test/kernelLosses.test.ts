import * as assert from 'assert';
import { kernelPlan } from '../src/core/kernelPlan';
import { LOSSES } from '../src/core/registry';
import { initBackend } from '../src/trainer/backend';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { assertClose, compare, denseSpec, randomSplit } from './kernelCompare';

/**
 * The losses besides the cross-entropies and MSE, each on output activations it is used with
 * (and one it meets by mistake), 6 steps on the kernel and on TensorFlow.js from the same
 * weights. stddev 3 makes large outputs: big errors for log_cosh and the hinges, clipped
 * probabilities for KL divergence, outputs below 0 for Poisson and MSLE.
 */
const CASES: { loss: string; activation: string; units: number; stddev?: number }[] = [
  { loss: 'mean_absolute_error', activation: 'linear', units: 3 },
  { loss: 'mean_absolute_error', activation: 'relu', units: 2, stddev: 3 },
  { loss: 'mean_absolute_percentage_error', activation: 'softplus', units: 2 },
  { loss: 'mean_squared_logarithmic_error', activation: 'relu', units: 3 },
  { loss: 'mean_squared_logarithmic_error', activation: 'linear', units: 2, stddev: 3 },
  { loss: 'hinge', activation: 'tanh', units: 1 },
  { loss: 'hinge', activation: 'linear', units: 3, stddev: 3 },
  { loss: 'squared_hinge', activation: 'linear', units: 2 },
  { loss: 'categorical_hinge', activation: 'softmax', units: 4 },
  { loss: 'categorical_hinge', activation: 'relu', units: 4 },
  { loss: 'log_cosh', activation: 'linear', units: 3, stddev: 3 },
  { loss: 'kl_divergence', activation: 'softmax', units: 4, stddev: 3 },
  { loss: 'kl_divergence', activation: 'sigmoid', units: 3 },
  { loss: 'poisson', activation: 'softplus', units: 2 },
  { loss: 'poisson', activation: 'relu', units: 3 },
  { loss: 'cosine_similarity', activation: 'linear', units: 3 },
  { loss: 'cosine_similarity', activation: 'tanh', units: 4, stddev: 3 },
];

describe('every registry loss in the fused kernel', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  it('trains every loss of the registry', () => {
    for (const l of LOSSES) {
      const units = l.family === 'binary' ? 1 : 3;
      const spec = denseSpec(6, [{ type: 'Dense', units, activation: l.family === 'categorical' ? 'softmax' : 'linear' }], l.name, { type: 'SGD' });
      assert.ok('plan' in kernelPlan(spec), l.name);
    }
    assert.deepStrictEqual(LOSSES.filter((l) => !l.fusedKernel), []);
  });

  for (const { loss, activation, units, stddev = 0.5 } of CASES) {
    it(`${loss} on a ${activation} output: 6 steps as TensorFlow.js takes them (initial weights stddev ${stddev})`, async () => {
      const layers = [
        { type: 'Dense', units: 12, activation: 'tanh' },
        { type: 'Dense', units, activation, kernel_initializer: { type: 'RandomNormal', stddev } },
      ];
      const spec = denseSpec(10, layers, loss, { type: 'SGD', learning_rate: 0.05 });
      assert.ok('plan' in kernelPlan(spec), 'the kernel trains it');
      const got = await compare(spec, randomSplit(48, 10, units, loss, 11), 8, 6);
      assertClose(got, `${loss} on ${activation}`);
      assert.ok(got.kernel.every(([l]) => Number.isFinite(l)), `losses ${got.kernel.map(([l]) => l)}`);
      assert.ok(got.kernel.some(([l], s) => s > 0 && l !== got.kernel[0][0]), 'the loss moves');
    });
  }

  // By hand, independent of both engines: the loss of the first batch from Keras's formulas in
  // double precision, and the kernel's first SGD step against central differences of that loss.
  const HAND: Record<string, (a: number[], t: number[]) => number> = {
    mean_absolute_error: (a, t) => mean(a.map((v, j) => Math.abs(v - t[j]))),
    mean_absolute_percentage_error: (a, t) => 100 * mean(a.map((v, j) => Math.abs(t[j] - v) / Math.max(Math.abs(t[j]), 1e-7))),
    mean_squared_logarithmic_error: (a, t) => mean(a.map((v, j) => (Math.log1p(Math.max(v, 1e-7)) - Math.log1p(Math.max(t[j], 1e-7))) ** 2)),
    hinge: (a, t) => mean(a.map((v, j) => Math.max(0, 1 - (2 * t[j] - 1) * v))),
    squared_hinge: (a, t) => mean(a.map((v, j) => Math.max(0, 1 - (2 * t[j] - 1) * v) ** 2)),
    categorical_hinge: (a, t) => Math.max(0, 1 + Math.max(...a.map((v, j) => (1 - t[j]) * v)) - sum(a.map((v, j) => t[j] * v))),
    log_cosh: (a, t) => mean(a.map((v, j) => Math.log(Math.cosh(v - t[j])))),
    kl_divergence: (a, t) => sum(a.map((v, j) => t[j] * Math.log(Math.min(Math.max(t[j], 1e-7), 1) / Math.min(Math.max(v, 1e-7), 1)))),
    poisson: (a, t) => mean(a.map((v, j) => v - t[j] * Math.log(v + 1e-7))),
    cosine_similarity: (a, t) => -sum(a.map((v, j) => v * t[j])) / Math.sqrt(sum(a.map((v) => v * v)) * sum(t.map((v) => v * v))),
  };
  for (const [loss, formula] of Object.entries(HAND)) {
    const softmax = loss === 'kl_divergence' || loss === 'poisson';
    it(`${loss}: the first batch's loss and gradient as Keras's formula gives them, by hand`, async () => {
      const [inputs, units, lr] = [10, 3, 0.1];
      const spec = denseSpec(inputs, [{ type: 'Dense', units, activation: softmax ? 'softmax' : 'linear', kernel_initializer: { type: 'RandomNormal', stddev: 0.7 } }], loss, { type: 'SGD', learning_rate: lr });
      const split = randomSplit(48, inputs, units, loss, 13);
      const got = await compare(spec, split, 8, 1);
      const [w0, b0] = got.weights.initial;
      const rows = Array.from({ length: 8 }, (_, i) => (i * 7) % split.count);
      const x = split.x as Float32Array, y = split.y as Float32Array;
      const batchLoss = (w: ArrayLike<number>, b: ArrayLike<number>): number => mean(rows.map((r) => {
        const z = Array.from({ length: units }, (_, j) => b[j] + sum(Array.from({ length: inputs }, (_, i) => x[r * inputs + i] * w[i * units + j])));
        const e = z.map((v) => Math.exp(v - Math.max(...z)));
        const a = softmax ? e.map((v) => v / sum(e)) : z;
        return formula(a, Array.from(y.subarray(r * units, (r + 1) * units)));
      }));
      const expected = batchLoss(w0, b0);
      assert.ok(Math.abs(got.kernel[0][0] - expected) <= 2e-5 * Math.max(1, Math.abs(expected)), `loss ${got.kernel[0][0]}, by hand ${expected}`);
      const w1 = got.weights.kernel[0];
      for (let k = 0; k < w0.length; k++) {
        const h = 1e-4;
        const [up, down] = [Float64Array.from(w0), Float64Array.from(w0)];
        up[k] += h;
        down[k] -= h;
        const grad = (batchLoss(up, b0) - batchLoss(down, b0)) / (2 * h);
        const step = (w0[k] - w1[k]) / lr;
        assert.ok(Math.abs(step - grad) <= 2e-3 * Math.max(1, Math.abs(grad)), `dL/dW[${k}]: kernel ${step}, by hand ${grad}`);
      }
    });
  }

  it('hinge takes 0/1 labels as -1/1, as Keras does: the same steps as the same labels written -1/1', async () => {
    const layers = [{ type: 'Dense', units: 6, activation: 'tanh' }, { type: 'Dense', units: 1, activation: 'tanh' }];
    const spec = denseSpec(10, layers, 'hinge', { type: 'SGD', learning_rate: 0.1 });
    const zeroOne = randomSplit(32, 10, 1, 'hinge', 5);
    const signs = { ...zeroOne, y: Float32Array.from(zeroOne.y as Float32Array, (v) => 2 * v - 1) };
    const [a, b] = [await compare(spec, zeroOne, 8, 4), await compare(spec, signs, 8, 4)];
    assertClose(a, 'hinge, 0/1 labels');
    a.kernel.forEach(([l], s) => assert.ok(Math.abs(l - b.kernel[s][0]) < 1e-6, `step ${s}: ${l} vs ${b.kernel[s][0]}`));
  });
});

function sum(v: number[]): number {
  return v.reduce((a, b) => a + b, 0);
}

function mean(v: number[]): number {
  return sum(v) / v.length;
}
