import { DataError } from './dataError';
import { readMaybeGzip } from './fileBytes';
import { DType, NdArray, bytesPerElement, shapeToString, sizeOfShape, typedArrayFrom } from './ndarray';

/** IDX type codes (third magic byte) and their element types. IDX data is big-endian. */
const IDX_TYPES: Record<number, DType> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const EXPECTED_MAGIC = 'expected 0x00000803 for images or 0x00000801 for labels';

function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/**
 * Parses an IDX file (the MNIST format) already in memory (gunzipped). `file` names it in errors.
 * The magic number is 00 00 <type> <ndims>; then ndims big-endian uint32 sizes; then the data.
 * Unsigned/signed bytes are returned as views into `buf`; wider types are converted from
 * big-endian once.
 */
export function parseIdx(buf: Buffer, file: string): NdArray {
  if (buf.length < 4) {
    throw new DataError(`${file}: not an IDX file (only ${buf.length} bytes; an IDX header has at least 8)`);
  }
  const magic = buf.readUInt32BE(0);
  const typeCode = buf[2];
  const ndims = buf[3];
  if (buf[0] !== 0 || buf[1] !== 0 || ndims === 0) {
    throw new DataError(`${file}: not an IDX file (magic number ${hex32(magic)}, ${EXPECTED_MAGIC})`);
  }
  const dtype = IDX_TYPES[typeCode];
  if (dtype === undefined) {
    throw new DataError(
      `${file}: unsupported IDX data type 0x${typeCode.toString(16).padStart(2, '0')} (magic number ${hex32(magic)}); ` +
        'supported: 0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double',
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new DataError(
      `${file}: truncated IDX header (magic number ${hex32(magic)} announces ${ndims} dimensions, ` +
        `which needs ${headerBytes} header bytes, but the file has ${buf.length}); download the file again`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(buf.readUInt32BE(4 + 4 * i));
  const count = sizeOfShape(shape);
  const dataBytes = count * bytesPerElement(dtype);
  const actual = buf.length - headerBytes;
  if (actual < dataBytes) {
    throw new DataError(
      `${file}: truncated IDX file: the header says ${shapeToString(shape)} ${dtype} values (${dataBytes} bytes of data) ` +
        `but only ${actual} bytes follow the ${headerBytes}-byte header; download the file again`,
    );
  }
  if (actual > dataBytes) {
    throw new DataError(
      `${file}: ${actual - dataBytes} unexpected bytes after the data: the header says ${shapeToString(shape)} ${dtype} values ` +
        `(${dataBytes} bytes) but ${actual} bytes follow the header; the file is corrupt or its dimensions are wrong`,
    );
  }
  return { dtype, shape, data: typedArrayFrom(buf, headerBytes, count, dtype, false) };
}

/** Reads an IDX file, raw or gzipped (detected by the gzip magic bytes, not the extension). */
export function readIdx(file: string): NdArray {
  return parseIdx(readMaybeGzip(file), file);
}
