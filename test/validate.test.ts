import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { Code } from '../src/core/diagnostics';
import { checkEngineSetting } from '../src/core/engineSetting';
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

  it('accepts a UTF-8 byte order mark, as VS Code does', () => {
    const text = '\ufeff' + spec(MLP);
    assert.deepStrictEqual(analyze(text).diagnostics, []);
    expectDiagnostic('\ufeff' + spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦0⟧ }`), Code.OutOfRange);
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
    // Keras's Identity fills 2-D matrices only (a bias is 1-D; TensorFlow.js failed at build time).
    expectDiagnostic(spec(`{ "type": "Dense", "units": 10, "input_shape": [4], "bias_initializer": ⟦"Identity"⟧ }`), Code.ShapeError, 'identity initializer fills 2-D matrices only');
    assert.ok(!codes(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": { "type": "Identity", "gain": 2 } }`)).includes(Code.ShapeError));
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
    // categorical_hinge takes any class scores, as Keras's does; kl_divergence has no from_logits to offer.
    const oneHot = (loss: string, activation: string): string => `{ "layers": [ { "type": "Dense", "input_shape": [4], "units": 3, "activation": ⟦"${activation}"⟧ } ], "compile": { "loss": "${loss}" } }`;
    assert.deepStrictEqual(codes(oneHot('categorical_hinge', 'linear').replace(/[⟦⟧]/g, '')), []);
    const kld = expectDiagnostic(oneHot('kl_divergence', 'relu'), Code.OutputActivation, 'Use "activation": "softmax".');
    assert.doesNotMatch(kld.message, /from_logits/);
  });

  it('warns about softmax with binary cross-entropy', () => {
    expectDiagnostic(`{ "layers": [ { "type": "Dense", "input_shape": [4], "units": 1, "activation": ⟦"softmax"⟧ } ], "compile": { "loss": "binary_crossentropy" } }`, Code.SoftmaxBinaryCrossentropy, 'sigmoid');
  });

  it('rejects models too large to train before anything allocates', () => {
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦1000000000⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ModelTooLarge, 'reduce its "units"');
    expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦1e15⟧ }, { "type": "Dense", "units": 10, "activation": "softmax" }`), Code.ModelTooLarge);
    // 500 Dense layers of 1,000 units (500 M parameters) with plain SGD: 6 GB with the engine's copy.
    const deep = Array.from({ length: 500 }, () => '{ "type": "Dense", "units": 1000 }').join(', ');
    assert.ok(codes(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, ${deep}, { "type": "Dense", "units": 10, "activation": "softmax" }`)).includes(Code.ModelTooLarge));
    // A batch larger than the dataset is clamped as Keras does, not refused.
    assert.deepStrictEqual(codes(spec(MLP, '"fit": { "batch_size": 1000000 }')), []);
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
    assert.match(d.message, /initial_weights no-such-model\.keras: there is no file \/nonexistent\/dir\/no-such-model\.keras/);
    tested.add(Code.InitialWeights);
  });

  it('reports data files that are missing or folders, on their values, in the spec and in variants', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const { marked } = await import('./helpers');
    const { checkDataFiles } = await import('../src/core/data/dataFilesCheck');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-datafiles-'));
    fs.writeFileSync(path.join(dir, 'train.csv'), 'a,label\n1,0\n');
    fs.mkdirSync(path.join(dir, 'folder.csv'));
    const body = `{ "data": { "train": { "csv": "train.csv" }, "test": { "csv": ⟦"missing.csv"⟧ } }, "layers": [{ "type": "Dense", "units": 2, "input_shape": [1] }], "compile": { "loss": "mse" },
      "variants": [{ "name": "v", "data": { "test": { "csv": "folder.csv" } } }] }`;
    const { text, offset, length } = marked(body);
    const found = checkDataFiles(analyze(text), path.join(dir, 'spec.model.json'));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepStrictEqual(found.map((d) => [d.code, d.path.join('.')]), [[Code.DataFile, 'data.test.csv'], [Code.DataFile, 'variants.0.data.test.csv']]);
    assert.deepStrictEqual([found[0].offset, found[0].length], [offset, length]);
    assert.match(found[0].message, /^missing\.csv does not exist \(looked for .*missing\.csv/);
    assert.match(found[1].message, /folder\.csv is not a regular file/);
    tested.add(Code.DataFile);
  });

  const cb = (callbacks: string): string => spec(MLP, `"fit": { "callbacks": [ ${callbacks} ] }`);
  const withOptimizer = (optimizer: string, extra = ''): string =>
    spec(MLP, extra, `"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ${optimizer}, "metrics": ["accuracy"] }`);

  it('checks learning-rate schedules as the trainer builds them', () => {
    const d = expectDiagnostic(withOptimizer('{ "type": "SGD", "learning_rate": ⟦"ExponentialDecay"⟧ }'), Code.MissingArguments, 'needs arguments (initial_learning_rate, decay_steps, decay_rate)');
    assert.match(d.suggestion ?? '', /^\{ "type": "ExponentialDecay", "initial_learning_rate": /);
    const piecewise = (b: string, v: string): string => withOptimizer(`{ "type": "SGD", "learning_rate": { "type": "PiecewiseConstantDecay", "boundaries": ${b}, "values": ${v} } }`);
    expectDiagnostic(piecewise('[100, ⟦50⟧]', '[0.1, 0.01, 0.001]'), Code.InvalidSchedule, 'must increase, but 50 follows 100');
    expectDiagnostic(piecewise('[100, ⟦100⟧]', '[0.1, 0.01, 0.001]'), Code.InvalidSchedule, 'must increase');
    expectDiagnostic(piecewise('[100, 200]', '⟦[0.1, 0.01]⟧'), Code.InvalidSchedule, '2 boundaries, so 3 values, but it has 2');
    assert.deepStrictEqual(codes(piecewise('[100, 200]', '[0.1, 0.01, 0.001]')), []);
  });

  it('refuses ReduceLROnPlateau on a scheduled learning rate', () => {
    const scheduled = '{ "type": "SGD", "learning_rate": { "type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.9 } }';
    expectDiagnostic(withOptimizer(scheduled, '"fit": { "callbacks": [ { "type": ⟦"ReduceLROnPlateau"⟧ } ] }'), Code.ScheduledLearningRate, 'Give "learning_rate" a number');
    assert.ok(!codes(withOptimizer('{ "type": "SGD", "learning_rate": 0.1 }', '"fit": { "callbacks": [ { "type": "ReduceLROnPlateau" } ] }')).includes(Code.ScheduledLearningRate));
  });

  it('checks checkpoint templates with the trainer\'s parser', () => {
    const ckpt = (filepath: string): string => cb(`{ "type": "ModelCheckpoint", "filepath": ${filepath} }`);
    expectDiagnostic(ckpt('⟦"ckpt-{epoch:02d"⟧'), Code.InvalidPathTemplate, "expected '}' before end of string");
    expectDiagnostic(ckpt('⟦"ckpt-{epoch:zz}"⟧'), Code.InvalidPathTemplate, "Unknown format code 'z'");
    expectDiagnostic(ckpt('⟦"ckpt-{epoch:.2s}"⟧'), Code.InvalidPathTemplate, "Unknown format code 's' for object of type 'int'");
    expectDiagnostic(ckpt('⟦"ckpt-{epoch:999d}"⟧'), Code.InvalidPathTemplate, 'longer than 255');
    const d = expectDiagnostic(ckpt('⟦"ckpt-{val_los:.2f}"⟧'), Code.UnknownTemplateField, 'Did you mean {val_loss}?');
    assert.strictEqual(d.suggestion, 'ckpt-{val_loss:.2f}');
    expectDiagnostic(ckpt('⟦"ckpt-{foo}"⟧'), Code.UnknownTemplateField, 'Fields: epoch, loss, accuracy, val_loss, val_accuracy');
    expectDiagnostic(ckpt('⟦"ckpt-{learning_rate}"⟧'), Code.UnknownTemplateField, 'ReduceLROnPlateau listed before');
    assert.deepStrictEqual(codes(cb('{ "type": "ReduceLROnPlateau" }, { "type": "ModelCheckpoint", "filepath": "ckpt-{epoch:02d}-{learning_rate:.1e}-{val_accuracy:.3f}" }')), []);
    const noValidation = ckpt('⟦"ckpt-{val_loss:.2f}"⟧').replace(', "validation": { "first": 5000 }', '');
    const nv = expectDiagnostic(noValidation, Code.NoValidationData, 'never logged');
    assert.strictEqual(nv.severity, 'error');
  });

  it('errors on monitors training refuses; warns on those that only never act', () => {
    const d = expectDiagnostic(cb('{ "type": "EarlyStopping", "monitor": ⟦"val_los"⟧ }'), Code.UnknownMonitor, 'training refuses it');
    assert.strictEqual(d.severity, 'error');
    assert.strictEqual(d.suggestion, 'val_loss');
    assert.strictEqual(expectDiagnostic(cb('{ "type": "EarlyStopping", "monitor": ⟦"learning_rate"⟧ }'), Code.UnknownMonitor).severity, 'error');
    assert.strictEqual(expectDiagnostic(cb('{ "type": "EarlyStopping", "monitor": ⟦"val_los"⟧, "mode": "min" }'), Code.UnknownMonitor, 'never act').severity, 'warning');
    assert.strictEqual(expectDiagnostic(cb('{ "type": "EarlyStopping", "monitor": ⟦"val_precision"⟧ }'), Code.UnknownMonitor, 'never act').severity, 'warning');
    assert.deepStrictEqual(codes(cb('{ "type": "ReduceLROnPlateau", "monitor": "learning_rate", "mode": "min" }')), []);
  });

  it('needs a one-character CSV separator', () => {
    const d = expectDiagnostic(cb('{ "type": "CSVLogger", "filename": "log.csv", "separator": ⟦";;"⟧ }'), Code.OutOfRange, 'single character');
    assert.strictEqual(d.suggestion, ';');
    assert.deepStrictEqual(codes(cb('{ "type": "CSVLogger", "filename": "log.csv", "separator": "\\t" }')), []);
  });

  it('keeps callbacks off the run folder\'s own files and folders', () => {
    for (const [p, code] of [
      ['spec.json', Code.ReservedRunPath], ['events.jsonl', Code.ReservedRunPath], ['Result.JSON', Code.ReservedRunPath], ['history.csv/x', Code.ReservedRunPath],
      ['./summary.txt', Code.ReservedRunPath], ['model/best', Code.ReservedRunPath], ['.', Code.PathIsFolder], ['logs/', Code.PathIsFolder], ['logs/.', Code.PathIsFolder],
    ] as const) {
      expectDiagnostic(cb(`{ "type": "CSVLogger", "filename": ⟦${JSON.stringify(p)}⟧ }`), code);
      expectDiagnostic(cb(`{ "type": "ModelCheckpoint", "filepath": ⟦${JSON.stringify(p)}⟧ }`), code);
    }
    // model.hdf5 is written as the folder "model" (Keras saves only .keras and .h5 files).
    expectDiagnostic(cb('{ "type": "ModelCheckpoint", "filepath": ⟦"model.hdf5"⟧ }'), Code.ReservedRunPath, 'reserved: spec.json, summary.txt, history.csv, events.jsonl, health.jsonl, result.json, model');
    expectDiagnostic(cb('{ "type": "CSVLogger", "filename": "logs/a.csv" }, { "type": "CSVLogger", "filename": ⟦"logs/a.csv"⟧ }'), Code.ReservedRunPath, 'collides with "logs/a.csv"');
    expectDiagnostic(cb('{ "type": "CSVLogger", "filename": "a.csv" }, { "type": "ModelCheckpoint", "filepath": ⟦"a.csv/best"⟧ }'), Code.ReservedRunPath, 'collides');
    assert.deepStrictEqual(codes(cb('{ "type": "CSVLogger", "filename": "logs/train.csv" }, { "type": "ModelCheckpoint", "filepath": "checkpoints/models/best" }')), []);
  });

  it('checks the output and metrics against the labels', () => {
    const regression = (units: number): string => spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ${units === 10 ? '⟦10⟧' : units} }`, '', '"compile": { "loss": "mse" }');
    expectDiagnostic(regression(10), Code.OutputMismatch, 'mean_squared_error cannot compare them');
    assert.deepStrictEqual(codes(regression(1)), []);
    const oneUnit = (metric: string): string => spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 1, "activation": "sigmoid" }`, '',
      `"compile": { "loss": "mse", "metrics": ["accuracy", ${metric}] }`);
    const d = expectDiagnostic(oneUnit('⟦"sparse_categorical_accuracy"⟧'), Code.MetricMismatch, 'needs one output unit per class');
    assert.strictEqual(d.suggestion, 'binary_accuracy');
    expectDiagnostic(oneUnit('⟦"SparseCategoricalCrossentropy"⟧'), Code.MetricMismatch);
    expectDiagnostic(spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy", ⟦"binary_crossentropy"⟧] }'), Code.MetricMismatch, 'one class id per example and the last layer has 10 units');
    // A metric made for the other kind of labels than the loss makes: Keras would compare the outputs with the wrong labels.
    const onIds = (metric: string): ReturnType<typeof expectDiagnostic> => expectDiagnostic(spec(MLP, '', `"compile": { "loss": "sparse_categorical_crossentropy", "metrics": [⟦"${metric}"⟧] }`), Code.MetricMismatch,
      `${metric} compares the outputs with one label per output unit (one-hot rows), but sparse_categorical_crossentropy labels are one class id per example.`);
    assert.strictEqual(onIds('categorical_accuracy').suggestion, 'sparse_categorical_accuracy');
    assert.strictEqual(onIds('categorical_crossentropy').suggestion, 'sparse_categorical_crossentropy');
    assert.strictEqual(onIds('mean_squared_error').suggestion, 'accuracy');
    const csv = (loss: string, metric: string): string => `{ "data": { "train": { "csv": "train.csv" } }, "layers": [{ "type": "Dense", "units": 3, "input_shape": [4] }], "compile": { "loss": "${loss}", "metrics": [⟦"${metric}"⟧] } }`;
    const onValues = expectDiagnostic(csv('mse', 'sparse_categorical_accuracy'), Code.MetricMismatch, 'sparse_categorical_accuracy reads one class id per example, but mean_squared_error labels are values, one per output unit.');
    assert.strictEqual(onValues.suggestion, 'mean_absolute_error');
    assert.strictEqual(expectDiagnostic(csv('kld', 'sparse_categorical_accuracy'), Code.MetricMismatch, 'kl_divergence labels are one-hot rows').suggestion, 'categorical_accuracy');
  });

  it('rejects layer names TensorFlow.js cannot use as tensor names', () => {
    for (const name of ['my layer', 'a<b', 'x\u0000', '_hidden', 'a/b', '-x']) {
      const d = expectDiagnostic(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax", "name": ⟦${JSON.stringify(name)}⟧ }`), Code.InvalidLayerName, 'letters, digits');
      assert.match(d.suggestion ?? '', /^[A-Za-z0-9][-A-Za-z0-9._]*$/);
    }
    assert.deepStrictEqual(codes(spec(`{ "type": "Flatten", "input_shape": [28, 28], "name": "in-1.a_b" }, { "type": "Dense", "units": 10, "activation": "softmax", "name": "Out2" }`)), []);
  });

  it('accepts Flatten on a flat input, as Keras does (the trainer builds it as the identity)', () => {
    assert.deepStrictEqual(codes(spec(`{ "type": "Dense", "units": 10, "input_shape": [784] }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`)), []);
  });

  it('accepts an activity regularizer (TensorFlow.js has none) wherever it is: the fused engine trains them all', () => {
    const softmaxOut = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax", "activity_regularizer": "l2" }`, '', `"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "SGD", "metrics": ["accuracy"] }`);
    assert.deepStrictEqual(codes(softmaxOut), [], 'on a softmax output: the whole model trains in the front');
  });

  it('accepts a BatchNormalization on any feature axis (the fused engine trains them all), not on the batch axis or past the last', () => {
    const conv = '{ "type": "Reshape", "target_shape": [28, 28, 1], "input_shape": [28, 28] }, { "type": "Conv2D", "filters": 4, "kernel_size": 3 }';
    const bn = (args: string): string => spec(`${conv}, { "type": "BatchNormalization", ${args} }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    for (const bad of ['0', '4', '-4']) {
      const d = analyze(bn(`"axis": ${bad}`)).diagnostics;
      assert.deepStrictEqual(d.map((x) => [x.code, x.message]), [[Code.ShapeError, `Layer 3 ("batch_normalization"): BatchNormalization axis ${bad} is out of range for its input (None, 26, 26, 4); use -1 (the last axis) or an axis from 1 to 3.`]], bad);
    }
    for (const ok of ['"axis": 1', '"axis": 2', '"axis": -2', '"axis": 3', '"axis": -1', '"momentum": 0.9']) assert.deepStrictEqual(codes(bn(ok)), [], ok);
  });

  it('accepts AdamW and Nadam (fused engine only) on any model, the fused engine training them all (test/kernelOnlyOptimizers.test.ts has more)', () => {
    const conv = '{ "type": "Reshape", "target_shape": [28, 28, 1], "input_shape": [28, 28] }, { "type": "Conv2D", "filters": 4, "kernel_size": 3 }, { "type": "Flatten" }, { "type": "Dense", "units": 10, "activation": "softmax" }';
    assert.deepStrictEqual(codes(spec(conv, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "AdamW" }')), [], 'the fused engine trains the convnet');
    // An all-convolutional net (no Dense layer) trains on it: the loss reads the front's output.
    const allConv = '{ "type": "Reshape", "target_shape": [28, 28, 1], "input_shape": [28, 28] }, { "type": "Conv2D", "filters": 10, "kernel_size": 3 }, { "type": "GlobalAveragePooling2D" }, { "type": "Activation", "activation": "softmax" }';
    assert.deepStrictEqual(codes(spec(allConv, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "AdamW" }')), []);
    assert.deepStrictEqual(codes(spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "Nadam" }')), []);
  });

  it("says when the engine setting cannot train a spec that validates clean (test/engineSetting.test.ts has more)", () => {
    const found = checkEngineSetting(analyze(spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "Nadam" }')), 'tfjs');
    assert.deepStrictEqual(found.map((d) => d.code), [Code.EngineSetting]);
    tested.add(Code.EngineSetting);
  });

  it('covers every diagnostic code', () => {
    const missing = Object.values(Code).filter((c) => !tested.has(c));
    assert.deepStrictEqual(missing, []);
  });
});
