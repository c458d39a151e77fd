import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync, strToU8 } from 'fflate';
import { main } from '../src/cli/main';
import { analyze } from '../src/core/analyze';
import { importKerasConfig, importPython } from '../src/core/keras/importSpec';
import { notebookSource, pythonFile } from '../src/core/keras/pythonSource';
import { mergePatch } from '../src/core/mergePatch';
import type { Json } from '../src/core/registry';
import { resolveSpec } from '../src/core/resolve';
import { ROOT } from './helpers';

type Obj = { [key: string]: Json };
const FIX = (f: string): string => path.join(ROOT, 'test', 'fixtures', 'keras', f);
const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-import-'));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** Keras 3 `model.to_json()` of a small MLP, as Keras 3.x writes it. */
const KERAS3_DTYPE = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const keras3Dense = (name: string, units: number, activation: string, init = 'GlorotUniform', extra: Obj = {}): Obj => ({
  module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, 4] },
  config: {
    name, trainable: true, dtype: KERAS3_DTYPE, units, activation, use_bias: true,
    kernel_initializer: { module: 'keras.initializers', class_name: init, config: { seed: null }, registered_name: null },
    bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
    kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, ...extra,
  },
});
const KERAS3_MODEL: Obj = {
  module: 'keras', class_name: 'Sequential', registered_name: null,
  config: {
    name: 'sequential', trainable: true, dtype: KERAS3_DTYPE,
    layers: [
      { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' } },
      keras3Dense('dense', 3, 'relu', 'HeNormal', { kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.001 }, registered_name: null } }),
      keras3Dense('dense_1', 2, 'softmax'),
    ],
    build_input_shape: [null, 4],
  },
};
const KERAS3_COMPILE: Obj = {
  optimizer: { module: 'keras.optimizers', class_name: 'SGD', registered_name: null, config: { name: 'SGD', learning_rate: 0.02, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null, momentum: 0.9, nesterov: false } },
  loss: 'sparse_categorical_crossentropy', loss_weights: null, metrics: ['accuracy'], weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
};

