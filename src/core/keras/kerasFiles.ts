/**
 * Reading Keras files: the `.keras` zip (config.json + model.weights.h5) and the legacy `.h5`
 * (root attributes model_config / training_config, group model_weights), for their config and
 * their weights. HDF5 through h5wasm (in memory), zips through fflate.
 */
import * as fs from 'fs';
import { unzipSync } from 'fflate';
import type * as H5 from 'h5wasm';
import type { Json } from '../registry';
import { toSnakeCase } from '../registry/names';

/** The h5wasm module namespace; `FS` (its in-memory file system) is set once `ready` resolves. */
type H5Module = typeof H5 & { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };

/** A Keras file that cannot be read; the message says what is wrong (the caller names the file). */
export class KerasFileError extends Error {}

/** Files larger than this are refused rather than read into memory. */
export const MAX_KERAS_FILE_BYTES = 1024 * 1024 * 1024;

let h5: Promise<H5Module> | undefined;
/** h5wasm ships only as an ES module; this keeps the import native under CommonJS too. */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<H5Module>;

async function h5wasm(): Promise<H5Module> {
  h5 ??= importEsm('h5wasm/node').then(async (m) => { await m.ready; return m; });
  return h5;
}

let tempCounter = 0;

/** Opens HDF5 bytes in h5wasm's in-memory file system, runs `use`, and frees the file. */
export async function withH5<T>(bytes: Uint8Array, use: (f: H5.File) => T): Promise<T> {
  const lib = await h5wasm();
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

/** Reads a file's bytes with the size cap and a clear message instead of raw errno text. */
export function readBytes(file: string): Uint8Array {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KerasFileError(code === 'ENOENT' ? 'no such file.' : `cannot read it (${code}).`);
  }
  if (size > MAX_KERAS_FILE_BYTES) throw new KerasFileError(`it is ${(size / 2 ** 30).toFixed(1)} GiB; the import reads files up to 1 GiB.`);
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
      const weightsOnly = f.keys().includes('layers') || f.attrs.layer_names;
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
export interface StoredWeight {
  shape: number[];
  data: Float32Array;
}

/** Attribute lists Keras splits into `name0`, `name1`, ... when they exceed the HDF5 header limit. */
function listAttr(g: H5.Group, name: string): string[] {
  const one = g.attrs[name]?.value;
  const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  if (one !== undefined) return asList(one);
  const out: string[] = [];
  for (let i = 0; g.attrs[`${name}${i}`]; i++) out.push(...asList(g.attrs[`${name}${i}`].value));
  return out;
}

function dataset(f: H5.File, path: string): StoredWeight | undefined {
  const d = f.get(path) as H5.Dataset | null;
  if (!d || !('shape' in d)) return undefined;
  const v = d.value;
  const data = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
  return { shape: d.shape ?? [], data };
}

/** The weights of each layer with weights, in model order: `.h5` by `layer_names`, `.keras` by Keras's layer paths. */
export async function readStoredWeights(file: string, layerTypes: readonly string[]): Promise<StoredWeight[][]> {
  const bytes = readBytes(file);
  const h5Bytes = file.endsWith('.keras') ? readKerasArchive(bytes).weights : bytes;
  if (!h5Bytes) throw new KerasFileError('its archive has no model.weights.h5.');
  if (!isHdf5(h5Bytes)) throw new KerasFileError('its weights are not an HDF5 file.');
  return withH5(h5Bytes, (f) => {
    const keys = f.keys();
    if (keys.includes('model_weights') || f.attrs.layer_names) {
      const g = (keys.includes('model_weights') ? f.get('model_weights') : f) as H5.Group;
      const prefix = keys.includes('model_weights') ? 'model_weights/' : '';
      return listAttr(g, 'layer_names')
        .map((layer) => listAttr(f.get(`${prefix}${layer}`) as H5.Group, 'weight_names').map((w) => dataset(f, `${prefix}${layer}/${w}`)!))
        .filter((ws) => ws.length > 0);
    }
    // Keras 3: layers/<class name in snake case, counted>/vars/0, 1, ...
    const counts = new Map<string, number>();
    const out: StoredWeight[][] = [];
    for (const type of layerTypes) {
      const stem = toSnakeCase(type);
      const n = counts.get(stem) ?? 0;
      counts.set(stem, n + 1);
      const vars: StoredWeight[] = [];
      for (let i = 0; ; i++) {
        const w = dataset(f, `layers/${n ? `${stem}_${n}` : stem}/vars/${i}`);
        if (!w) break;
        vars.push(w);
      }
      if (vars.length) out.push(vars);
    }
    return out;
  });
}
