import * as assert from 'assert';
import { resolveSpec } from '../src/core/resolve';
import { HealthDiagnoser, THRESHOLDS } from '../src/core/health/diagnose';
import type { HealthDiagnosis, HealthSample, LayerHealth } from '../src/core/health/types';

const spec = (dense: string, optimizer = '"sgd"'): string => `{
  "data": { "dataset": "mnist", "scale": 255 },
  "layer_defaults": { "Dense": ${dense} },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ${optimizer} }
}`;

const SIGMOID = spec('{ "activation": "sigmoid", "kernel_initializer": { "type": "random_normal", "stddev": 1 } }');
const RELU = spec('{ "activation": "relu", "kernel_initializer": "he_normal" }');
const NEGATIVE_BIAS = spec('{ "activation": "relu", "kernel_initializer": "he_normal", "bias_initializer": { "type": "constant", "value": -5 } }');

function diagnoser(text: string): HealthDiagnoser {
  const r = resolveSpec(text);
  assert.ok(r.ok);
  return new HealthDiagnoser({ spec: r.spec, specText: text });
}

/** A healthy layer's statistics, with `over` replacing some. */
function layer(name: string, activation: string, over: Partial<LayerHealth> = {}): LayerHealth {
  return {
    name, type: 'Dense', activation, gradientNorm: 0.1, weightNorm: 10, updateRatio: 1e-3, activationMean: 0.3, activationStd: 0.5,
    saturation: activation === 'sigmoid' || activation === 'tanh' ? 0.01 : null, deadFraction: activation === 'relu' ? 0.05 : null,
    nonFinite: 0, histogram: [], ...over,
  };
}

let step = 0;
function sample(layers: LayerHealth[], over: Partial<HealthSample> = {}): HealthSample {
  step++;
  return { epoch: 0, step, globalStep: step, loss: 2, learningRate: 0.01, layers, ...over };
}

/** Adds the same sample `n` times; returns the last list. */
function feed(d: HealthDiagnoser, n: number, make: () => HealthSample): HealthDiagnosis[] {
  let list: HealthDiagnosis[] = [];
  for (let i = 0; i < n; i++) list = d.add(make());
  return list;
}

const brief = (list: HealthDiagnosis[]): string[] => list.map((d) => `${d.severity} ${d.code} ${d.layer ?? '-'} @${d.epoch}`);

const healthyRelu = (): HealthSample => sample([layer('dense', 'relu'), layer('dense_1', 'relu'), layer('dense_2', 'softmax')]);

