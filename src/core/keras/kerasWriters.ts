/**
 * Writers for the files Keras loads: `.keras` (Keras 3 native, keras/src/saving/saving_lib.py),
 * legacy `.h5` (keras/src/legacy/saving/legacy_h5_format.py) and `.weights.h5` (Keras 3 weights
 * only). Each file is written beside its target under a temporary name, then renamed over it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { strToU8, zipSync } from 'fflate';
import { writeFileAtomic } from '../atomicWrite';
import { kerasJson } from './kerasJson';
import { kerasLayerPaths, kerasWeightNames } from './kerasWeights';
import { KERAS_VERSION, kerasMetadata, kerasModelLayers, kerasModelName, toKerasConfig, toLegacyModelConfig, toLegacyTrainingConfig } from './toKerasConfig';
import type { ResolvedSpec } from '../resolve';
import { hdf5, writeDataset, writeNames, type H5Group, type WeightArray } from './hdf5';

/** The weights of every layer in Keras's `model.layers` order, each in `kerasWeightNames` order. */
export type ModelWeights = WeightArray[][];

/** What a Keras 3 model reports as its backend; the files hold plain float32 arrays either way. */
const BACKEND = 'tensorflow';

let counter = 0;
const tempBeside = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);

/** Writes an HDF5 file with `fill` under a temporary name beside `file`, then renames it over `file`. */
async function writeHdf5Atomic(file: string, fill: (root: H5Group) => void): Promise<void> {
  const h5 = await hdf5();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    const f = new h5.File(tmp, 'w');
    try {
      fill(f);
    } finally {
      f.close();
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function checkWeights(spec: ResolvedSpec, weights: ModelWeights): void {
  const layers = kerasModelLayers(spec);
  if (weights.length !== layers.length) throw new Error(`Expected weights for ${layers.length} layers, got ${weights.length}.`);
  layers.forEach((l, i) => {
    const names = kerasWeightNames(l.type, l.args);
    if (weights[i].length !== names.length) throw new Error(`Layer ${l.name} (${l.type}) has ${names.length} weights (${names.join(', ')}), got ${weights[i].length}.`);
  });
}

/**
 * The Keras 3 weights layout: a root `vars` group (the model's own variables: none for a
 * Sequential), then `layers/<class_snake_case[_n]>/vars/<i>` per layer. Keras 3.16 creates the
 * group of every named object, with a `name` attribute, even when it holds no variables.
 */
function fillKerasWeights(root: H5Group, spec: ResolvedSpec, weights: ModelWeights): void {
  root.create_group('vars').create_attribute('name', kerasModelName(spec));
  const layersGroup = root.create_group('layers');
  const layers = kerasModelLayers(spec);
  kerasLayerPaths(layers.map((l) => l.type)).forEach((p, i) => {
    const vars = layersGroup.create_group(p).create_group('vars');
    vars.create_attribute('name', layers[i].name);
    weights[i].forEach((w, j) => writeDataset(vars, String(j), w));
  });
}

/** Writes a Keras 3 `.weights.h5` file (what `model.save_weights` writes and `load_weights` reads). */
export async function writeWeightsH5(file: string, spec: ResolvedSpec, weights: ModelWeights): Promise<void> {
  checkWeights(spec, weights);
  await writeHdf5Atomic(file, (root) => fillKerasWeights(root, spec, weights));
}

/** Writes a `.keras` file: a zip of metadata.json, config.json and model.weights.h5, stored uncompressed as Keras does. */
export async function writeKerasFile(file: string, spec: ResolvedSpec, weights: ModelWeights, date = new Date()): Promise<void> {
  checkWeights(spec, weights);
  const weightsFile = tempBeside(file);
  let h5: Uint8Array;
  try {
    await writeHdf5Atomic(weightsFile, (root) => fillKerasWeights(root, spec, weights));
    h5 = fs.readFileSync(weightsFile);
  } finally {
    fs.rmSync(weightsFile, { force: true });
  }
  const zip = zipSync({
    'metadata.json': strToU8(JSON.stringify(kerasMetadata(date))),
    'config.json': strToU8(kerasJson(toKerasConfig(spec))),
    'model.weights.h5': h5,
  }, { level: 0 });
  writeFileAtomic(file, zip);
}

/**
 * Writes a legacy `.h5` model: root attributes `model_config`, `training_config`,
 * `keras_version`, `backend`; group `model_weights` with `layer_names` and one group per layer
 * (sorted by name, as Keras creates them) holding `weight_names` and the datasets they name
 * (`<model>/<layer>/<variable>`, Keras 3's variable paths in a Sequential). Keras loads these by order.
 */
export async function writeLegacyH5(file: string, spec: ResolvedSpec, weights: ModelWeights): Promise<void> {
  checkWeights(spec, weights);
  const layers = kerasModelLayers(spec);
  const model = kerasModelName(spec);
  await writeHdf5Atomic(file, (root) => {
    root.create_attribute('keras_version', KERAS_VERSION);
    root.create_attribute('backend', BACKEND);
    root.create_attribute('model_config', kerasJson(toLegacyModelConfig(spec)));
    root.create_attribute('training_config', kerasJson(toLegacyTrainingConfig(spec)));
    const group = root.create_group('model_weights');
    writeNames(group, 'layer_names', layers.map((l) => l.name));
    group.create_attribute('backend', BACKEND);
    group.create_attribute('keras_version', KERAS_VERSION);
    const order = layers.map((l, i) => ({ l, i })).sort((a, b) => (a.l.name < b.l.name ? -1 : a.l.name > b.l.name ? 1 : 0));
    for (const { l, i } of order) {
      const layerGroup = group.create_group(l.name);
      const vars = kerasWeightNames(l.type, l.args);
      writeNames(layerGroup, 'weight_names', vars.map((n) => `${model}/${l.name}/${n}`));
      const inner = vars.length ? layerGroup.create_group(model).create_group(l.name) : undefined;
      vars.forEach((n, j) => writeDataset(inner as H5Group, n, weights[i][j]));
    }
    // Keras 3 also writes the model's own (top-level) variables; a Sequential has none.
    writeNames(group.create_group('top_level_model_weights'), 'weight_names', []);
  });
}
