/**
 * Reading Keras files: the `.keras` zip (config.json + model.weights.h5) and the legacy `.h5`
 * (root attributes model_config / training_config, group model_weights), for their config and
 * their weights. HDF5 through h5wasm (in memory), zips through fflate.
 */
import * as fs from 'fs';
import { unzipSync } from 'fflate';
import type * as H5 from 'h5wasm';
import type { Json } from '../registry';
import { hasNames, hdf5, readNames, type WeightArray } from './hdf5';
import { kerasLayerPaths } from './kerasWeights';

/** A Keras file that cannot be read; the message says what is wrong (the caller names the file). */
export class KerasFileError extends Error {}

/** Files larger than this are refused rather than read into memory. */
export const MAX_KERAS_FILE_BYTES = 1024 * 1024 * 1024;

let tempCounter = 0;

/** Opens HDF5 bytes in h5wasm's in-memory file system, runs `use`, and frees the file. */
export async function withH5<T>(bytes: Uint8Array, use: (f: H5.File) => T): Promise<T> {
  const lib = await hdf5();
  const name = `/modelspec-import-${process.pid}-${tempCounter++}.h5`;
  const FS = lib.FS;
  if (truncatedHdf5(bytes)) throw new KerasFileError('its HDF5 data is cut short (the file is truncated); copy or save it again from Keras.');
  FS.writeFile(name, bytes);
  let file: H5.File | undefined;
  try {
    try {
      file = new lib.File(name, 'r');
    } catch {
      throw new KerasFileError('it is not a readable HDF5 file (truncated or damaged?). Save it again from Keras.');
    }
    try {
      return use(file);
    } catch (e) {
      // A file cut short opens, then fails where its objects should be.
      if (e instanceof KerasFileError) throw e;
      throw new KerasFileError('it is not a readable HDF5 file (truncated or damaged?). Save it again from Keras.');
    }
  } finally {
    file?.close();
    FS.unlink(name);
  }
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const isHdf5 = (b: Uint8Array): boolean => HDF5_MAGIC.every((v, i) => b[i] === v);

/**
 * Whether HDF5 bytes end before the end-of-file address their superblock records (a file cut
 * short in a copy or download). Checked up front so HDF5's own error dump never reaches a user.
 */
function truncatedHdf5(b: Uint8Array): boolean {
  if (b.length < 16) return true;
  const version = b[8];
  const sizeOffsets = version >= 2 ? b[9] : b[13];
  const eofAt = version >= 2 ? 12 + 2 * sizeOffsets : 24 + 2 * sizeOffsets + (version === 1 ? 4 : 0);
  if (eofAt + sizeOffsets > b.length) return true;
  let eof = 0;
  for (let i = sizeOffsets - 1; i >= 0; i--) eof = eof * 256 + b[eofAt + i];
  return eof > b.length;
}

/** The message of a missing file (callers that know where the path was relative to add it). */
export const NO_SUCH_FILE = 'no such file.';

/** A file-system error (from stat or read) as a KerasFileError, without raw errno text. */
export function fileError(e: unknown): KerasFileError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new KerasFileError(NO_SUCH_FILE);
  if (code === 'EISDIR') return new KerasFileError('it is a folder, not a file.');
  if (code === 'EACCES' || code === 'EPERM') return new KerasFileError('it cannot be read (no read permission).');
  return new KerasFileError(`it cannot be read (${code ?? (e as Error).message}).`);
}

/** Why a file of `size` bytes is not read, or undefined. */
export function sizeProblem(size: number): KerasFileError | undefined {
  return size > MAX_KERAS_FILE_BYTES ? new KerasFileError(`it is ${(size / 2 ** 30).toFixed(1)} GiB; Keras files are read up to 1 GiB.`) : undefined;
}

/** Reads a file's bytes with the size cap and a clear message instead of raw errno text. */
export function readBytes(file: string): Uint8Array {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw fileError(e);
  }
  if (stat.isDirectory()) throw fileError({ code: 'EISDIR' });
  const tooBig = sizeProblem(stat.size);
  if (tooBig) throw tooBig;
  return fs.readFileSync(file);
}

/** The parts of a `.keras` archive: config.json (text) and model.weights.h5 (bytes, when present). */
export function readKerasArchive(bytes: Uint8Array): { config: string; weights?: Uint8Array } {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new KerasFileError('it is not a zip archive; a .keras file is a zip of config.json, metadata.json and model.weights.h5 (save it with model.save("name.keras")).');
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name === 'config.json' || f.name === 'model.weights.h5' });
  } catch (e) {
    throw new KerasFileError(`its zip archive is damaged (${(e as Error).message}).`);
  }
  if (!entries['config.json']) throw new KerasFileError('its archive has no config.json, so it is not a Keras 3 .keras file.');
  return { config: new TextDecoder().decode(entries['config.json']), ...(entries['model.weights.h5'] ? { weights: entries['model.weights.h5'] } : {}) };
}

