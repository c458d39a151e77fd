import * as assert from 'assert';
import { analyze } from '../../src/core/analyze';
import { Code } from '../../src/core/diagnostics';
import { codeActions, type CodeAction } from '../../src/editor';
import { example, MLP, spec } from '../helpers';
import { applyEdits, cursor } from './cursor';

/** The fixes of `code` at the cursor, and the texts they produce. */
function fixes(src: string, code: Code): { action: CodeAction; fixed: string }[] {
  const { text, offset } = cursor(src);
  assert.ok(analyze(text).diagnostics.some((d) => d.code === code), `the spec has ${code}`);
  return codeActions(text, offset, 0).filter((a) => a.diagnosticCode === code).map((action) => ({ action, fixed: applyEdits(text, action.edits) }));
}

/** Applies the one fix of `code` at the cursor; asserts it is preferred and the problem is gone. */
function fixOnly(src: string, code: Code, preferred = true): string {
  const found = fixes(src, code);
  assert.strictEqual(found.length, 1, `one fix for ${code}: ${found.map((f) => f.action.title).join(', ')}`);
  const [{ action, fixed }] = found;
  assert.strictEqual(action.isPreferred ?? false, preferred, action.title);
  const left = analyze(fixed).diagnostics.filter((d) => d.code === code);
  assert.deepStrictEqual(left.map((d) => d.message), [], `after "${action.title}":\n${fixed}`);
  return fixed;
}

