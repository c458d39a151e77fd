import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { summaryText, summaryJson } from '../src/core/summary';
import { example } from './helpers';

function resolved(layers: string, extra = ''): ResolvedSpec {
  const text = `{ "layers": [${layers}], "compile": { "loss": "sparse_categorical_crossentropy" }${extra} }`;
  const r = resolveSpec(text);
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('\n'));
  return r.spec;
}

const rows = (s: ResolvedSpec) => s.layers.filter((l) => l.inSummary).map((l) => [l.name, JSON.stringify(l.outputShape), l.params.trainable + l.params.nonTrainable]);

describe('shapes and parameter counts (Keras numbers)', () => {
  it('MLP 784-300-200-100-10 = 316,810', () => {
    const s = resolved(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300 }, { "type": "Dense", "units": 200 }, { "type": "Dense", "units": 100 }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    assert.deepStrictEqual(rows(s), [
      ['flatten', '[null,784]', 0], ['dense', '[null,300]', 235500], ['dense_1', '[null,200]', 60200], ['dense_2', '[null,100]', 20100], ['dense_3', '[null,10]', 1010],
    ]);
    assert.strictEqual(s.totalParams, 316810);
  });

  it('MLP 784-512-512-10 = 669,706', () => {
    const s = resolved(`{ "type": "Input", "shape": [784] }, { "type": "Dense", "units": 512 }, { "type": "Dropout", "rate": 0.2 }, { "type": "Dense", "units": 512 }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    assert.strictEqual(s.totalParams, 669706);
    assert.deepStrictEqual(rows(s).map((r) => r[2]), [401920, 0, 262656, 5130]);
  });

  it('the Keras MNIST convnet = 34,826', () => {
    const s = resolved(`{ "type": "Input", "shape": [28, 28, 1] },
      { "type": "Conv2D", "filters": 32, "kernel_size": [3, 3], "activation": "relu" },
      { "type": "MaxPooling2D", "pool_size": [2, 2] },
      { "type": "Conv2D", "filters": 64, "kernel_size": 3, "activation": "relu" },
      { "type": "MaxPooling2D" },
      { "type": "Flatten" }, { "type": "Dropout", "rate": 0.5 },
      { "type": "Dense", "units": 10, "activation": "softmax" }`);
    assert.deepStrictEqual(rows(s), [
      ['conv2d', '[null,26,26,32]', 320], ['max_pooling2d', '[null,13,13,32]', 0], ['conv2d_1', '[null,11,11,64]', 18496],
      ['max_pooling2d_1', '[null,5,5,64]', 0], ['flatten', '[null,1600]', 0], ['dropout', '[null,1600]', 0], ['dense', '[null,10]', 16010],
    ]);
    assert.strictEqual(s.totalParams, 34826);
  });

  it('same padding, strides, average and global pooling', () => {
    const s = resolved(`{ "type": "Reshape", "input_shape": [784], "target_shape": [28, 28, -1] },
      { "type": "Conv2D", "filters": 16, "kernel_size": 5, "strides": 2, "padding": "same" },
      { "type": "AveragePooling2D", "pool_size": 3, "strides": 2 },
      { "type": "GlobalAveragePooling2D" }, { "type": "LeakyReLU" }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    assert.deepStrictEqual(rows(s).map((r) => r[1]), ['[null,28,28,1]', '[null,14,14,16]', '[null,6,6,16]', '[null,16]', '[null,16]', '[null,10]']);
    assert.strictEqual(s.layers[1].params.trainable, 5 * 5 * 1 * 16 + 16);
  });

  it('BatchNormalization counts its moving statistics as non-trainable', () => {
    const s = resolved(`{ "type": "Dense", "input_shape": [784], "units": 64 }, { "type": "BatchNormalization" }, { "type": "Activation", "activation": "relu" }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    assert.deepStrictEqual(rows(s).map((r) => r[2]), [50240, 256, 0, 650]);
    assert.strictEqual(s.totalParams, 51146);
    assert.strictEqual(s.trainableParams, 51146 - 128);
    assert.strictEqual(s.nonTrainableParams, 128);
  });

  it('trainable: false moves a layer\'s weights to non-trainable', () => {
    const s = resolved(`{ "type": "Dense", "input_shape": [4], "units": 3, "trainable": false }, { "type": "Dense", "units": 2, "activation": "softmax" }`);
    assert.strictEqual(s.nonTrainableParams, 15);
    assert.strictEqual(s.trainableParams, 8);
  });

  it('explains parameter arithmetic for hovers', () => {
    const m = analyze(example('mnist-initializers.model.json')).model;
    assert.strictEqual(m.layers[1].params?.formula, '784 × 300 + 300 = 235,500');
  });
});

describe('Keras summary', () => {
  it('prints the notebook\'s table', () => {
    const r = resolveSpec(example('mnist-initializers.model.json'), 'glorot_normal');
    assert.ok(r.ok);
    const expected = [
      'Model: "sequential"',
      '_________________________________________________________________',
      'Layer (type)                 Output Shape              Param #   ',
      '=================================================================',
      'input_layer (Flatten)        (None, 784)               0         ',
      '_________________________________________________________________',
      'dense (Dense)                (None, 300)               235500    ',
      '_________________________________________________________________',
      'dense_1 (Dense)              (None, 200)               60200     ',
      '_________________________________________________________________',
      'dense_2 (Dense)              (None, 100)               20100     ',
      '_________________________________________________________________',
      'dense_3 (Dense)              (None, 10)                1010      ',
      '=================================================================',
      'Total params: 316,810',
      'Trainable params: 316,810',
      'Non-trainable params: 0',
      '_________________________________________________________________',
      '',
    ].join('\n');
    assert.strictEqual(summaryText(r.spec), expected);
  });

  it('names the model and leaves Input out, as Keras does', () => {
    const s = resolved(`{ "type": "Input", "shape": [3] }, { "type": "Dense", "units": 2, "activation": "softmax" }`, ', "name": "tiny"');
    const text = summaryText(s, s.name);
    assert.ok(text.startsWith('Model: "tiny"\n'));
    assert.ok(!text.includes('Input'));
    assert.deepStrictEqual(summaryJson(s), {
      name: 'tiny', layers: [{ name: 'dense', type: 'Dense', outputShape: [null, 2], params: 8, trainableParams: 8 }],
      totalParams: 8, trainableParams: 8, nonTrainableParams: 0,
    });
  });
});
