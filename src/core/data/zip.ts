import * as zlib from 'zlib';
import { DataError } from './dataError';

/** One file in a zip archive, from its central-directory record. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated; others are not supported. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  flags: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function readU64(buf: Buffer, at: number, file: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataError(`${file}: bad zip archive (a 64-bit size is too large)`);
  return Number(v);
}

function corrupt(file: string, what: string): DataError {
  return new DataError(`${file}: bad zip archive (${what}); the file is truncated or corrupt: save or download it again`);
}

/**
 * Lists the entries of a zip archive held in `buf` by reading its central directory (the
 * authoritative sizes: numpy writes local headers with zip64 placeholders). Supports zip64.
 */
export function listZipEntries(buf: Buffer, file: string): ZipEntry[] {
  try {
    return readCentralDirectory(buf, file);
  } catch (e) {
    // A Buffer read past the end means a field pointed outside the file.
    if (e instanceof RangeError) throw corrupt(file, 'a record points past the end of the file');
    throw e;
  }
}

function readCentralDirectory(buf: Buffer, file: string): ZipEntry[] {
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new DataError(
      `${file}: not a zip archive (no end-of-central-directory record); an .npz file is written by numpy.savez or numpy.savez_compressed`,
    );
  }
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0) {
    throw new DataError(`${file}: multi-part (spanned) zip archives are not supported`);
  }
  let entryCount = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== EOCD64_LOCATOR_SIG) throw corrupt(file, 'zip64 locator missing');
    const eocd64 = readU64(buf, loc + 8, file);
    if (eocd64 + 56 > buf.length || buf.readUInt32LE(eocd64) !== EOCD64_SIG) throw corrupt(file, 'zip64 record missing');
    entryCount = readU64(buf, eocd64 + 32, file);
    cdSize = readU64(buf, eocd64 + 40, file);
    cdOffset = readU64(buf, eocd64 + 48, file);
  }
  if (cdOffset + cdSize > buf.length) throw corrupt(file, 'central directory beyond the end of the file');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < entryCount; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIG) throw corrupt(file, `central directory entry ${n} unreadable`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > buf.length) throw corrupt(file, `central directory entry ${n} truncated`);
    const entry: ZipEntry = {
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc32: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      uncompressedSize: buf.readUInt32LE(p + 24),
      localHeaderOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
    };
    // Zip64 extra field (id 1): 8-byte values for exactly those fields saturated at 0xffffffff.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const size = buf.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (entry.uncompressedSize === 0xffffffff) {
          entry.uncompressedSize = readU64(buf, q, file);
          q += 8;
        }
        if (entry.compressedSize === 0xffffffff) {
          entry.compressedSize = readU64(buf, q, file);
          q += 8;
        }
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = readU64(buf, q, file);
      }
      e += 4 + size;
    }
    entries.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * The uncompressed bytes of one entry: a view into `buf` when stored, inflated when deflated.
 * The CRC-32 is checked so a damaged archive is reported instead of yielding wrong numbers.
 */
export function readZipEntry(buf: Buffer, entry: ZipEntry, file: string): Buffer {
  const where = `${file} (entry ${entry.name})`;
  if (entry.flags & 1) throw new DataError(`${where}: encrypted zip entries are not supported`);
  const h = entry.localHeaderOffset;
  if (h + 30 > buf.length || buf.readUInt32LE(h) !== LOCAL_SIG) throw corrupt(where, 'local header missing');
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) throw corrupt(where, 'data beyond the end of the file');
  const raw = buf.subarray(start, end);
  let out: Buffer;
  if (entry.method === 0) {
    out = raw;
  } else if (entry.method === 8) {
    try {
      out = zlib.inflateRawSync(raw);
    } catch (e) {
      throw corrupt(where, `deflate data unreadable: ${(e as Error).message}`);
    }
  } else {
    throw new DataError(
      `${where}: zip compression method ${entry.method} is not supported (only stored and deflate); ` +
        'save it again with numpy.savez or numpy.savez_compressed',
    );
  }
  if (out.length !== entry.uncompressedSize) {
    throw corrupt(where, `${out.length} bytes instead of the ${entry.uncompressedSize} announced`);
  }
  if (zlib.crc32(out) !== entry.crc32) throw corrupt(where, 'CRC-32 mismatch');
  return out;
}