/** The same model as tf.keras 2 wrote it (`batch_input_shape` on the first layer, no modules). */
const keras2Layers = (): Obj[] => [
  { class_name: 'Dense', config: { name: 'dense', trainable: true, batch_input_shape: [null, 4], dtype: 'float32', units: 3, activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'HeNormal', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: { class_name: 'L2', config: { l2: 0.001 } }, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
  { class_name: 'Dense', config: { name: 'dense_1', trainable: true, dtype: 'float32', units: 2, activation: 'softmax', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
];
const KERAS2_TRAINING: Obj = {
  loss: 'sparse_categorical_crossentropy', weighted_metrics: null, loss_weights: null,
  metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy', dtype: 'float32', fn: 'sparse_categorical_accuracy' } }]],
  optimizer_config: { class_name: 'SGD', config: { name: 'SGD', learning_rate: 0.02, decay: 0.0, momentum: 0.9, nesterov: false } },
};

const EXPECTED_LAYERS = [
  { type: 'Dense', input_shape: [4], units: 3, activation: 'relu', kernel_initializer: 'he_normal', kernel_regularizer: { type: 'l2', l2: 0.001 } },
  { type: 'Dense', units: 2, activation: 'softmax' },
];
const EXPECTED_COMPILE = { optimizer: { type: 'SGD', learning_rate: 0.02, momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] };

describe('Keras import: configs', () => {
  it('maps a Keras 3 to_json() with compile_config: InputLayer to input_shape, initializer and regularizer objects, dtype policies ignored', () => {
    const r = importKerasConfig({ ...KERAS3_MODEL, compile_config: KERAS3_COMPILE }, 'mlp');
    assert.deepStrictEqual(r.problems, []);
    assert.deepStrictEqual(r.spec?.layers, EXPECTED_LAYERS);
    assert.deepStrictEqual(r.spec?.compile, EXPECTED_COMPILE);
  });

  it('maps the Keras 2 form and the older bare-list form the same way, with training_config', () => {
    const keras2 = { class_name: 'Sequential', config: { name: 'sequential', layers: keras2Layers() }, keras_version: '2.13.1', backend: 'tensorflow' };
    const oldest = { class_name: 'Sequential', config: keras2Layers(), keras_version: '2.1.6', backend: 'tensorflow' };
    for (const config of [keras2, oldest]) {
      const r = importKerasConfig(config, 'mlp', KERAS2_TRAINING);
      assert.deepStrictEqual(r.problems, []);
      assert.deepStrictEqual(r.spec?.layers, EXPECTED_LAYERS);
      assert.deepStrictEqual(r.spec?.compile, EXPECTED_COMPILE);
    }
  });

  it('reports a layer type Model Spec lacks and an unsupported argument, and leaves them out', () => {
    const layers = [...keras2Layers()];
    layers.splice(1, 0, { class_name: 'LSTM', config: { units: 8 } });
    (layers[0].config as Obj).kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } };
    const r = importKerasConfig({ class_name: 'Sequential', config: { layers } }, 'm', KERAS2_TRAINING);
    assert.strictEqual(r.spec?.layers && (r.spec.layers as Obj[]).length, 2);
    assert.ok(r.problems.some((p) => /layer type LSTM is not supported/.test(p.message)), JSON.stringify(r.problems));
    assert.ok(r.problems.some((p) => /kernel_constraint=MaxNorm\(\.\.\.\) is not supported/.test(p.message)), JSON.stringify(r.problems));
  });

  it('refuses a functional model with a reason', () => {
    assert.throws(() => importKerasConfig({ class_name: 'Functional', config: { layers: [] } }, 'm'), /functional model; Model Spec imports Sequential models only/);
  });
});

describe('Keras import: Python', () => {
  it('imports the keras.io "Simple MNIST convnet" script', () => {
    const r = importPython(pythonFile(fs.readFileSync(FIX('mnist_convnet.py'), 'utf8')), 'convnet');
    const spec = r.spec as Obj;
    assert.deepStrictEqual(spec.data, { dataset: 'mnist', scale: 255, validation: { split: 0.1 } });
    assert.deepStrictEqual(spec.layers, [
      { type: 'Conv2D', input_shape: [28, 28, 1], filters: 32, kernel_size: [3, 3], activation: 'relu' },
      { type: 'MaxPooling2D', pool_size: [2, 2] },
      { type: 'Conv2D', filters: 64, kernel_size: [3, 3], activation: 'relu' },
      { type: 'MaxPooling2D', pool_size: [2, 2] },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.5 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ]);
    assert.deepStrictEqual(spec.compile, { loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    assert.deepStrictEqual(spec.fit, { batch_size: 128, epochs: 15 });
    // The one change (one-hot labels -> sparse loss) is said, with its line.
    assert.deepStrictEqual(r.problems.map((p) => p.line), [51]);
    assert.deepStrictEqual(analyze(JSON.stringify(spec)).diagnostics.filter((d) => d.severity === 'error'), []);
  });

  it('reads Sequential() + model.add, from-imports, optimizer objects, callbacks in variables and constants', () => {
    const code = [
      'from tensorflow.keras.models import Sequential',
      'from tensorflow.keras.layers import Dense, Flatten, Dropout as Drop',
      'from tensorflow import keras',
      'UNITS = 64',
      'RATE = 0.25',
      'model = Sequential()',
      'model.add(Flatten(input_shape=(28, 28)))',
      'model.add(Dense(UNITS * 2, activation="relu", kernel_initializer=keras.initializers.HeNormal(seed=7)))',
      'model.add(Drop(RATE))',
      'model.add(Dense(10, activation=keras.activations.softmax))',
      'model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="sparse_categorical_crossentropy", metrics=["acc"])',
      'stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)',
      'model.fit(x, y, epochs=5, callbacks=[stop])',
    ].join('\n');
    const r = importPython(pythonFile(code), 'm');
    const spec = r.spec as Obj;
    assert.deepStrictEqual(spec.layers, [
      { type: 'Flatten', input_shape: [28, 28] },
      { type: 'Dense', units: 128, activation: 'relu', kernel_initializer: { type: 'he_normal', seed: 7 } },
      { type: 'Dropout', rate: 0.25 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ]);
    assert.deepStrictEqual(spec.compile, { optimizer: { type: 'SGD', momentum: 0.9 }, loss: 'sparse_categorical_crossentropy', metrics: ['acc'] });
    assert.deepStrictEqual(spec.fit, { epochs: 5, callbacks: [{ type: 'EarlyStopping', patience: 3 }] });
    // x is not a Keras dataset: said, with the fit line.
    assert.ok(r.problems.some((p) => p.line === 13 && /not a Keras dataset/.test(p.message)), JSON.stringify(r.problems));
  });

  it('reports what is not a constant, positional arguments it cannot place, and syntax errors, with lines', () => {
    const code = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(n_units), keras.layers.Dropout(0.5, None, 3)])\nmodel.compile(loss="mse")\nmodel.fit(x, y epochs=3)\n';
    const r = importPython(pythonFile(code), 'm');
    const text = r.problems.map((p) => `${p.line}: ${p.message}`).join('\n');
    assert.match(text, /^2: Dense: units=`n_units` is not a constant/m);
    assert.match(text, /^2: Dropout: positional argument 2 \(null\) is left out/m);
    assert.match(text, /^4: syntax error/m);
  });

  it('a functional model or a file of syntax errors says so, with the line', () => {
    const functional = 'import keras\ninputs = keras.Input(shape=(4,))\noutputs = keras.layers.Dense(2)(inputs)\nmodel = keras.Model(inputs=inputs, outputs=outputs)\n';
    assert.throws(() => importPython(pythonFile(functional), 'f'), /no Keras Sequential model found.*line 4: a functional model \(keras\.Model\(inputs, outputs\)\) is not imported/);
    assert.throws(() => importPython(pythonFile('def (:\n  model = = 3\n'), 'f'), /no Keras Sequential model found.*line 1: syntax error/);
  });

    it('bounds a huge embedded array instead of evaluating it', () => {
    const huge = `[${Array.from({ length: 200_000 }, (_, i) => i % 10).join(', ')}]`;
    const code = `import keras\nweights = ${huge}\nmodel = keras.Sequential([keras.layers.Dense(10, kernel_initializer=weights)])\nmodel.compile(loss="mse")\n`;
    const r = importPython(pythonFile(code), 'm');
    const p = r.problems.find((x) => /kernel_initializer/.test(x.message));
    assert.ok(p && p.line === 3 && /more than 10,000 items/.test(p.message), JSON.stringify(r.problems));
    assert.ok(p.message.length < 300);
  });
});

describe('Keras import: the reference notebook', () => {
  const src = notebookSource(fs.readFileSync(FIX('initializers.ipynb'), 'utf8'));
  const r = importPython(src, 'initializers');
  const spec = r.spec as Obj;
  const variants = spec.variants as Obj[];

  it('imports its six models as variants of one spec, the shared parts in the base', () => {
    assert.deepStrictEqual(r.problems, []);
    assert.strictEqual(r.models, 6);
    assert.deepStrictEqual(spec.data, { dataset: 'mnist', scale: 255, validation: { first: 5000 } });
    assert.deepStrictEqual(spec.compile, { loss: 'sparse_categorical_crossentropy', optimizer: 'SGD', metrics: ['accuracy'] });
    assert.deepStrictEqual(variants.map((v) => v.name), ['model_3', 'model_1 (cell 11)', 'model_2 (cell 16)', 'model_1 (cell 21)', 'model_2 (cell 24)', 'model_1 (cell 28)']);
    assert.deepStrictEqual(variants[4], { name: 'model_2 (cell 24)', layer_defaults: { Dense: { activation: 'elu', kernel_initializer: 'he_normal' } } });
    const callbacks = ((variants[0].fit as Obj).callbacks as Obj[]).map((c) => c.type);
    assert.deepStrictEqual(callbacks, ['EarlyStopping', 'ModelCheckpoint']);
  });

  it('every variant resolves to exactly the layers its notebook cell builds', () => {
    const analysis = analyze(JSON.stringify(spec));
    assert.deepStrictEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    const init = (v: string): string => resolveSpec(analysis, v).ok ? '' : 'unresolved';
    const expected: Record<string, [string, string]> = {
      'model_1 (cell 11)': ['relu', 'glorot_normal'], 'model_2 (cell 16)': ['relu', 'glorot_uniform'], 'model_1 (cell 21)': ['relu', 'he_normal'],
      'model_2 (cell 24)': ['elu', 'he_normal'], 'model_1 (cell 28)': ['selu', 'lecun_normal'], model_3: ['relu', 'glorot_uniform'],
    };
    for (const [name, [act, kinit]] of Object.entries(expected)) {
      assert.strictEqual(init(name), '');
      const resolved = resolveSpec(analysis, name);
      assert.ok(resolved.ok);
      const dense = resolved.spec.layers.filter((l) => l.type === 'Dense');
      assert.deepStrictEqual(dense.map((l) => l.args.activation), [act, act, act, 'softmax'], name);
      assert.deepStrictEqual(dense.map((l) => (l.args.kernel_initializer as Obj).type), [kinit, kinit, kinit, 'glorot_uniform'], name);
      assert.strictEqual(resolved.spec.fit.epochs, name === 'model_3' ? 50 : 10);
    }
    // The patch applied to the base reproduces model_3's own spec, names included.
    const { variants: _v, ...base } = spec;
    const m3 = mergePatch(base, variants[0]) as Obj;
    assert.deepStrictEqual((m3.layers as Obj[]).map((l) => l.name), ['input_layer', 'hidden_layer1', 'hidden_layer2', 'hidden_layer3', 'output_layer']);
  });

  it('says where a notebook without models is, and why', async () => {
    const dir = tmpDir();
    const nb = path.join(dir, 'empty.ipynb');
    fs.writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 'import numpy as np\nprint(1)', metadata: {}, outputs: [] }] }));
    const res = await run('import', nb, '--out', path.join(dir, 'x.model.json'));
    assert.strictEqual(res.code, 1);
    assert.match(res.err, /empty\.ipynb: no Keras Sequential model found/);
    assert.ok(!fs.existsSync(path.join(dir, 'x.model.json')));
  });
});

