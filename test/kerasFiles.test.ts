import * as assert from 'assert';
import * as cp from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { LAYERS } from '../src/core/registry';
import { kerasLayerPaths, kerasWeightNames } from '../src/core/keras/kerasWeights';
import { kerasModelLayers, toKerasConfig, toLegacyModelConfig, toLegacyTrainingConfig } from '../src/core/keras/toKerasConfig';
import { kerasJson } from '../src/core/keras/kerasJson';
import { checkpointFormat } from '../src/core/keras/checkpointFormat';
import { ROOT } from './helpers';

/** Debian's python3, which has python3-h5py (the pyenv `python3` on PATH may lack it). */
const PYTHON = '/usr/bin/python3';
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'keras', 'every-layer.model.json');

function every(): ResolvedSpec {
  const r = resolveSpec(fs.readFileSync(FIXTURE, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-keras-'));

/** Whether h5py can be imported; without it the reader tests skip, except under CI where they fail. */
function requireH5py(ctx: Mocha.Context): void {
  const r = cp.spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
  if (r.status === 0) return;
  if (process.env.CI === 'true') assert.fail(`python3-h5py is missing (${PYTHON} -c "import h5py" failed): install it with apt-get install python3-h5py.`);
  ctx.skip();
}

/**
 * An independent reader: h5py walks the files the way Keras's loaders do and prints what they
 * read (groups, attributes, dataset shapes, and a SHA-256 of each dataset's float32 bytes).
 */
const READER = String.raw`
import h5py, hashlib, io, json, sys, zipfile
def digest(d):
    return {"shape": list(d.shape), "dtype": str(d.dtype), "sha256": hashlib.sha256(d[()].astype("<f4").tobytes()).hexdigest()}
def names(attr):
    return [n.decode("utf8") if hasattr(n, "decode") else n for n in attr]
def text(v):
    return v.decode("utf8") if hasattr(v, "decode") else v
out = {}
with zipfile.ZipFile(sys.argv[1]) as z:
    out["keras_members"] = z.namelist()
    out["keras_config"] = json.loads(z.read("config.json"))
    out["keras_metadata"] = json.loads(z.read("metadata.json"))
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    # saving_lib.H5IOStore.get: "<path>/vars", datasets "0", "1", ...
    out["keras_weights"] = {p: [digest(f[p]["vars"][str(i)]) for i in range(len(f[p]["vars"]))] for p in ["layers/" + k for k in f["layers"].keys()]}
    out["keras_root_vars"] = len(f["vars"])
for key, file in (("weights_h5", sys.argv[3]),):
    f = h5py.File(file, "r")
    out[key] = {p: [digest(f[p]["vars"][str(i)]) for i in range(len(f[p]["vars"]))] for p in ["layers/" + k for k in f["layers"].keys()]}
f = h5py.File(sys.argv[2], "r")
# legacy_h5_format.load_model_from_hdf5 and load_weights_from_hdf5_group
out["h5_model_config"] = json.loads(text(f.attrs["model_config"]))
out["h5_training_config"] = json.loads(text(f.attrs["training_config"]))
out["h5_versions"] = [text(f.attrs["keras_version"]), text(f.attrs["backend"])]
g = f["model_weights"]
layer_names = names(g.attrs["layer_names"])
out["h5_layer_names"] = layer_names
out["h5_weights"] = {n: [[w, digest(g[n][w])] for w in names(g[n].attrs["weight_names"])] for n in layer_names}
print(json.dumps(out))
`;

describe('Keras files: configs and weights', () => {
  it('names each layer type\'s variables in Keras\'s saving order, and counts them like the summary', () => {
    const spec = every();
    for (const l of kerasModelLayers(spec)) {
      const names = kerasWeightNames(l.type, l.args);
      const counted = l.params.trainable + l.params.nonTrainable;
      assert.strictEqual(names.length > 0, counted > 0, `${l.name}: ${names.join(', ')}`);
    }
    assert.deepStrictEqual(kerasWeightNames('BatchNormalization', {}), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    assert.deepStrictEqual(kerasWeightNames('BatchNormalization', { center: false }), ['gamma', 'moving_mean', 'moving_variance']);
    assert.deepStrictEqual(kerasWeightNames('Dense', { use_bias: false }), ['kernel']);
    assert.deepStrictEqual(kerasLayerPaths(['Dense', 'Dropout', 'Dense', 'LeakyReLU', 'Dense']), ['dense', 'dropout', 'dense_1', 'leaky_re_lu', 'dense_2']);
  });

  it('writes a Keras 3 config for every layer type, with the InputLayer, build and compile configs', () => {
    const spec = every();
    const c = toKerasConfig(spec) as any;
    assert.deepStrictEqual([c.module, c.class_name, c.registered_name], ['keras', 'Sequential', null]);
    const layers = c.config.layers as any[];
    assert.deepStrictEqual(layers.map((l) => l.class_name), ['InputLayer', ...kerasModelLayers(spec).map((l) => l.type)]);
    assert.deepStrictEqual(new Set(layers.map((l) => l.class_name)), new Set(LAYERS.map((l) => (l.name === 'Input' ? 'InputLayer' : l.name))), 'the fixture covers every v1 layer type');
    assert.deepStrictEqual(layers[0].config, { batch_shape: [null, 28, 28], dtype: 'float32', sparse: false, ragged: false, name: 'pixels' });
    for (const l of layers.slice(1)) {
      assert.strictEqual(l.module, 'keras.layers');
      assert.deepStrictEqual(l.config.dtype, { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null });
      assert.ok(Array.isArray(l.build_config.input_shape) && l.build_config.input_shape[0] === null);
    }
    const conv = layers[3].config;
    assert.deepStrictEqual(conv.kernel_initializer, { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null });
    assert.deepStrictEqual(conv.kernel_regularizer, { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.001 }, registered_name: null });
    assert.deepStrictEqual([conv.kernel_size, conv.strides, conv.padding, conv.data_format], [[3, 3], [1, 1], 'valid', 'channels_last']);
    assert.deepStrictEqual(layers[13].config.kernel_initializer.config, { mean: 0, stddev: 0.1, seed: 3 });
    assert.strictEqual(layers[5].config.negative_slope, 0.1);
    assert.deepStrictEqual(layers[6].config.strides, [2, 2], 'strides=None is stored as pool_size');
    const cc = c.compile_config;
    assert.deepStrictEqual([cc.optimizer.class_name, cc.optimizer.config.learning_rate, cc.loss, cc.metrics], ['SGD', 0.05, 'sparse_categorical_crossentropy', ['accuracy']]);
    assert.match(kerasJson(c), /"momentum": 0\.0,/, 'SGD checks isinstance(momentum, float)');
    assert.match(kerasJson(c), /"units": 16,/);
  });

  it('writes the legacy Keras 2 model_config and training_config', () => {
    const spec = every();
    const m = toLegacyModelConfig(spec) as any;
    assert.strictEqual(m.class_name, 'Sequential');
    const layers = m.config.layers as any[];
    assert.deepStrictEqual(layers[0], { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28], dtype: 'float32', sparse: false, ragged: false, name: 'pixels' } });
    assert.ok(layers.every((l) => !('module' in l) && !('build_config' in l)));
    assert.strictEqual(layers[5].config.alpha, 0.1, 'tf.keras 2 spells negative_slope alpha');
    assert.deepStrictEqual(layers[3].config.kernel_initializer, { class_name: 'GlorotUniform', config: { seed: null } });
    const t = toLegacyTrainingConfig(spec) as any;
    assert.deepStrictEqual([t.loss, t.metrics, t.optimizer_config.class_name], ['sparse_categorical_crossentropy', ['accuracy'], 'SGD']);
  });

  it('picks the checkpoint format from the path as Keras 3 ModelCheckpoint requires', () => {
    assert.strictEqual(checkpointFormat('best.keras', false), 'keras');
    assert.strictEqual(checkpointFormat('model_ckpt_06_09.h5', false), 'h5');
    assert.strictEqual(checkpointFormat('ckpt-{epoch:02d}.weights.h5', true), 'weights.h5');
    assert.strictEqual(checkpointFormat('best.keras', true), 'tfjs');
    assert.strictEqual(checkpointFormat('model.hdf5', false), 'tfjs');
    assert.strictEqual(checkpointFormat('checkpoints/best', false), 'tfjs');
  });
});

describe('Keras files read back by h5py (every v1 layer type)', function () {
  this.timeout(120000);

  it('.keras, .h5 and .weights.h5 hold the groups, attributes, shapes and exact values Keras loads', async function () {
    requireH5py(this);
    const dir = tmp();
    const files = { keras: path.join(dir, 'm.keras'), h5: path.join(dir, 'm.h5'), weights: path.join(dir, 'm.weights.h5') };
    for (const [format, file] of [['keras', files.keras], ['h5', files.h5]]) {
      const r = await cli('export', FIXTURE, '--format', format, '--out', file);
      assert.strictEqual(r.code, 0, r.err);
    }
    // The same initialized model, its weights straight from TensorFlow.js.
    const spec = every();
    const { initBackend } = await import('../src/trainer/backend');
    const { buildModel } = await import('../src/trainer/buildModel');
    const { modelWeights } = await import('../src/trainer/keras/modelWeights');
    const { writeWeightsH5 } = await import('../src/core/keras/kerasWriters');
    await initBackend('cpu');
    const model = buildModel(spec);
    const weights = modelWeights(model, spec);
    await writeWeightsH5(files.weights, spec, weights);
    model.dispose();
    const r = cp.spawnSync(PYTHON, ['-c', READER, files.keras, files.h5, files.weights], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.strictEqual(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.deepStrictEqual(got.keras_members, ['metadata.json', 'config.json', 'model.weights.h5']);
    assert.match(got.keras_metadata.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
    assert.deepStrictEqual(got.keras_config, JSON.parse(kerasJson(toKerasConfig(spec))));
    assert.strictEqual(got.keras_root_vars, 0);

    const layers = kerasModelLayers(spec);
    const paths = kerasLayerPaths(layers.map((l) => l.type)).map((p) => `layers/${p}`);
    const expected = (i: number) => weights[i].map((w) => ({ shape: w.shape, dtype: 'float32', sha256: crypto.createHash('sha256').update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)).digest('hex') }));
    const byPath = Object.fromEntries(paths.map((p, i) => [p, expected(i)]));
    assert.deepStrictEqual(got.keras_weights, byPath, 'layers/<class_snake_case>/vars/<i>, exact float32 values');
    assert.deepStrictEqual(got.weights_h5, byPath);
    // BatchNormalization: gamma, beta, moving_mean, moving_variance; the second has no beta (center: false).
    assert.deepStrictEqual(got.keras_weights['layers/batch_normalization'].map((d: { shape: number[] }) => d.shape), [[4], [4], [4], [4]]);
    assert.strictEqual(got.keras_weights['layers/batch_normalization_1'].length, 3);

    assert.deepStrictEqual(got.h5_model_config, JSON.parse(kerasJson(toLegacyModelConfig(spec))));
    assert.deepStrictEqual(got.h5_training_config.optimizer_config.config.momentum, 0);
    assert.deepStrictEqual(got.h5_layer_names, layers.map((l) => l.name));
    assert.deepStrictEqual(got.h5_versions[1], 'tensorflow');
    layers.forEach((l, i) => {
      const names = kerasWeightNames(l.type, l.args).map((n) => `every-layer/${l.name}/${n}`);
      assert.deepStrictEqual(got.h5_weights[l.name], names.map((n, j) => [n, expected(i)[j]]), l.name);
    });
  });
});

describe('Keras weights from TensorFlow.js', () => {
  it('pairs every Keras weight tag with its array in getWeights() (trainable first in tfjs)', async () => {
    const spec = every();
    const { initBackend } = await import('../src/trainer/backend');
    const { buildModel } = await import('../src/trainer/buildModel');
    const { kerasWeightTags } = await import('../src/trainer/keras/modelWeights');
    await initBackend('cpu');
    const model = buildModel(spec);
    const tfjsNames = model.weights.map((w) => w.originalName);
    model.dispose();
    const tags = kerasWeightTags(spec);
    assert.strictEqual(tags.length, tfjsNames.length);
    for (const t of tags) assert.strictEqual(`every-layer/${tfjsNames[t.index]}`, t.tag);
  });
});

describe('modelspec export: Keras formats, scripts and output paths', function () {
  this.timeout(120000);

  it('refuses bad output paths with a clear message, and replaces an existing target only with --force', async () => {
    const dir = tmp();
    const file = path.join(dir, 'm.keras');
    const bad = async (expected: RegExp, ...argv: string[]) => {
      const r = await cli('export', FIXTURE, ...argv);
      assert.strictEqual(r.code, 2, r.out);
      assert.match(r.err, expected);
      assert.doesNotMatch(r.err, /ENOENT|EACCES|Error:|\n\s+at /);
    };
    await bad(/--out must end in \.keras/, '--format', 'keras', '--out', path.join(dir, 'm.h5'));
    await bad(/the folder .*missing.* does not exist/, '--format', 'keras', '--out', path.join(dir, 'missing', 'm.keras'));
    fs.mkdirSync(path.join(dir, 'folder.keras'));
    await bad(/is a folder; --format keras writes a \.keras file/, '--format', 'keras', '--out', path.join(dir, 'folder.keras'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    await bad(/is a file, not a folder/, '--format', 'h5', '--out', path.join(dir, 'notes.txt', 'm.h5'));
    await bad(/is a file; --format tfjs writes a folder/, '--format', 'tfjs', '--out', path.join(dir, 'notes.txt'));
    fs.writeFileSync(path.join(dir, 'text.h5'), 'not hdf5');
    await bad(/is not a Keras \.h5 file; not replacing it/, '--format', 'h5', '--out', path.join(dir, 'text.h5'), '--force');
    assert.strictEqual(fs.readFileSync(path.join(dir, 'text.h5'), 'utf8'), 'not hdf5');

    assert.strictEqual((await cli('export', FIXTURE, '--format', 'keras', '--out', file)).code, 0);
    const first = fs.readFileSync(file);
    await bad(/already exists; add --force to replace it/, '--format', 'keras', '--out', file);
    const r = await cli('export', FIXTURE, '--format', 'keras', '--out', file, '--force');
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /Wrote .*m\.keras \(844 params\)/);
    assert.ok(fs.statSync(file).size === first.length);
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('writes a Keras 3 script that compiles and names every layer and callback of the spec', async function () {
    const dir = tmp();
    const specFile = path.join(dir, 'cnn.model.json');
    const text = fs.readFileSync(FIXTURE, 'utf8').replace('"fit": { "epochs": 2, "batch_size": 32 }', `"fit": { "epochs": 2, "batch_size": 32, "callbacks": [
      { "type": "EarlyStopping", "patience": 2, "restore_best_weights": true },
      { "type": "ModelCheckpoint", "filepath": "checkpoints/best", "save_best_only": true },
      { "type": "ReduceLROnPlateau", "factor": 0.5 },
      { "type": "CSVLogger", "filename": "log.csv" },
      { "type": "TerminateOnNaN" },
      { "type": "TensorBoard", "log_dir": "tb", "histogram_freq": 1 }
    ] }`);
    fs.writeFileSync(specFile, text);
    const out = path.join(dir, 'train.py');
    const r = await cli('export', specFile, '--format', 'keras-script', '--out', out, '--distribute', 'mirrored');
    assert.strictEqual(r.code, 0, r.err);
    const script = fs.readFileSync(out, 'utf8');
    const spec = resolveSpec(text);
    assert.ok(spec.ok);
    for (const l of spec.spec.layers.filter((x) => x.type !== 'Input')) assert.ok(script.includes(`keras.layers.${l.type}(`) && script.includes(`name="${l.name}"`), l.name);
    assert.ok(script.includes('keras.Input(shape=(28, 28), name="pixels")'));
    for (const c of spec.spec.fit.callbacks) assert.ok(script.includes(`keras.callbacks.${c.type}(`), c.type);
    assert.ok(script.includes('filepath=str(RUN_DIR / "checkpoints/best.keras")'), 'Keras 3 needs a .keras checkpoint path');
    assert.ok(script.includes('DISTRIBUTE = "mirrored"') && script.includes('tf.distribute.MultiWorkerMirroredStrategy()'));
    assert.ok(script.includes('keras.optimizers.SGD(learning_rate=0.05)'), 'momentum 0 is the default, so it is left out');
    assert.ok(script.includes('kernel_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=3)'));
    assert.ok(script.includes('keras.datasets.mnist.load_data()') && script.includes('x_train[:100]') && script.includes('/ 255'));
    assert.ok(script.includes('keras.utils.set_random_seed(SEED)'));
    const compiled = cp.spawnSync(PYTHON, ['-m', 'py_compile', out], { encoding: 'utf8' });
    assert.strictEqual(compiled.status, 0, compiled.stderr);
    const bad = await cli('export', specFile, '--format', 'keras-script', '--out', out);
    assert.match(bad.err, /already exists; add --force/);
  });
});