function attrText(f: H5.Group, name: string): string | undefined {
  const a = f.attrs[name];
  if (!a) return undefined;
  const v = a.value;
  return typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : Array.isArray(v) ? String(v[0]) : undefined;
}

/** A legacy `.h5` model's config and training config, parsed. */
export async function readLegacyH5(bytes: Uint8Array): Promise<{ config: Json; training?: Json; hasWeights: boolean }> {
  if (!isHdf5(bytes)) throw new KerasFileError('it is not an HDF5 file (no HDF5 signature); a Keras .h5 model is written by model.save("name.h5").');
  return withH5(bytes, (f) => {
    const config = attrText(f, 'model_config');
    if (!config) {
      const weightsOnly = f.keys().includes('layers') || hasNames(f, 'layer_names');
      throw new KerasFileError(weightsOnly
        ? 'it holds weights only (no model_config): import the model\'s code or config, and name this file in "initial_weights".'
        : 'it has no model_config attribute, so it is not a Keras model saved with model.save("name.h5").');
    }
    const training = attrText(f, 'training_config');
    const parse = (t: string, what: string): Json => {
      try { return JSON.parse(t) as Json; } catch { throw new KerasFileError(`its ${what} attribute is not valid JSON.`); }
    };
    return { config: parse(config, 'model_config'), ...(training ? { training: parse(training, 'training_config') } : {}), hasWeights: f.keys().includes('model_weights') };
  });
}

/** One weight array as stored, in the layer's variable order (kernel, bias, ...). */
export type StoredWeight = WeightArray;

function dataset(f: H5.File, path: string): StoredWeight | undefined {
  const d = f.get(path) as H5.Dataset | null;
  if (!d || !('shape' in d)) return undefined;
  const v = d.value;
  const data = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
  return { shape: d.shape ?? [], data };
}

/** One layer's weights in a Keras file: its group there (the layer's name in `.h5`, its path in `.keras`) and its arrays. */
export interface StoredLayer {
  name: string;
  weights: StoredWeight[];
}

/** Reads the weighted layers of a `.keras`, `.h5` or `.weights.h5` file (see {@link storedLayersFromBytes}). */
export function readStoredLayers(file: string, layerTypes: readonly string[]): Promise<StoredLayer[]> {
  return storedLayersFromBytes(readBytes(file), file.endsWith('.keras'), layerTypes);
}

/**
 * The layers with weights, in model order: `.h5` by `layer_names` (whole or split) and each
 * layer's `weight_names`; `.keras` (`isKeras`: a zip) by the paths Keras gives `layerTypes`.
 */
export async function storedLayersFromBytes(bytes: Uint8Array, isKeras: boolean, layerTypes: readonly string[]): Promise<StoredLayer[]> {
  const h5Bytes = isKeras ? readKerasArchive(bytes).weights : bytes;
  if (!h5Bytes) throw new KerasFileError('its archive has no model.weights.h5.');
  if (!isHdf5(h5Bytes)) throw new KerasFileError(isKeras ? 'its weights are not an HDF5 file.' : 'it is not an HDF5 file (no HDF5 signature); save the weights again with model.save("name.h5").');
  return withH5(h5Bytes, (f) => {
    const keys = f.keys();
    if (keys.includes('model_weights') || hasNames(f, 'layer_names')) {
      const prefix = keys.includes('model_weights') ? 'model_weights/' : '';
      return readNames((prefix ? f.get('model_weights') : f) as H5.Group, 'layer_names')
        .map((name) => ({ name, weights: legacyLayerWeights(f, `${prefix}${name}`) }))
        .filter((l) => l.weights.length > 0);
    }
    // Keras 3: layers/<class name in snake case, counted>/vars/0, 1, ...
    return kerasLayerPaths(layerTypes.filter((t) => t !== 'Input')).map((p) => {
      const weights: StoredWeight[] = [];
      for (let w = dataset(f, `layers/${p}/vars/0`); w; w = dataset(f, `layers/${p}/vars/${weights.length}`)) weights.push(w);
      return { name: p, weights };
    }).filter((l) => l.weights.length > 0);
  });
}

function legacyLayerWeights(f: H5.File, group: string): StoredWeight[] {
  const g = f.get(group) as H5.Group | null;
  if (!g || !('keys' in g)) throw new KerasFileError(`its layer_names lists ${group}, which the file does not have.`);
  return readNames(g, 'weight_names').map((w) => {
    const d = dataset(f, `${group}/${w}`);
    if (!d) throw new KerasFileError(`its layer ${group} names the weight ${w}, which the file does not have.`);
    return d;
  });
}