const importEsm = new Function('s', 'return import(s)') as (s: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** HDF5 bytes built with h5wasm (the same library the import reads with). */
async function writeH5(build: (f: any) => void): Promise<Uint8Array> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const h5 = await importEsm('h5wasm/node');
  await h5.ready;
  const name = `/test-${process.pid}-${Math.random().toString(36).slice(2)}.h5`;
  const f = new h5.File(name, 'w');
  build(f);
  f.close();
  const bytes = h5.FS.readFile(name) as Uint8Array;
  h5.FS.unlink(name);
  return bytes;
}

/** Weights with awkward bit patterns (not round decimals), so any conversion would show. */
function weightArrays(): { shape: number[]; data: Float32Array }[][] {
  const arr = (shape: number[], seed: number): { shape: number[]; data: Float32Array } => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(seed * 1000 + i) / 3 + 1e-7 * i);
    return { shape, data };
  };
  return [[arr([4, 3], 1), arr([3], 2)], [arr([3, 2], 3), arr([2], 4)]];
}

async function legacyH5(): Promise<Uint8Array> {
  const weights = weightArrays();
  return writeH5((f) => {
    f.create_attribute('model_config', JSON.stringify({ class_name: 'Sequential', config: { name: 'sequential', layers: keras2Layers() } }));
    f.create_attribute('training_config', JSON.stringify(KERAS2_TRAINING));
    f.create_attribute('keras_version', '2.13.1');
    const g = f.create_group('model_weights');
    g.create_attribute('layer_names', ['dense', 'dense_1']);
    ['dense', 'dense_1'].forEach((layer, i) => {
      const lg = f.create_group(`model_weights/${layer}`);
      lg.create_attribute('weight_names', [`${layer}/kernel:0`, `${layer}/bias:0`]);
      f.create_group(`model_weights/${layer}/${layer}`);
      weights[i].forEach((w, j) => f.create_dataset({ name: `model_weights/${layer}/${layer}/${j ? 'bias' : 'kernel'}:0`, data: w.data, shape: w.shape, dtype: '<f' }));
    });
  });
}