const LAYERS_300 = (dense: string, extra = ''): string => spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300, ${dense} }${extra},
    { "type": "Dense", "units": 10, "activation": "softmax" }`);

describe('editor: quick fixes', () => {
  it('"did you mean" replaces a name, keeping its quotes', () => {
    const fixed = fixOnly(LAYERS_300('"activation": "rl|eu"'), Code.UnknownName);
    assert.ok(fixed.includes('"units": 300, "activation": "relu" }'));
    assert.strictEqual(fixes(LAYERS_300('"activation": "rl|eu"'), Code.UnknownName)[0].action.title, 'Change to "relu"');
  });

  it('"did you mean" renames a key, a layer type, a layer_defaults type, an enum value, a monitor', () => {
    assert.ok(fixOnly(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "uni|t": 10, "activation": "softmax" }`), Code.UnknownKey).includes('{ "type": "Dense", "units": 10,'));
    assert.ok(fixOnly(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "De|ns", "units": 10, "activation": "softmax" }`), Code.UnknownLayerType).includes('{ "type": "Dense", "units": 10'));
    assert.ok(fixOnly(spec(MLP, '"layer_defaults": { "Den|s": { "activation": "relu" } }'), Code.UnknownLayerType).includes('"layer_defaults": { "Dense": {'));
    assert.ok(fixOnly(spec(`{ "type": "Input", "shape": [28, 28, 1] }, { "type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "sm|ae" }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.OutOfRange)
      .includes('"padding": "same"'));
    assert.ok(fixOnly(spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "monitor": "val_a|cc" }] }'), Code.UnknownMonitor, true).includes('"monitor": "val_accuracy"'));
  });

  it('a misspelt key without a close match gets no fix; a fix needs the cursor on the problem', () => {
    assert.deepStrictEqual(fixes(LAYERS_300('"zzzzzz|z": 1'), Code.UnknownKey), []);
    const { text } = cursor(LAYERS_300('"activation": "rleu"|'));
    const far = text.indexOf('"compile"');
    assert.deepStrictEqual(codeActions(text, far, 9), []);
  });

  it('adds a missing input_shape from the dataset, after the type', () => {
    const fixed = fixOnly(spec(`{ "type": "Flat|ten", "name": "in" }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.MissingInputShape);
    assert.ok(fixed.includes('{ "type": "Flatten", "input_shape": [28, 28], "name": "in" }'), fixed);
    // No dataset, no shape to infer: no fix.
    const text = cursor(spec(`{ "type": "Flat|ten" }, { "type": "Dense", "units": 10 }`)).text.replace('"dataset": "mnist", ', '');
    assert.deepStrictEqual(codeActions(text, text.indexOf('Flatten'), 0).filter((a) => a.diagnosticCode === Code.MissingInputShape), []);
  });

  it('sets the last layer\'s units to the number of classes', () => {
    const fixed = fixOnly(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 1|2, "activation": "softmax" }`), Code.OutputMismatch);
    assert.ok(fixed.includes('"units": 10, "activation": "softmax"'));
  });

  it('replaces a one-hot loss by the sparse one, also written as an object', () => {
    const fixed = fixOnly(spec(MLP, '', '"compile": { "loss": { "type": "categorical_cross|entropy", "from_logits": false } }'), Code.OutputMismatch);
    assert.ok(fixed.includes('"loss": { "type": "sparse_categorical_crossentropy", "from_logits": false }'));
  });

  it('pairs selu with lecun_normal: replaces the layer\'s initializer', () => {
    const fixed = fixOnly(LAYERS_300('"activation": "selu", "kernel_initializer": "he_nor|mal"'), Code.SeluInitializer);
    assert.ok(fixed.includes('"activation": "selu", "kernel_initializer": "lecun_normal" }'));
  });

  it('pairs selu with lecun_normal where selu is set (layer_defaults), once for all the layers it covers', () => {
    const src = spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 10, "activation": "softmax" }`, '"layer_defaults": {\n    "Dense": {\n      "activation": "se|lu"\n    }\n  }');
    const fixed = fixOnly(src, Code.SeluInitializer);
    assert.ok(fixed.includes('"Dense": {\n      "activation": "selu",\n      "kernel_initializer": "lecun_normal"\n    }'), fixed);
  });

  it('sets a variant\'s initializer inside the variant when the variant brings the problem', () => {
    const src = spec(MLP.replace(', "activation": "relu"', ''), '"variants": [{ "name": "v", "layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": "glorot_norm|al" } } }]');
    const fixed = fixOnly(src, Code.SeluInitializer);
    assert.ok(fixed.includes('"activation": "selu", "kernel_initializer": "lecun_normal" } } }]'));
    // The spec sets the initializer for every variant (the warning is on it); the variant that brings selu gets its own.
    const shared = spec(MLP.replace(', "activation": "relu"', ''), '"layer_defaults": { "Dense": { "kernel_initializer": "he_nor|mal" } }, "variants": [{ "name": "v", "layer_defaults": { "Dense": { "activation": "selu" } } }]');
    assert.ok(fixOnly(shared, Code.SeluInitializer).includes('"variants": [{ "name": "v", "layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": "lecun_normal" } } }]'));
  });

  it('uses softmax on the output layer itself when its activation comes from layer_defaults', () => {
    // The warning points at the activation the output layer gets: the layer_defaults entry.
    const src = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300 }, { "type": "Dense", "units": 10 }`, '"layer_defaults": { "Dense": { "activation": "re|lu" } }');
    const fixed = fixOnly(src, Code.OutputActivation);
    assert.ok(fixed.includes('{ "type": "Dense", "units": 10, "activation": "softmax" }'));
    assert.ok(fixed.includes('"layer_defaults": { "Dense": { "activation": "relu" } }'), 'the hidden layers keep relu');
  });

  it('softmax with binary_crossentropy: sigmoid, preferred unless the dataset has more than two classes', () => {
    const noData = (s: string): string => s.replace('"data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } },', '');
    const src = noData(spec(`{ "type": "Flatten", "input_shape": [2, 2] }, { "type": "Dense", "units": 1, "activation": "soft|max" }`, '', '"compile": { "loss": "binary_crossentropy" }'));
    assert.ok(fixOnly(src, Code.SoftmaxBinaryCrossentropy).includes('"activation": "sigmoid"'));
    const mnist = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "soft|max" }`, '', '"compile": { "loss": "binary_crossentropy" }');
    assert.strictEqual(fixes(mnist, Code.SoftmaxBinaryCrossentropy)[0].action.isPreferred, false);
  });

  it('glorot for He initialization with tanh; relu for every hidden sigmoid', () => {
    assert.ok(fixOnly(LAYERS_300('"activation": "tanh", "kernel_initializer": "he_uni|form"'), Code.HeInitializerSaturating).includes('"kernel_initializer": "glorot_uniform"'));
    const sigmoids = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 30, "activation": "sigm|oid" }, { "type": "Dense", "units": 30 }, { "type": "Dense", "units": 30, "activation": "sigmoid" }, { "type": "Dense", "units": 10, "activation": "softmax" }`,
      '"layer_defaults": { "Dense": { "activation": "sigmoid" } }');
    const fixed = fixOnly(sigmoids, Code.DeepSigmoid, false);
    assert.strictEqual(fixed.split('"relu"').length - 1, 3, 'both layers and the default');
  });

  it('removes an ignored input_shape, an alias that conflicts, a .h5 extension; unquotes a number', () => {
    assert.ok(fixOnly(LAYERS_300('"input_sh|ape": [300]'), Code.IgnoredInputShape).includes('{ "type": "Dense", "units": 300 }'));
    assert.ok(fixOnly(spec(`${MLP}, { "type": "LeakyReLU", "al|pha": 0.1, "negative_slope": 0.2 }`), Code.ConflictingKeys).includes('{ "type": "LeakyReLU", "negative_slope": 0.2 }'));
    assert.ok(fixOnly(spec(MLP, '"fit": { "callbacks": [{ "type": "ModelCheckpoint", "filepath": "best.|hdf5" }] }'), Code.KerasFileFormat).includes('"filepath": "best"'));
    assert.ok(fixOnly(LAYERS_300('"activation": "relu"').replace('"units": 300', '"units": "3|00"'), Code.WrongType).includes('"units": 300,'));
    assert.ok(fixOnly(LAYERS_300('"use_bias": "fal|se"'), Code.WrongType).includes('"use_bias": false }'));
    assert.deepStrictEqual(fixes(LAYERS_300('"activation": "relu"').replace('"units": 300', '"units": "thr|ee"'), Code.WrongType), []);
  });

  it('removes a property alone on its line with its line', () => {
    const src = spec(`{ "type": "Flatten", "input_shape": [28, 28] },
    {
      "type": "Dense",
      "input_sh|ape": [784],
      "units": 10
    }`);
    assert.ok(fixOnly(src, Code.IgnoredInputShape).includes('{\n      "type": "Dense",\n      "units": 10\n    }'));
  });

  it('a val_ monitor without validation data: add validation data, or monitor the training value', () => {
    const src = spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "monitor": "val_lo|ss" }] }').replace(', "validation": { "first": 5000 }', '');
    const found = fixes(src, Code.NoValidationData);
    assert.deepStrictEqual(found.map((f) => f.action.title), ['Add "validation": { "first": 5000 } to data', 'Monitor "loss" instead']);
    for (const f of found) assert.ok(!analyze(f.fixed).diagnostics.some((d) => d.code === Code.NoValidationData), f.action.title);
    assert.ok(found.every((f) => !f.action.isPreferred));
  });

  it('adds a Flatten before the output layer of an image model', () => {
    const src = spec(`
    { "type": "Input", "shape": [28, 28, 1] },
    { "type": "Conv2D", "filters": 8, "kernel_size": 3 },
    { "type": "De|nse", "units": 10, "activation": "softmax" }`).replace('"dataset": "mnist", ', '"dataset": "mnist", ');
    const fixed = fixOnly(src, Code.OutputMismatch);
    assert.ok(fixed.includes('{ "type": "Flatten" },\n    { "type": "Dense", "units": 10'), fixed);
  });

  it('fixes every problem of the example spec\'s variants in place, and attaches each fix to its diagnostic', () => {
    const text = example('mnist-initializers.model.json').replace('"kernel_initializer": "LecunNormal"', '"kernel_initializer": "LecunNormall"');
    const at = text.indexOf('LecunNormall');
    const [action] = codeActions(text, at, 3);
    assert.strictEqual(action.diagnosticCode, Code.UnknownName);
    assert.deepStrictEqual(action.diagnosticRange, { offset: at - 1, length: 'LecunNormall'.length + 2 });
    assert.strictEqual(action.title, 'Change to "lecun_normal"');
    assert.deepStrictEqual(analyze(applyEdits(text, action.edits)).diagnostics, []);
  });
});
