/**
 * NPZ archives (numpy.savez / savez_compressed): a zip of `.npy` files, read with fflate. Before
 * an entry is inflated its announced sizes are checked (nothing larger than a data file may be,
 * nothing a deflate stream could not produce), so a zip bomb is refused without inflating it;
 * every inflated entry is checked against its CRC-32.
 */
import * as zlib from 'zlib';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { DataError } from './dataError';
import { MAX_DATA_BYTES, formatBytes, readFileBytes } from './fileBytes';
import { NdArray } from './ndarray';
import { parseNpy } from './npy';

/** An opened .npz archive: array names are the entry names without `.npy`. */
export interface NpzArchive {
  file: string;
  names: string[];
  /** Parses one array (only the arrays asked for are inflated and parsed). */
  get(name: string): NdArray;
}

/** Deflate expands by at most 1032:1; an entry announcing more is corrupt (or a bomb). */
const MAX_DEFLATE_RATIO = 1032;
/** An .npz holds a handful of arrays; a directory announcing more is corrupt. */
const MAX_ENTRIES = 4096;

function corrupt(file: string, what: string): DataError {
  return new DataError(`${file}: bad zip archive (${what}); the file is truncated or corrupt: save or download it again`);
}

/** The entries of the archive's central directory, without inflating any. */
function listEntries(buf: Buffer, file: string): UnzipFileInfo[] {
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(buf, {
      filter: (info) => {
        if (entries.length >= MAX_ENTRIES) throw corrupt(file, `more than ${MAX_ENTRIES} entries`);
        entries.push(info);
        return false;
      },
    });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      `${file}: not a zip archive (${(e as Error).message}); an .npz file is written by numpy.savez or numpy.savez_compressed`,
    );
  }
  return entries;
}

/**
 * CRC-32 of each entry by name, from the central directory (fflate does not check them). The
 * directory was already walked by fflate, so only its fixed-size records are read here.
 */
function centralCrcs(buf: Buffer, file: string): Map<string, number> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const crcs = new Map<string, number>();
  if (eocd < 0 || eocd + 22 > buf.length) return crcs;
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0 && p + 46 <= buf.length && buf.readUInt32LE(p) === 0x02014b50; n--) {
    const nameLen = buf.readUInt16LE(p + 28);
    if (p + 46 + nameLen > buf.length) throw corrupt(file, 'central directory truncated');
    crcs.set(buf.toString('utf8', p + 46, p + 46 + nameLen), buf.readUInt32LE(p + 16));
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return crcs;
}

/** Refuses an entry whose announced sizes cannot be right, before anything is allocated for it. */
function checkEntry(info: UnzipFileInfo, where: string): void {
  if (info.compression !== 0 && info.compression !== 8) {
    throw new DataError(
      `${where}: zip compression method ${info.compression} is not supported (only stored and deflate); ` +
        'save it again with numpy.savez or numpy.savez_compressed',
    );
  }
  if (info.originalSize > MAX_DATA_BYTES) {
    throw new DataError(
      `${where}: the entry announces ${formatBytes(info.originalSize)}, more than the ${formatBytes(MAX_DATA_BYTES)} ` +
        'an array may hold; the archive is corrupt, or use a smaller subset of the data',
    );
  }
  const possible = info.compression === 0 ? info.size : info.size * MAX_DEFLATE_RATIO + 1024;
  if (info.compression === 0 ? info.originalSize !== info.size : info.originalSize > possible) {
    throw corrupt(where, `${info.originalSize} bytes announced from ${info.size} bytes of ${info.compression === 0 ? 'stored' : 'deflate'} data`);
  }
}

/** Inflates one entry (at most its announced size) and checks its CRC-32. */
function readEntry(buf: Buffer, info: UnzipFileInfo, crc: number | undefined, where: string): Buffer {
  checkEntry(info, where);
  let data: Uint8Array | undefined;
  try {
    data = unzipSync(buf, { filter: (f) => f.name === info.name })[info.name];
  } catch {
    throw corrupt(where, `the deflate data is damaged, or inflates past the ${info.originalSize} bytes announced`);
  }
  if (!data) throw corrupt(where, 'entry unreadable');
  const out = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (out.length !== info.originalSize) throw corrupt(where, `${out.length} bytes instead of the ${info.originalSize} announced`);
  if (crc === undefined || zlib.crc32(out) !== crc) throw corrupt(where, 'CRC-32 mismatch');
  return out;
}

/** Opens an .npz archive already in memory (`file` names it in errors). */
export function parseNpz(buf: Buffer, file: string): NpzArchive {
  const entries = new Map<string, UnzipFileInfo>();
  for (const e of listEntries(buf, file)) {
    if (e.name.endsWith('.npy')) entries.set(e.name.slice(0, -4), e);
  }
  const names = [...entries.keys()];
  let crcs: Map<string, number> | undefined;
  return {
    file,
    names,
    get(name: string): NdArray {
      const entry = entries.get(name);
      if (!entry) {
        throw new DataError(`${file}: no array '${name}' (arrays found: ${names.length ? names.join(', ') : 'none'})`);
      }
      crcs ??= centralCrcs(buf, file);
      return parseNpy(readEntry(buf, entry, crcs.get(entry.name), `${file} (entry ${entry.name})`), `${file} (array ${name})`);
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
