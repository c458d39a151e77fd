import { DataError } from './dataError';
import { readFileBytes } from './fileBytes';
import { NdArray } from './ndarray';
import { parseNpy } from './npy';
import { listZipEntries, readZipEntry, ZipEntry } from './zip';

/** An opened .npz archive: array names are the entry names without `.npy`. */
export interface NpzArchive {
  file: string;
  names: string[];
  /** Parses one array (only the arrays asked for are inflated and parsed). */
  get(name: string): NdArray;
}

/** Opens an .npz archive already in memory (`file` names it in errors). */
export function parseNpz(buf: Buffer, file: string): NpzArchive {
  const entries = new Map<string, ZipEntry>();
  for (const e of listZipEntries(buf, file)) {
    if (e.name.endsWith('.npy')) entries.set(e.name.slice(0, -4), e);
  }
  const names = [...entries.keys()];
  return {
    file,
    names,
    get(name: string): NdArray {
      const entry = entries.get(name);
      if (!entry) {
        throw new DataError(`${file}: no array '${name}' (arrays found: ${names.length ? names.join(', ') : 'none'})`);
      }
      return parseNpy(readZipEntry(buf, entry, file), `${file} (array ${name})`);
    },
  };
}

/** Reads and opens an .npz archive. */
export function readNpz(file: string, hint?: string): NpzArchive {
  return parseNpz(readFileBytes(file, hint), file);
}

/** The four arrays of a Keras-layout .npz (`keras.datasets.mnist`); the test pair is optional. */
export interface KerasNpz {
  train: { x: NdArray; y: NdArray };
  test?: { x: NdArray; y: NdArray };
}

/**
 * Reads a Keras-layout .npz: `x_train`, `y_train` and, when present, `x_test`, `y_test`
 * (as in Keras's `mnist.npz`).
 */
export function readKerasNpz(file: string, hint?: string): KerasNpz {
  const npz = readNpz(file, hint);
  const missing = ['x_train', 'y_train'].filter((k) => !npz.names.includes(k));
  const hasTest = npz.names.includes('x_test') || npz.names.includes('y_test');
  if (hasTest) missing.push(...['x_test', 'y_test'].filter((k) => !npz.names.includes(k)));
  if (missing.length) {
    throw new DataError(
      `${file}: missing array(s) ${missing.join(', ')} (arrays found: ${npz.names.join(', ') || 'none'}); ` +
        'a Keras-layout .npz holds x_train, y_train, x_test, y_test, e.g. numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)',
    );
  }
  return {
    train: { x: npz.get('x_train'), y: npz.get('y_train') },
    test: hasTest ? { x: npz.get('x_test'), y: npz.get('y_test') } : undefined,
  };
}
