import * as assert from 'assert';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { selectEngine } from '../src/trainer/engines';
import { denseSpec, randomSplit } from './kernelCompare';
import { METRIC_MATH, SplitMetric } from '../src/core/metricMath';

/** Losses with their output layer and the metrics that read their labels. */
const CASES: { loss: string; out: object; metrics: string[]; logits?: boolean }[] = [
  { loss: 'sparse_categorical_crossentropy', out: { type: 'Dense', units: 4, activation: 'softmax' }, metrics: ['accuracy', 'sparse_categorical_accuracy', 'sparse_categorical_crossentropy'] },
  { loss: 'categorical_crossentropy', out: { type: 'Dense', units: 4, activation: 'softmax' }, metrics: ['categorical_accuracy', 'categorical_crossentropy', 'mse', 'mae', 'binary_accuracy'] },
  { loss: 'binary_crossentropy', out: { type: 'Dense', units: 3, activation: 'sigmoid' }, metrics: ['binary_accuracy', 'binary_crossentropy', 'mae', 'accuracy', 'precision', 'recall'] },
  { loss: 'binary_crossentropy', out: { type: 'Dense', units: 1 }, metrics: ['precision', 'recall', 'binary_accuracy'], logits: true },
  { loss: 'mean_squared_error', out: { type: 'Dense', units: 2, activation: 'tanh' }, metrics: ['mae', 'mape', 'mse'] },
  { loss: 'sparse_categorical_crossentropy', out: { type: 'Dense', units: 4 }, metrics: ['accuracy', 'sparse_categorical_accuracy'], logits: true },
];

describe('metrics on the fused engine', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.loss}${c.logits ? ' (logits)' : ''}: ${c.metrics.join(', ')} per step and on a split, as TensorFlow.js computes them`, async () => {
      const units = (c.out as { units: number }).units;
      const resolved = denseSpec(10, [{ type: 'Dense', units: 8, activation: 'relu' }, c.out], c.loss, { type: 'SGD', learning_rate: 0.1 }, { compile: { loss: c.logits ? { type: c.loss, from_logits: true } : c.loss, optimizer: { type: 'SGD', learning_rate: 0.1 }, metrics: c.metrics } });
      const [train, validation] = [randomSplit(40, 10, units, c.loss, 2), randomSplit(21, 10, units, c.loss, 3)];
      const data = { train, validation, sources: [] } as never;
      const engines = (['kernel', 'tfjs'] as const).map((engine) => {
        const model = buildModel(resolved);
        const e = selectEngine({ engine, backendChoice: 'auto', backendName: 'cpu', threads: 1 }, resolved, train).create({ spec: resolved, model, optimizer: compileModel(model, resolved), data });
        return { model, e };
      });
      engines[1].model.setWeights(engines[0].model.getWeights());
      for (let s = 0; s < 3; s++) {
        const rows = Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i * 3) % 40);
        const [k, t] = [[...(await engines[0].e.trainBatch(rows, 0.1))], [...(await engines[1].e.trainBatch(rows, 0.1))]];
        // Precision and recall also carry their batch counts (engine.ts's ratioMetrics).
        assert.strictEqual(k.length, 1 + c.metrics.length + 2 * c.metrics.filter((m) => m === 'precision' || m === 'recall').length);
        assert.strictEqual(t.length, k.length);
        k.forEach((v, i) => assert.ok(Math.abs(v - t[i]) <= 1e-4 * Math.max(1, Math.abs(t[i])), `step ${s} ${i ? c.metrics[i - 1] : 'loss'}: kernel ${v}, tfjs ${t[i]}`));
      }
      const [kv, tv] = [await engines[0].e.evaluate(validation), await engines[1].e.evaluate(validation)];
      assert.deepStrictEqual(Object.keys(kv), Object.keys(tv));
      for (const key of Object.keys(tv)) assert.ok(Math.abs(kv[key] - tv[key]) <= 1e-4 * Math.max(1, Math.abs(tv[key])), `${key}: kernel ${kv[key]}, tfjs ${tv[key]}`);
      for (const { model, e } of engines) {
        e.dispose();
        model.dispose();
      }
    });
  }
});

describe("precision and recall, as Keras's metrics", () => {
  // Outputs against 0/1 labels: 0.5 itself is not positive; a nonzero label is.
  const out = { data: Float32Array.from([0.9, 0.5, 0.51, 0.2, 0.7, 0.1]), rows: 3, cols: 2, stride: 2 };
  const labels = [1, 1, 0, 0, 0.3, 1];
  const label = (r: number, j: number): number => labels[r * 2 + j];

  it('count true positives over predicted and actual positives, by hand', () => {
    // Predicted positive: 0.9, 0.51, 0.7. Actual positive: rows 0 (both), 2 (both). True positive: 0.9, 0.7.
    assert.deepStrictEqual(METRIC_MATH.precision.counts?.(out, label), [2, 3]);
    assert.deepStrictEqual(METRIC_MATH.recall.counts?.(out, label), [2, 4]);
    assert.strictEqual(METRIC_MATH.precision.batchMean(out, label), 2 / 3);
    const none = { ...out, data: new Float32Array(6) };
    assert.strictEqual(METRIC_MATH.precision.batchMean(none, label), 0, 'no predicted positives: 0, not NaN');
  });

  it('sum the counts over a split, not the batch ratios', () => {
    const split = new SplitMetric();
    split.add(METRIC_MATH.precision, { ...out, rows: 1 }, label); // 1 of 1
    split.add(METRIC_MATH.precision, { ...out, data: out.data.subarray(2), rows: 2 }, (r, j) => labels[(r + 1) * 2 + j]); // 1 of 2
    assert.strictEqual(split.value(), 2 / 3, 'the mean of the batch ratios would be 0.75');
  });
});
