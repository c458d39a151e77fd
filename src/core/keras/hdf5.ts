/**
 * HDF5 through h5wasm's node build (HDF5 compiled to WebAssembly): the readers open bytes in its
 * in-memory file system, the writers write host files directly. That build is an ES module with
 * its wasm inlined; it is loaded with a real dynamic `import()` (which TypeScript's CommonJS
 * output would turn into `require`), so it stays in node_modules beside the bundles.
 */
import type * as H5 from 'h5wasm';

/** The h5wasm module namespace; `FS` (its in-memory file system) is set once `ready` resolves. */
export type H5Module = typeof H5 & { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };
export type H5Group = H5.Group;

const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
let loaded: Promise<H5Module> | undefined;

/** The initialized h5wasm module (loaded once). */
export function hdf5(): Promise<H5Module> {
  loaded ??= (async () => {
    const h5 = (await importEsm('h5wasm/node')) as H5Module;
    await h5.ready;
    return h5;
  })();
  return loaded;
}

/** One array for an HDF5 dataset: float32 values in row-major order and their shape. */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

/** Writes a float32 dataset (little-endian, as numpy's float32 is on every platform Keras runs on). */
export function writeDataset(group: H5Group, name: string, w: WeightArray): void {
  group.create_dataset({ name, data: w.data, shape: w.shape, dtype: '<f' });
}

/** Keras's `HDF5_OBJECT_HEADER_LIMIT`: a names attribute larger than this is split. */
export const HDF5_OBJECT_HEADER_LIMIT = 64512;

/**
 * How Keras's `save_attributes_to_hdf5_group` splits a list of names: `np.asarray` of the UTF-8
 * names makes fixed-size items as long as the longest name, and `np.array_split` into 1, 2, ...
 * chunks (the first `n % k` one item longer) until every chunk is at most the limit. One chunk
 * means no split. Throws when a single name is over the limit, as Keras does.
 */
export function nameChunks(names: readonly string[]): { itemSize: number; chunks: string[][] } {
  const sizes = names.map((n) => Buffer.byteLength(n, 'utf8'));
  const itemSize = Math.max(1, ...sizes);
  if (itemSize > HDF5_OBJECT_HEADER_LIMIT) throw new Error(`A name of ${itemSize} bytes cannot be saved in an HDF5 attribute (the limit is ${HDF5_OBJECT_HEADER_LIMIT} bytes).`);
  let k = 1;
  while (Math.ceil(names.length / k) * itemSize > HDF5_OBJECT_HEADER_LIMIT) k++;
  const base = Math.floor(names.length / k);
  const chunks: string[][] = [];
  let at = 0;
  for (let i = 0; i < k; i++) {
    const len = base + (i < names.length % k ? 1 : 0);
    chunks.push(names.slice(at, at + len));
    at += len;
  }
  return { itemSize, chunks };
}

/**
 * Writes a list of names as Keras's `save_attributes_to_hdf5_group` leaves them: in one
 * attribute `attr`, an array of variable-length strings (Keras 3.15 with h5py writes a list of
 * bytes so); when that is over the header limit, in `attr0`, `attr1`, ... (each a numpy chunk,
 * fixed-length strings of the longest name's size). An empty list is a zero-length float64
 * array, as `np.asarray([])` makes it.
 */
export function writeNames(group: H5Group, attr: string, names: readonly string[]): void {
  if (!names.length) {
    group.create_attribute(attr, new Float64Array(0), [0], '<d');
    return;
  }
  const { itemSize, chunks } = nameChunks(names);
  if (chunks.length === 1) group.create_attribute(attr, [...names], [names.length]);
  else chunks.forEach((c, i) => group.create_attribute(`${attr}${i}`, c, [c.length], `S${itemSize}`));
}

/** Reads a names attribute as Keras's `load_attributes_from_hdf5_group` does: `attr`, or `attr0`, `attr1`, ... joined. */
export function readNames(g: H5Group, attr: string): string[] {
  const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const attrs = g.attrs;
  if (attrs[attr] !== undefined) return asList(attrs[attr].value);
  const out: string[] = [];
  for (let i = 0; attrs[`${attr}${i}`] !== undefined; i++) out.push(...asList(attrs[`${attr}${i}`].value));
  return out;
}

/** Whether `g` has a names attribute `attr`, whole or split. */
export function hasNames(g: H5Group, attr: string): boolean {
  const attrs = g.attrs;
  return attrs[attr] !== undefined || attrs[`${attr}0`] !== undefined;
}
