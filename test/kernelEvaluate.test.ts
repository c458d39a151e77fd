import * as assert from 'assert';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { selectEngine, SplitEvaluator } from '../src/trainer/engines';
import { denseSpec, randomSplit } from './kernelCompare';
import { classify, Classifier } from '../src/trainer/classification';

const HIDDEN = { type: 'Dense', units: 9, activation: 'relu', kernel_regularizer: { type: 'l2', l2: 0.01 } };

/** Output layers for each loss the kernel trains. */
const OUTPUTS: Record<string, object> = {
  sparse_categorical_crossentropy: { type: 'Dense', units: 4, activation: 'softmax' },
  categorical_crossentropy: { type: 'Dense', units: 4, activation: 'softmax' },
  binary_crossentropy: { type: 'Dense', units: 3, activation: 'sigmoid', bias_regularizer: { type: 'l1', l1: 0.02 } },
  mean_squared_error: { type: 'Dense', units: 2, activation: 'tanh' },
};

describe('evaluation in the fused kernel', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  for (const [loss, out] of Object.entries(OUTPUTS)) {
    it(`gives the loss (penalty included) and accuracy TensorFlow.js gives, in inference mode: ${loss}`, async () => {
      // Dropout must be off in evaluation; 21 rows at batch 8 leave a short last batch.
      const spec = denseSpec(12, [HIDDEN, { type: 'Dropout', rate: 0.5 }, out], loss, { type: 'SGD', learning_rate: 0.2 });
      const units = (out as { units: number }).units;
      const train = randomSplit(40, 12, units, loss, 3);
      const validation = randomSplit(21, 12, units, loss, 4);
      const model = buildModel(spec);
      const optimizer = compileModel(model, spec);
      const engine = selectEngine({ engine: 'kernel', backendChoice: 'auto', backendName: 'cpu', threads: 1 }, spec, train)
        .create({ spec, model, optimizer, data: { train, validation, sources: [] } as never });
      for (let s = 0; s < 4; s++) engine.trainBatch(Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i * 3) % 40), 0.2);
      const untouched = Array.from(model.getWeights()[0].dataSync());
      const got = await engine.evaluate(validation);
      assert.deepStrictEqual(Array.from(model.getWeights()[0].dataSync()), untouched, 'evaluating leaves the TensorFlow.js model alone');
      const again = await engine.evaluate(validation);
      assert.deepStrictEqual(again, got, 'inference mode: no dropout draws, the same numbers twice');
      engine.storeWeights();
      const reference = new SplitEvaluator(model, spec);
      const want = await reference.evaluate(validation);
      reference.dispose();
      assert.deepStrictEqual(Object.keys(got), Object.keys(want));
      assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.max(1, Math.abs(want.loss)), `loss ${got.loss} vs tfjs ${want.loss}`);
      assert.ok(Math.abs(got.accuracy - want.accuracy) <= 1e-6, `accuracy ${got.accuracy} vs tfjs ${want.accuracy}`);
      engine.dispose();
      model.dispose();
    });
  }

  it('evaluates a convnet (the convolutional front in inference mode, BatchNormalization on its moving statistics) as TensorFlow.js does, penalty and metrics included', async () => {
    const layers = [
      { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', kernel_regularizer: { type: 'l2', l2: 0.01 } }, { type: 'BatchNormalization' }, { type: 'MaxPooling2D' },
      { type: 'Dropout', rate: 0.3 }, { type: 'Flatten' }, { type: 'Dense', units: 6 }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ];
    const spec = denseSpec([8, 8, 1], layers, 'sparse_categorical_crossentropy', { type: 'Adam', learning_rate: 0.01 }, {
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'Adam', learning_rate: 0.01 }, metrics: ['accuracy', 'sparse_categorical_crossentropy'] },
    });
    const [train, validation] = [randomSplit(32, 64, 3, 'sparse_categorical_crossentropy', 5), randomSplit(19, 64, 3, 'sparse_categorical_crossentropy', 6)];
    for (const s of [train, validation]) (s as { exampleShape: number[] }).exampleShape = [8, 8, 1];
    const model = buildModel(spec);
    const engine = selectEngine({ engine: 'kernel', backendChoice: 'auto', backendName: 'cpu', threads: 1 }, spec, train)
      .create({ spec, model, optimizer: compileModel(model, spec), data: { train, validation, sources: [] } as never });
    for (let s = 0; s < 4; s++) engine.trainBatch(Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i) % 32), 0.01);
    const got = await engine.evaluate(validation);
    assert.deepStrictEqual(await engine.evaluate(validation), got, 'inference mode: no dropout draws, no statistics moved');
    engine.storeWeights();
    const reference = new SplitEvaluator(model, spec);
    const want = await reference.evaluate(validation);
    reference.dispose();
    for (const k of Object.keys(want)) assert.ok(Math.abs(got[k] - want[k]) <= 1e-4 * Math.max(1, Math.abs(want[k])), `${k}: kernel ${got[k]}, tfjs ${want[k]}`);
    engine.dispose();
    model.dispose();
  });

  for (const [name, out, loss, fromLogits] of [
    ['softmax', { type: 'Dense', units: 4, activation: 'softmax' }, 'sparse_categorical_crossentropy', false],
    ['logits', { type: 'Dense', units: 4 }, 'sparse_categorical_crossentropy', true],
    ['binary', { type: 'Dense', units: 1, activation: 'sigmoid' }, 'binary_crossentropy', false],
  ] as const) {
    it(`builds the classification report from the kernel's own outputs, as TensorFlow.js's predict gives it (${name})`, async () => {
      const spec = denseSpec(12, [HIDDEN, out], loss, { type: 'SGD', learning_rate: 0.2 }, {
        compile: { loss: { type: loss, from_logits: fromLogits }, optimizer: { type: 'SGD', learning_rate: 0.2 }, metrics: ['accuracy'] },
      });
      const units = out.units;
      const [train, test] = [randomSplit(40, 12, units, loss, 3), randomSplit(37, 12, units, loss, 4)];
      const model = buildModel(spec);
      const engine = selectEngine({ engine: 'kernel', backendChoice: 'auto', backendName: 'cpu', threads: 1 }, spec, train)
        .create({ spec, model, optimizer: compileModel(model, spec), data: { train, validation: test, sources: [] } as never });
      for (let s = 0; s < 4; s++) engine.trainBatch(Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i * 3) % 40), 0.2);
      const classifier = Classifier.for(spec, test);
      assert.ok(classifier);
      await engine.evaluate(test, (o, first) => classifier.add(o, first));
      const got = classifier.result();
      engine.storeWeights();
      const want = classify(model, test, spec);
      assert.ok(want);
      assert.deepStrictEqual(got.matrix, want.matrix);
      assert.strictEqual(got.matrix.flat().reduce((a, b) => a + b, 0), 37);
      assert.deepStrictEqual(got.misclassified.map((m) => [m.index, m.label, m.predicted]), want.misclassified.map((m) => [m.index, m.label, m.predicted]));
      got.misclassified.forEach((m, i) => assert.ok(Math.abs(m.confidence - want.misclassified[i].confidence) < 1e-5, `confidence ${m.confidence} vs ${want.misclassified[i].confidence}`));
      engine.dispose();
      model.dispose();
    });
  }

  it('reports the regularizers\' penalty in the evaluated loss, as Keras does', async () => {
    const plain = denseSpec(12, [{ ...HIDDEN, kernel_regularizer: null }, OUTPUTS.sparse_categorical_crossentropy], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.2 });
    const heavy = denseSpec(12, [{ ...HIDDEN, kernel_regularizer: { type: 'l2', l2: 1 } }, OUTPUTS.sparse_categorical_crossentropy], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.2 });
    const split = randomSplit(16, 12, 4, 'sparse_categorical_crossentropy', 8);
    const losses = [plain, heavy].map(async (spec) => {
      const model = buildModel(spec);
      compileModel(model, spec);
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()).reduce((s, v) => s + v * v, 0));
      const evaluator = new SplitEvaluator(model, spec);
      const { loss } = await evaluator.evaluate(split);
      evaluator.dispose();
      model.dispose();
      return { loss, kernelSquares: weights[0] };
    });
    const [a, b] = await Promise.all(losses);
    // Same seed, same initial weights: the only difference is 1 * sum(w^2) of the first kernel.
    assert.ok(Math.abs(b.loss - a.loss - b.kernelSquares) < 1e-4 * b.kernelSquares, `${b.loss} - ${a.loss} vs ${b.kernelSquares}`);
  });
});
