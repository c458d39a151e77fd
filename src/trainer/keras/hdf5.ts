/**
 * HDF5 through h5wasm's node build (HDF5 compiled to WebAssembly, reading and writing host files
 * directly). That build is an ES module with its wasm inlined; it is loaded with a real dynamic
 * `import()` (which TypeScript's CommonJS output would turn into `require`), so it stays in
 * node_modules beside the bundles, like TensorFlow.js.
 */
import type * as H5 from 'h5wasm';

export type H5Module = typeof H5;
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

/**
 * Writes a list of names as Keras's `save_attributes_to_hdf5_group` leaves them (Keras 3.15 with
 * h5py: an array of variable-length strings); an empty list is a zero-length float64 array, as
 * `np.asarray([])` makes it.
 */
export function writeNames(group: H5Group, attr: string, names: readonly string[]): void {
  if (!names.length) group.create_attribute(attr, new Float64Array(0), [0], '<d');
  else group.create_attribute(attr, [...names], [names.length]);
}
