import * as assert from 'assert';
import { LAYERS, NAMED, lookup, lookupLayer, spellings, suggest } from '../src/core/registry';
import { toSnakeCase } from '../src/core/registry/names';
import { didYouMean, editDistance } from '../src/core/didYouMean';

describe('registry', () => {
  it('accepts both Keras spellings of identifiers', () => {
    assert.strictEqual(lookup('initializer', 'lecun_normal')?.name, 'lecun_normal');
    assert.strictEqual(lookup('initializer', 'LecunNormal')?.name, 'lecun_normal');
    assert.strictEqual(lookup('initializer', 'HeNormal')?.name, 'he_normal');
    assert.strictEqual(lookup('optimizer', 'sgd')?.name, 'SGD');
    assert.strictEqual(lookup('optimizer', 'SGD')?.name, 'SGD');
    assert.strictEqual(lookup('loss', 'SparseCategoricalCrossentropy')?.name, 'sparse_categorical_crossentropy');
    assert.strictEqual(lookup('loss', 'mse')?.name, 'mean_squared_error');
    assert.strictEqual(lookup('metric', 'acc')?.name, 'accuracy');
    assert.strictEqual(lookup('activation', 'silu')?.name, 'swish');
  });

  it('rejects spellings Keras does not accept, and inherited object keys', () => {
    assert.strictEqual(lookup('initializer', 'Henormal'), undefined);
    assert.strictEqual(lookup('activation', 'RELU'), undefined);
    assert.strictEqual(lookup('activation', 'constructor'), undefined);
    assert.strictEqual(lookup('activation', '__proto__'), undefined);
    assert.strictEqual(lookupLayer('dense'), undefined);
    assert.strictEqual(lookupLayer('toString'), undefined);
  });

  it('has every v1 layer type, each with a doc and a Keras default name', () => {
    const want = ['Input', 'Flatten', 'Dense', 'Dropout', 'AlphaDropout', 'BatchNormalization', 'Activation', 'Reshape', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'LeakyReLU'];
    assert.deepStrictEqual(LAYERS.map((l) => l.name).sort(), want.sort());
    for (const l of LAYERS) {
      assert.ok(l.doc.length > 10, l.name);
      if (l.name !== 'Input') assert.strictEqual(l.defaultName, toSnakeCase(l.name), l.name);
    }
  });

  it('names default layers like Keras to_snake_case', () => {
    assert.strictEqual(toSnakeCase('Dense'), 'dense');
    assert.strictEqual(toSnakeCase('LeakyReLU'), 'leaky_re_lu');
    assert.strictEqual(toSnakeCase('Conv2D'), 'conv2d');
    assert.strictEqual(toSnakeCase('MaxPooling2D'), 'max_pooling2d');
    assert.strictEqual(toSnakeCase('BatchNormalization'), 'batch_normalization');
    assert.strictEqual(toSnakeCase('GlobalAveragePooling2D'), 'global_average_pooling2d');
  });

  it('gives every entry and argument a one-line doc and unique spellings', () => {
    for (const [kind, entries] of Object.entries(NAMED)) {
      const seen = new Set<string>();
      for (const e of entries) {
        assert.ok(e.doc && !e.doc.includes('\n'), `${kind} ${e.name}`);
        for (const a of e.args) assert.ok(a.doc, `${kind} ${e.name}.${a.name}`);
        for (const n of [e.name, ...e.aliases]) {
          assert.ok(!seen.has(n), `${kind} spelling ${n} twice`);
          seen.add(n);
        }
      }
    }
  });

  it('maps every activation to a TensorFlow.js activation', () => {
    const tfjs = ['elu', 'hardSigmoid', 'linear', 'relu', 'relu6', 'selu', 'sigmoid', 'softmax', 'softplus', 'softsign', 'tanh', 'swish', 'mish', 'gelu'];
    for (const a of NAMED.activation) assert.ok(tfjs.includes(a.tfjs as string), a.name);
  });

  it('suggests the closest known name', () => {
    assert.strictEqual(suggest('activation', 'rleu'), 'relu');
    assert.strictEqual(suggest('initializer', 'he_nromal'), 'he_normal');
    assert.strictEqual(suggest('initializer', 'HeNromal'), 'he_normal');
    assert.strictEqual(suggest('layer', 'Dens'), 'Dense');
    assert.strictEqual(suggest('layer', 'dense'), 'Dense');
    assert.strictEqual(suggest('optimizer', 'adma'), 'Adam');
    assert.strictEqual(suggest('activation', 'completely_different'), undefined);
    assert.ok(spellings('initializer').includes('GlorotUniform'));
  });

  it('measures edit distance', () => {
    assert.strictEqual(editDistance('kitten', 'sitting'), 3);
    assert.strictEqual(editDistance('', 'abc'), 3);
    assert.strictEqual(editDistance('rleu', 'relu'), 1);
    assert.strictEqual(didYouMean('unit', ['units', 'use_bias']), 'units');
  });
});
