import * as fs from 'fs';
import * as zlib from 'zlib';
import { DataError } from './dataError';

/**
 * Reads a whole file, turning the usual file-system failures into DataErrors that name it.
 * `hint` is appended to the not-found message (e.g. where relative paths start from).
 */
export function readFileBytes(file: string, hint?: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${file}: file not found${hint ? `; ${hint}` : ''}`);
    if (code === 'EISDIR') throw new DataError(`${file}: is a folder; give the path of a data file`);
    if (code === 'EACCES' || code === 'EPERM') throw new DataError(`${file}: cannot be read (permission denied)`);
    throw new DataError(`${file}: cannot be read (${(e as Error).message})`);
  }
}

/** True when `buf` starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * `buf` decompressed when it is gzip data (detected by its magic bytes, not the file name, so
 * `train-images-idx3-ubyte.gz` and a renamed copy both work), otherwise `buf` itself.
 */
export function gunzipIfNeeded(buf: Buffer, file: string): Buffer {
  if (!isGzip(buf)) return buf;
  try {
    return zlib.gunzipSync(buf);
  } catch (e) {
    throw new DataError(
      `${file}: corrupt or truncated gzip data (${(e as Error).message}); download or compress the file again`,
    );
  }
}

/** Reads a file and gunzips it when it is gzip data. */
export function readMaybeGzip(file: string, hint?: string): Buffer {
  return gunzipIfNeeded(readFileBytes(file, hint), file);
}
