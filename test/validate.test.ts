import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { Code } from '../src/core/diagnostics';
import { expectDiagnostic as expectAt, spec, MLP, codes } from './helpers';

const tested = new Set<Code>();
function expectDiagnostic(src: string, code: Code, matches?: string | RegExp) {
  tested.add(code);
  return expectAt(src, code, matches);
}

describe('validation: diagnostics with codes and exact ranges', () => {
  it('reports syntax errors and still checks what parsed', () => {
    expectDiagnostic('{ "name": "a" ⟦"seed"⟧: 1, "layers": [], "compile": {"loss": "mse"} }', Code.SyntaxError, 'comma');
    assert.ok(codes('{ "layers": [ { "type": "Dens" } ], "compile": {"loss": "mse"} ').includes(Code.UnknownLayerType));
  });

  it('accepts comments and trailing commas (JSONC)', () => {
    const text = spec(MLP + ',', '"fit": { "epochs": 2, }, // trailing\n');
    assert.deepStrictEqual(analyze(text).diagnostics, []);
  });

  it('requires an object at the root', () => {
    expectDiagnostic('⟦[1, 2]⟧', Code.InvalidRoot);
    expectDiagnostic('⟦"x"⟧', Code.InvalidRoot);
  });

  it('reports unknown keys with "did you mean"', () => {
    const d = expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", ⟦"unit"⟧: 10, "activation": "softmax" }`), Code.UnknownKey, 'Did you mean "units"?');
    assert.strictEqual(d.suggestion, 'units');
    expectDiagnostic(spec(MLP, '⟦"fitt"⟧: {}'), Code.UnknownKey, 'Did you mean "fit"?');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, ⟦"kernel_size"⟧: 3 }`), Code.UnknownKey, 'argument of Conv2D');
  });

  it('reports missing keys where they belong', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": ⟦"Dense"⟧, "activation": "softmax" }`), Code.MissingKey, 'needs "units"');
    expectDiagnostic('⟦{⟧ "layers": [ { "type": "Dense", "units": 1, "input_shape": [3] } ] }', Code.MissingKey, 'missing "compile"');
  });

  it('reports duplicate keys', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, ⟦"units"⟧: 10 }`), Code.DuplicateKey);
  });

  it('reports wrong types and ranges', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦"10"⟧ }`), Code.WrongType, 'Write 10 without quotes');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦0⟧ }`), Code.OutOfRange, 'positive integer');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦2.5⟧ }`), Code.WrongType, 'positive integer');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, ⟦0⟧] }, { "type": "Dense", "units": 10 }`), Code.OutOfRange);
    expectDiagnostic(spec(MLP, '"fit": { "epochs": 3, "shuffle": ⟦"yes"⟧ }'), Code.WrongType, 'true or false');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dropout", "rate": ⟦1⟧ }, { "type": "Dense", "units": 10 }`), Code.OutOfRange, '< 1');
    expectDiagnostic(spec(MLP).replace('"scale": 255', '"scale": ⟦-1⟧'), Code.OutOfRange, '> 0');
  });

  it('reports unknown names with a suggestion', () => {
    const d = expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": ⟦"rleu"⟧ }`), Code.UnknownName, 'Did you mean "relu"?');
    assert.strictEqual(d.suggestion, 'relu');
    expectDiagnostic(spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ⟦"adma"⟧ }'), Code.UnknownName, 'Did you mean "Adam"?');
    expectDiagnostic(spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", ⟦"lr"⟧: 0.1 } }'), Code.UnknownKey);
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "kernel_initializer": { "type": ⟦"he_nromal"⟧ } }`), Code.UnknownName, 'he_normal');
  });

  it('reports unknown layer types with a suggestion', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": ⟦"Dens"⟧, "units": 10 }`), Code.UnknownLayerType, 'Did you mean "Dense"?');
    expectDiagnostic(spec(MLP, '"layer_defaults": { ⟦"dense"⟧: { "activation": "relu" } }'), Code.UnknownLayerType, 'Dense');
  });

  it('reports conflicting keys', () => {
    expectDiagnostic(spec(MLP).replace('"dataset": "mnist",', '"dataset": "mnist", ⟦"npz"⟧: "x.npz",'), Code.ConflictingKeys, 'only one training source');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "LeakyReLU", "negative_slope": 0.1, ⟦"alpha"⟧: 0.2 }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ConflictingKeys);
  });

  it('reports duplicate layer names', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28], "name": "a" }, { "type": "Dense", "units": 10, "activation": "softmax", "name": ⟦"a"⟧ }`), Code.DuplicateName, 'unique');
    // A default name taken by an explicit one clashes too, as in Keras.
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28], "name": "dense" }, { "type": ⟦"Dense"⟧, "units": 10, "activation": "softmax" }`), Code.DuplicateName);
  });

  it('requires an input shape on the first layer', () => {
    const d = expectDiagnostic(spec(`{ "type": ⟦"Dense"⟧, "units": 10, "activation": "softmax" }`), Code.MissingInputShape, '[28, 28]');
    assert.strictEqual(d.suggestion, '[28, 28]');
    // An Input layer gives the shape instead.
    assert.deepStrictEqual(codes(spec(`{ "type": "Input", "shape": [28, 28] }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`)), []);
  });

  it('warns about input_shape after the first layer', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax", ⟦"input_shape"⟧: [784] }`), Code.IgnoredInputShape);
  });

  it('finds shape errors by inferring shapes', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": ⟦"Conv2D"⟧, "filters": 8, "kernel_size": 3 }, { "type": "Dense", "units": 10 }`), Code.ShapeError, 'Put it before Flatten');
    expectDiagnostic(spec(`{ "type": "Reshape", "input_shape": [28, 28], "target_shape": [28, 28, 1] }, { "type": "Conv2D", "filters": 8, "kernel_size": ⟦40⟧ }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ShapeError, 'does not fit');
    expectDiagnostic(spec(`{ "type": "Reshape", "input_shape": [28, 28], "target_shape": ⟦[5, 5]⟧ }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ShapeError, 'sizes must match');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax" }, { "type": ⟦"Input"⟧, "shape": [3] }`), Code.ShapeError, 'first layer');
  });

  it('checks the input shape against the dataset', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": ⟦[784, 2]⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.InputShapeMismatch, 'Use [28, 28]');
    // Same number of values is fine: the trainer reshapes.
    assert.deepStrictEqual(codes(spec(`{ "type": "Dense", "input_shape": [784], "units": 10, "activation": "softmax" }`)), []);
  });

  it('checks the last layer against the labels and the loss', () => {
    const d = expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦12⟧, "activation": "softmax" }`), Code.OutputMismatch, 'mnist has 10 classes');
    assert.strictEqual(d.suggestion, '10');
    expectDiagnostic(spec(`{ "type": "Reshape", "input_shape": [28, 28], "target_shape": [28, 28, 1] }, { "type": ⟦"Dense"⟧, "units": 10, "activation": "softmax" }`), Code.OutputMismatch, 'Flatten');
    expectDiagnostic(spec(MLP, '', '"compile": { "loss": ⟦"categorical_crossentropy"⟧ }'), Code.OutputMismatch, 'sparse_categorical_crossentropy');
    expectDiagnostic(spec(MLP, '', '"compile": { "loss": ⟦"binary_crossentropy"⟧ }'), Code.OutputMismatch, '10 classes');
  });

  it('warns when the output activation does not fit the loss', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": ⟦"relu"⟧ }`), Code.OutputActivation, 'softmax');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": ⟦"softmax"⟧ }`, '', '"compile": { "loss": { "type": "sparse_categorical_crossentropy", "from_logits": true } }'), Code.OutputActivation, 'twice');
    assert.deepStrictEqual(codes(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10 }`, '', '"compile": { "loss": { "type": "SparseCategoricalCrossentropy", "from_logits": true } }')), []);
  });

  it('warns about softmax with binary cross-entropy', () => {
    expectDiagnostic(`{ "layers": [ { "type": "Dense", "input_shape": [4], "units": 1, "activation": ⟦"softmax"⟧ } ], "compile": { "loss": "binary_crossentropy" } }`, Code.SoftmaxBinaryCrossentropy, 'sigmoid');
  });

  it('rejects models too large to train before anything allocates', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦1000000000⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ModelTooLarge, 'reduce its "units"');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦1e15⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ModelTooLarge);
  });

  it('checks what callbacks monitor', () => {
    const d = expectDiagnostic(spec(MLP, '"fit": { "callbacks": [ { "type": "EarlyStopping", "monitor": ⟦"val_acc"⟧ } ] }'), Code.UnknownMonitor, 'Did you mean "val_accuracy"?');
    assert.strictEqual(d.suggestion, 'val_accuracy');
    expectDiagnostic(spec(MLP).replace(', "validation": { "first": 5000 }', '') .replace(/\n}$/, ',\n  "fit": { "callbacks": [ { "type": ⟦"EarlyStopping"⟧ } ] }\n}'), Code.NoValidationData, 'validation');
  });

  it('keeps callback files inside the run folder', () => {
    expectDiagnostic(spec(MLP, '"fit": { "callbacks": [ { "type": "ModelCheckpoint", "filepath": ⟦"../../etc/x"⟧ } ] }'), Code.PathOutsideRun);
    expectDiagnostic(spec(MLP, '"fit": { "callbacks": [ { "type": "CSVLogger", "filename": ⟦"/tmp/log.csv"⟧ } ] }'), Code.PathOutsideRun);
    expectDiagnostic(spec(MLP, '"fit": { "callbacks": [ { "type": "ModelCheckpoint", "filepath": ⟦"model_ckpt_06_09.hdf5"⟧ } ] }'), Code.KerasFileFormat, '"model_ckpt_06_09"');
    expectDiagnostic(spec(MLP, '"fit": { "callbacks": [ { "type": "ModelCheckpoint", "filepath": ⟦"best.keras"⟧, "save_weights_only": true } ] }'), Code.KerasFileFormat, '.weights.h5');
    for (const [file, weightsOnly] of [['model_ckpt_06_09.h5', false], ['best.keras', false], ['w-{epoch:02d}.weights.h5', true]] as const) {
      const text = spec(MLP, `"fit": { "callbacks": [ { "type": "ModelCheckpoint", "filepath": "${file}", "save_weights_only": ${weightsOnly} } ] }`);
      assert.ok(!codes(text).includes(Code.KerasFileFormat), `${file} is written as a Keras file`);
    }
  });

  it('gives the notebook\'s advice on activations and initializers', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 100, "activation": "selu", "kernel_initializer": ⟦"glorot_uniform"⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.SeluInitializer, 'lecun_normal');
    assert.ok(!codes(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 100, "activation": "selu", "kernel_initializer": "LecunNormal" }, { "type": "Dense", "units": 10, "activation": "softmax" }`)).includes(Code.SeluInitializer));
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 100, "activation": "tanh", "kernel_initializer": ⟦"he_normal"⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.HeInitializerSaturating, 'glorot');
    const sig = '{ "type": "Dense", "units": 50, "activation": "sigmoid" }';
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 50, "activation": ⟦"sigmoid"⟧ }, ${sig}, ${sig}, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.DeepSigmoid, 'vanish');
    assert.ok(!codes(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, ${sig}, ${sig}, { "type": "Dense", "units": 10, "activation": "softmax" }`)).includes(Code.DeepSigmoid));
  });

  it('applies layer_defaults, with a layer\'s own arguments winning', () => {
    const text = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 100 }, { "type": "Dense", "units": 10, "activation": "softmax" }`, '"layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": ⟦"he_normal"⟧ } }');
    // Two Dense layers take selu+he_normal from the defaults; the warning points at the defaults.
    expectDiagnostic(text, Code.SeluInitializer);
    const m = analyze(text.replace('⟦', '').replace('⟧', '')).model;
    assert.strictEqual(m.layers[1].args.activation, 'selu');
    assert.strictEqual(m.layers[2].args.activation, 'softmax');
  });

  it('reports an initial_weights file that is missing, on its value (checked with the file system, after analyze)', async () => {
    const { marked } = await import('./helpers');
    const { checkInitialWeights } = await import('../src/core/keras/initialWeightsCheck');
    const { text, offset, length } = marked(spec(MLP, '"initial_weights": ⟦"no-such-model.keras"⟧'));
    const [d] = await checkInitialWeights(analyze(text), '/nonexistent/dir/mlp.model.json');
    assert.deepStrictEqual([d.code, d.offset, d.length], [Code.InitialWeights, offset, length]);
    assert.match(d.message, /initial_weights no-such-model\.keras: no such file\./);
    tested.add(Code.InitialWeights);
  });

  it('covers every diagnostic code', () => {
    const missing = Object.values(Code).filter((c) => !tested.has(c));
    assert.deepStrictEqual(missing, []);
  });
});
