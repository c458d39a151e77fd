/**
 * Reading data files safely: only regular files are opened (a FIFO or device would block or
 * never end), every read is capped, and gzip data is inflated only as far as the format's
 * header says it should go, so a decompression bomb is refused after a bounded amount of memory.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { DataError } from './dataError';

/**
 * Most bytes one data file (or one array in it) may hold once decoded: every split is held in
 * memory, and as float32 again for training, so anything larger could not train anyway.
 */
export const MAX_DATA_BYTES = 1024 * 1024 * 1024;

/** How far inflation may run past the declared size before it stops, so small overruns are counted exactly. */
export const OVERRUN_SLACK = 1024 * 1024;

/** Bytes read first to find a header's declared size; IDX and NPY headers are far smaller. */
const HEAD_BYTES = 64 * 1024;

/** What a format's header says the whole decoded file holds. */
export interface DeclaredSize {
  /** Header plus data, in bytes. */
  bytes: number;
  /** For messages, e.g. `600x28x28 uint8 values`. */
  what: string;
}

/**
 * Reads the start of a decoded file and returns the size its header declares, or undefined
 * when `head` is too short to tell. Throws a DataError for a header that is plainly wrong.
 */
export type SizeFromHeader = (head: Buffer) => DeclaredSize | undefined;

/** `1073741824` as `1 GiB`, for messages about sizes. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toPrecision(3)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toPrecision(3)} MiB`;
  return `${n} bytes`;
}

/** Opens a regular file for reading; anything else (missing, folder, FIFO, device) is a DataError. */
function openRegularFile(file: string, hint?: string): { fd: number; size: number } {
  const refuse = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(`${file}: file not found${hint ? `; ${hint}` : ''}`);
    if (code === 'EACCES' || code === 'EPERM') throw new DataError(`${file}: cannot be read (permission denied)`);
    throw new DataError(`${file}: cannot be read (${(e as Error).message})`);
  };
  const notRegular = (st: fs.Stats): DataError =>
    st.isDirectory()
      ? new DataError(`${file}: is a folder; give the path of a data file`)
      : new DataError(`${file}: is not a regular file (a device, FIFO or socket), so it is not read; give the path of a data file`);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return refuse(e);
  }
  if (!st.isFile()) throw notRegular(st);
  let fd: number;
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, opening still returns at once.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return refuse(e);
  }
  const opened = fs.fstatSync(fd);
  if (!opened.isFile()) {
    fs.closeSync(fd);
    throw notRegular(opened);
  }
  return { fd, size: opened.size };
}

/** Reads `length` bytes from `fd` at `position` (fewer if the file is shorter). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got < length ? buf.subarray(0, got) : buf;
}

function tooLarge(file: string, size: number): DataError {
  return new DataError(
    `${file}: ${formatBytes(size)}, more than the ${formatBytes(MAX_DATA_BYTES)} a data file may hold; ` +
      'use a smaller subset of the data',
  );
}

/** Refuses a declared size over the cap, naming what the header declared. */
function checkDeclared(file: string, declared: DeclaredSize | undefined): void {
  if (declared && declared.bytes > MAX_DATA_BYTES) {
    throw new DataError(
      `${file}: the header declares ${declared.what} (${formatBytes(declared.bytes)}), more than the ` +
        `${formatBytes(MAX_DATA_BYTES)} a data file may hold; the header is corrupt, or use a smaller subset of the data`,
    );
  }
}

/**
 * Reads a whole regular file of at most {@link MAX_DATA_BYTES}, turning the usual file-system
 * failures into DataErrors that name it. `hint` is appended to the not-found message (e.g. where
 * relative paths start from).
 */
export function readFileBytes(file: string, hint?: string): Buffer {
  const { fd, size } = openRegularFile(file, hint);
  try {
    if (size > MAX_DATA_BYTES) throw tooLarge(file, size);
    return readAt(fd, 0, size);
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `buf` starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function corruptGzip(file: string, e: unknown): DataError {
  return new DataError(`${file}: corrupt or truncated gzip data (${(e as Error).message}); download or compress the file again`);
}

/**
 * Inflates gzip data, stopping once the output passes the size the header declares (plus
 * {@link OVERRUN_SLACK}), or {@link MAX_DATA_BYTES} when the header cannot be read.
 */
export function gunzipBounded(gz: Buffer, file: string, sizeFromHeader?: SizeFromHeader): Buffer {
  let declared: DeclaredSize | undefined;
  if (sizeFromHeader) {
    // Inflate only a prefix to read the header: 4 KiB of deflate data inflates to at most ~4 MiB.
    let head: Buffer;
    try {
      head = zlib.gunzipSync(gz.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 8 * 1024 * 1024 });
    } catch (e) {
      throw corruptGzip(file, e);
    }
    declared = sizeFromHeader(head);
    checkDeclared(file, declared);
  }
  const limit = declared ? declared.bytes + OVERRUN_SLACK : MAX_DATA_BYTES;
  try {
    return zlib.gunzipSync(gz, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw corruptGzip(file, e);
    throw new DataError(
      declared
        ? `${file}: the gzip data goes on past the ${declared.bytes} bytes the header declares (${declared.what}); ` +
            `reading stopped after ${formatBytes(limit)}; the file is corrupt, or its header is wrong`
        : `${file}: the gzip data inflates to more than ${formatBytes(MAX_DATA_BYTES)} (reading stopped there); use a smaller subset of the data`,
    );
  }
}

/**
 * Reads a data file whose header declares its size (IDX, NPY), raw or gzipped (detected by its
 * magic bytes, not the file name, so `train-images-idx3-ubyte.gz` and a renamed copy both work).
 * Nothing beyond the declared size (plus a small slack) is read or inflated: a file that goes
 * on past it is refused with the count of unexpected bytes.
 */
export function readDeclaredFile(file: string, sizeFromHeader: SizeFromHeader, hint?: string): Buffer {
  const { fd, size } = openRegularFile(file, hint);
  try {
    const head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    if (isGzip(head)) {
      if (size > MAX_DATA_BYTES) throw tooLarge(file, size);
      return gunzipBounded(readAt(fd, 0, size), file, sizeFromHeader);
    }
    const declared = sizeFromHeader(head);
    checkDeclared(file, declared);
    if (declared && size > declared.bytes + OVERRUN_SLACK) {
      throw new DataError(
        `${file}: ${size - declared.bytes} unexpected bytes after the data: the header declares ${declared.what} ` +
          `(${declared.bytes} bytes in all) but the file has ${size}; the file is corrupt or its header is wrong`,
      );
    }
    if (size > MAX_DATA_BYTES) throw tooLarge(file, size);
    return readAt(fd, 0, size);
  } finally {
    fs.closeSync(fd);
  }
}