describe('health diagnoses from samples', () => {
  it('a healthy ReLU stack gets none, however long it trains', () => {
    assert.deepStrictEqual(feed(diagnoser(RELU), 50, healthyRelu), []);
  });

  it('saturated sigmoids: vanishing gradients in the lowest layer and saturation, after a few samples, with the notebook\'s fixes', () => {
    const d = diagnoser(SIGMOID);
    const saturated = (): HealthSample => sample([
      layer('dense', 'sigmoid', { gradientNorm: 1e-5, weightNorm: 280, saturation: 0.8 }),
      layer('dense_1', 'sigmoid', { gradientNorm: 1e-3, weightNorm: 100, saturation: 0.7 }),
      layer('dense_2', 'softmax', { gradientNorm: 2, weightNorm: 30 }),
    ]);
    assert.deepStrictEqual(feed(d, THRESHOLDS.persist - 1, saturated), [], 'one or two samples can be noise');
    const list = d.add(saturated());
    assert.deepStrictEqual(brief(list), ['warning saturation dense @1', 'warning saturation dense_1 @1', 'warning vanishing-gradients dense @1']);
    const vanishing = list.find((x) => x.code === 'vanishing-gradients')!;
    assert.match(vanishing.message, /^Vanishing gradients: dense's gradient, relative to its weights, is 5.4e-7 of the output layer's .* the lower layers are left untrained\. The sigmoid layers are saturated \(80% of outputs/);
    assert.strictEqual(vanishing.fix?.title, 'Use relu with he_normal for dense and dense_1');
    assert.deepStrictEqual(vanishing.fix?.edits, [
      { path: ['layer_defaults', 'Dense', 'activation'], value: 'relu' },
      { path: ['layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
      { path: ['layers', 3, 'kernel_initializer'], value: 'glorot_uniform' },
    ]);
    const saturation = list[0];
    assert.match(saturation.message, /80% of dense's sigmoid outputs are near 0 or 1.*random_normal \(stddev 1\)/);
    assert.strictEqual(saturation.fix?.title, 'Use glorot_uniform for dense and dense_1');
    // The same list, not growing, as the samples go on.
    assert.deepStrictEqual(brief(feed(d, 10, saturated)), brief(list));
  });

  it('a condition must hold in consecutive samples', () => {
    const d = diagnoser(SIGMOID);
    const on = (): HealthSample => sample([layer('dense', 'sigmoid', { saturation: 0.9 }), layer('dense_1', 'sigmoid'), layer('dense_2', 'softmax')]);
    const off = (): HealthSample => sample([layer('dense', 'sigmoid'), layer('dense_1', 'sigmoid'), layer('dense_2', 'softmax')]);
    for (let i = 0; i < 5; i++) {
      feed(d, THRESHOLDS.persist - 1, on);
      assert.deepStrictEqual(d.add(off()), []);
    }
  });

  it('dying ReLUs from negative biases: dead units (which explain the vanishing gradients), fixed by zero biases', () => {
    const d = diagnoser(NEGATIVE_BIAS);
    const dead = (): HealthSample => sample([
      layer('dense', 'relu', { deadFraction: 1, gradientNorm: 0, updateRatio: 0 }),
      layer('dense_1', 'relu', { deadFraction: 1, gradientNorm: 0, updateRatio: 0 }),
      layer('dense_2', 'softmax', { gradientNorm: 0, updateRatio: 0 }),
    ], { epoch: 1 });
    const list = feed(d, THRESHOLDS.persist, dead);
    assert.deepStrictEqual(brief(list), ['warning dead-units dense @2', 'warning dead-units dense_1 @2']);
    assert.match(list[0].message, /^Dying ReLUs: 100% of dense's units output 0 for every example of the batch.*Its biases start at -5/);
    assert.deepStrictEqual(list[0].fix, { title: 'Start the biases of dense, dense_1 and dense_2 at zero', edits: [{ path: ['layer_defaults', 'Dense', 'bias_initializer'], value: 'zeros' }] });
  });

  it('a hint becomes a warning and keeps the epoch it was first seen', () => {
    const d = diagnoser(RELU);
    const some = (epoch: number, f: number) => (): HealthSample => sample([layer('dense', 'relu', { deadFraction: f }), layer('dense_1', 'relu'), layer('dense_2', 'softmax')], { epoch });
    assert.deepStrictEqual(brief(feed(d, THRESHOLDS.persist, some(0, 0.4))), ['info dead-units dense @1']);
    assert.deepStrictEqual(brief(feed(d, THRESHOLDS.persist, some(3, 0.9))), ['warning dead-units dense @1']);
    // He initialization is already there: the fix switches to elu, which does not die.
    assert.strictEqual(d.diagnoses[0].fix?.title, 'Use elu with he_normal for dense');
  });

  it('NaN: exploding gradients at once, at the first layer that went non-finite; nothing after', () => {
    const d = diagnoser(spec('{ "activation": "relu", "kernel_initializer": { "type": "random_normal", "stddev": 5 } }', '{ "type": "SGD", "learning_rate": 0.5 }'));
    feed(d, 2, healthyRelu);
    const list = d.add(sample([layer('dense', 'relu'), layer('dense_1', 'relu', { nonFinite: 3 }), layer('dense_2', 'softmax', { nonFinite: 10 })], { step: 7, loss: NaN }));
    assert.deepStrictEqual(brief(list), ['warning exploding-gradients dense_1 @1']);
    assert.match(list[0].message, /dense_1's outputs or gradients became NaN or infinite at epoch 1, step 7 \(the first layer to\)/);
    assert.deepStrictEqual(list[0].fix?.edits, [
      { path: ['layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
      { path: ['layers', 3, 'kernel_initializer'], value: 'glorot_uniform' },
      { path: ['compile', 'optimizer', 'learning_rate'], value: 0.05 },
    ]);
    assert.deepStrictEqual(brief(feed(d, 20, () => sample([layer('dense', 'relu', { deadFraction: 1 }), layer('dense_1', 'relu'), layer('dense_2', 'softmax')]))), brief(list));
    // Every layer at once, or only the loss (JSON writes NaN as null).
    const all = diagnoser(RELU).add(sample(['dense', 'dense_1', 'dense_2'].map((n) => layer(n, 'relu', { nonFinite: 1 }))));
    assert.match(all[0].message, /every layer's outputs or gradients became NaN or infinite at epoch 1/);
    const loss = diagnoser(RELU).add(sample([layer('dense', 'relu')], { loss: null as unknown as number }));
    assert.deepStrictEqual([loss[0].layer, loss[0].message.slice(0, 63)], [null, 'Exploding gradients: the loss became NaN or infinite at epoch 1']);
  });

  it('gradients growing by orders of magnitude, or steps as large as the weights: exploding', () => {
    let d = diagnoser(RELU);
    let g = 0.1;
    const growing = (): HealthSample => sample([layer('dense', 'relu', { gradientNorm: (g *= 30) }), layer('dense_1', 'relu'), layer('dense_2', 'softmax')]);
    const list = feed(d, 5, growing);
    assert.deepStrictEqual(brief(list), ['warning exploding-gradients dense @1']);
    assert.match(list[0].message, /dense's gradient norm grew from 3 to 2.4e6 \(8.1e5×\)/);
    assert.strictEqual(list[0].fix?.title, 'Lower the learning rate from 0.01 to 0.001');
    d = diagnoser(RELU);
    assert.deepStrictEqual(brief(feed(d, 2, () => sample([layer('dense', 'relu', { updateRatio: 2 }), layer('dense_1', 'relu'), layer('dense_2', 'softmax')]))), ['warning exploding-gradients dense @1']);
  });

  it('a signal multiplied at every layer: exploding, with the frozen softmax explained', () => {
    const d = diagnoser(spec('{ "activation": "relu", "kernel_initializer": { "type": "random_normal", "stddev": 1 } }'));
    const blown = (): HealthSample => sample([
      layer('dense', 'relu', { activationMean: 3.6, activationStd: 5.4, gradientNorm: 0, updateRatio: 0 }),
      layer('dense_1', 'relu', { activationMean: 50, activationStd: 72, gradientNorm: 0, updateRatio: 0 }),
      layer('dense_2', 'softmax', { activationMean: 0.1, activationStd: 0.3, gradientNorm: 0, updateRatio: 0 }),
    ], { loss: 13.6 });
    const list = feed(d, 2, blown);
    // No learning-rate hint for updates of exactly zero: there is no gradient, not a slow rate.
    assert.deepStrictEqual(brief(list), ['warning exploding-gradients dense @1']);
    assert.match(list[0].message, /^Exploding signal: the outputs grow layer by layer, from std 5.4 in dense to 72 in dense_1 \(13.5× the RMS\), because the weights start far too large \(random_normal \(stddev 1\)\)\. The softmax saturates and the clipped loss \(13.6\) passes no gradient at all/);
    assert.strictEqual(list[0].fix?.title, 'Use he_normal and glorot_uniform instead of random_normal (stddev 1) for dense, dense_1 and dense_2');
  });

  it('the learning rate: too high over many samples (a warning), too low (a hint)', () => {
    let d = diagnoser(RELU);
    const fast = (): HealthSample => sample([layer('dense', 'relu', { updateRatio: 0.05 }), layer('dense_1', 'relu', { updateRatio: 0.08 }), layer('dense_2', 'softmax', { updateRatio: 0.1 })], { learningRate: 0.5 });
    assert.deepStrictEqual(feed(d, THRESHOLDS.persistLearningRate - 1, fast), []);
    const list = d.add(fast());
    assert.deepStrictEqual(brief(list), ['warning learning-rate-high - @1']);
    assert.match(list[0].message, /^The learning rate 0.5 is too high: a step changes the weights by 8% of their norm/);
    d = diagnoser(RELU);
    const slow = (): HealthSample => sample([layer('dense', 'relu', { updateRatio: 1e-7 }), layer('dense_1', 'relu', { updateRatio: 2e-6 }), layer('dense_2', 'softmax', { updateRatio: 3e-6 })]);
    const low = feed(d, THRESHOLDS.persistLearningRate, slow);
    assert.deepStrictEqual(brief(low), ['info learning-rate-low - @1']);
    assert.deepStrictEqual(low[0].fix?.edits, [{ path: ['compile', 'optimizer'], value: { type: 'SGD', learning_rate: 0.1 } }]);
  });

  it('the first batch\'s loss against ln(classes)', () => {
    const first = (loss: number) => sample([layer('dense', 'relu'), layer('dense_1', 'relu'), layer('dense_2', 'softmax')], { loss, initialLoss: { loss, expected: Math.log(10) } });
    let list = diagnoser(SIGMOID).add(first(48));
    assert.deepStrictEqual(brief(list), ['warning initial-loss - @1']);
    assert.match(list[0].message, /^The first batch's loss is 48, 20.8 times ln\(10\) = 2.3 \(the loss of guessing every class equally\): the initial outputs are confidently wrong\. dense, dense_1 and dense_2 start with large random weights\./);
    assert.strictEqual(list[0].fix?.title, 'Use glorot_uniform instead of random_normal (stddev 1) for dense, dense_1 and dense_2');
    assert.deepStrictEqual(brief(diagnoser(RELU).add(first(4))), ['info initial-loss - @1']);
    assert.deepStrictEqual(diagnoser(RELU).add(first(2.4)), []);
    list = diagnoser(RELU.replace(', "scale": 255', '')).add(first(30));
    assert.deepStrictEqual(list[0].fix, { title: 'Scale the pixels to 0..1 (data.scale 255)', edits: [{ path: ['data', 'scale'], value: 255 }] });
    assert.match(diagnoser(RELU).add(first(0.1)).map((x) => x.message).join(), /suspiciously low/);
  });

  it('does not fail on samples that do not match the spec (unknown layers, missing statistics)', () => {
    const d = diagnoser(RELU);
    const odd = (): HealthSample => sample([
      layer('nope', 'relu', { deadFraction: 1, gradientNorm: null, weightNorm: null, updateRatio: null }),
      layer('dense_2', 'sigmoid', { saturation: 1, gradientNorm: 0, weightNorm: 0 }),
    ]);
    assert.deepStrictEqual(brief(feed(d, 5, odd)), ['warning dead-units nope @1']);
    assert.deepStrictEqual(d.add(sample([])), d.diagnoses);
  });
});