async function kerasArchive(): Promise<Uint8Array> {
  const weights = weightArrays();
  const h5 = await writeH5((f) => {
    for (const [i, layer] of ['dense', 'dense_1'].entries()) {
      if (!i) f.create_group('layers');
      f.create_group(`layers/${layer}`);
      f.create_group(`layers/${layer}/vars`);
      weights[i].forEach((w, j) => f.create_dataset({ name: `layers/${layer}/vars/${j}`, data: w.data, shape: w.shape, dtype: '<f' }));
    }
    f.create_group('vars');
  });
  return zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.5.0', date_saved: '2026-12-01@09:00:00' })),
    'config.json': strToU8(JSON.stringify({ ...KERAS3_MODEL, compile_config: KERAS3_COMPILE })),
    'model.weights.h5': h5,
  });
}

describe('Keras import: .keras and .h5 files with their weights', () => {
  before(async () => {
    const { initBackend } = await import('../src/trainer/backend');
    await initBackend('cpu');
  });

  for (const [ext, make] of [['h5', legacyH5], ['keras', kerasArchive]] as const) {
    it(`imports a .${ext} file; the built model starts from its weights, bit for bit`, async () => {
      const dir = tmpDir();
      const file = path.join(dir, `mlp.${ext}`);
      fs.writeFileSync(file, await make());
      const out = path.join(dir, 'specs', 'mlp.model.json');
      const res = await run('import', file, '--out', out);
      assert.strictEqual(res.code, 0, res.err + res.out);
      const text = fs.readFileSync(out, 'utf8');
      assert.match(text, /"initial_weights": "\.\.\/mlp\.\w+"/);
      const analysis = analyze(text);
      assert.deepStrictEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
      const resolved = resolveSpec(analysis);
      assert.ok(resolved.ok);
      assert.deepStrictEqual(resolved.spec.layers.map((l) => l.args.units), [3, 2]);
      const { prepareInitialWeights } = await import('../src/trainer/initialWeights');
      const { buildModel } = await import('../src/trainer/buildModel');
      await prepareInitialWeights(resolved.spec, path.dirname(out));
      const model = buildModel(resolved.spec);
      const got = model.getWeights().map((w) => w.dataSync() as Float32Array);
      const want = weightArrays().flat();
      assert.strictEqual(got.length, want.length);
      got.forEach((g, i) => assert.ok(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(want[i].data.buffer)), `weight ${i} differs`));
      // The model runs on them: a forward pass gives probabilities.
      const tf = await import('@tensorflow/tfjs-core');
      const p = (model.predict(tf.ones([1, 4])) as import('@tensorflow/tfjs-core').Tensor).dataSync();
      assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-5);
    });
  }

  it('a spec whose layers do not match its initial_weights file gets a message naming the layer', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'mlp.h5'), await legacyH5());
    const text = JSON.stringify({ initial_weights: 'mlp.h5', layers: [{ type: 'Dense', input_shape: [4], units: 5 }, { type: 'Dense', units: 2 }], compile: { loss: 'mse' } });
    const resolved = resolveSpec(text);
    assert.ok(resolved.ok);
    const { prepareInitialWeights } = await import('../src/trainer/initialWeights');
    await assert.rejects(prepareInitialWeights(resolved.spec, dir), /initial_weights mlp\.h5: layer dense \(Dense\) has weights kernel, bias of shapes \[4, 5\], \[5\] in the spec, but the file's layer dense has \[4, 3\], \[3\]/);
    await assert.rejects(prepareInitialWeights({ ...resolved.spec, initialWeights: 'gone.h5' }, dir), /initial_weights gone\.h5: there is no file .*gone\.h5 \(the path is relative to the spec.s folder\)/);
    // validate reads the file too, and points at the initial_weights value.
    const specFile = path.join(dir, 'wide.model.json');
    fs.writeFileSync(specFile, text.replace('{"initial_weights"', '{\n"initial_weights"'));
    const res = await run('validate', specFile);
    assert.strictEqual(res.code, 1);
    assert.match(res.out, /wide\.model\.json:2:19: error \[initial-weights\] initial_weights mlp\.h5: layer dense \(Dense\) has weights kernel, bias of shapes \[4, 5\]/);
    fs.writeFileSync(specFile, text.replace('mlp.h5', 'gone.h5'));
    assert.match((await run('validate', specFile)).out, /error \[initial-weights\] initial_weights gone\.h5: there is no file /);
  });

  it('bad files get messages naming the file: not a zip, a truncated .h5, an unknown extension; an existing spec needs --force', async () => {
    const dir = tmpDir();
    const notZip = path.join(dir, 'model.keras');
    fs.writeFileSync(notZip, 'this is text, not a zip');
    let res = await run('import', notZip);
    assert.strictEqual(res.code, 1);
    assert.match(res.err, /model\.keras: it is not a zip archive/);
    const truncated = path.join(dir, 'cut.h5');
    fs.writeFileSync(truncated, (await legacyH5()).slice(0, 900));
    res = await run('import', truncated);
    assert.strictEqual(res.code, 1);
    assert.match(res.err, /cut\.h5: its HDF5 data is cut short \(the file is truncated\)/);
    assert.doesNotMatch(res.err, /ENOENT|at .*\.js:\d+/);
    res = await run('import', path.join(dir, 'model.txt'));
    assert.strictEqual(res.code, 1);
    assert.match(res.err, /model\.txt: the import reads \.keras, \.h5/);
    const py = path.join(dir, 'net.py');
    fs.writeFileSync(py, 'import keras\nmodel = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])\nmodel.compile(loss="mse")\n');
    assert.strictEqual((await run('import', py)).code, 0);
    res = await run('import', py);
    assert.strictEqual(res.code, 2);
    assert.match(res.err, /net\.model\.json already exists; add --force/);
    assert.strictEqual((await run('import', py, '--force')).code, 0);
  });
});
