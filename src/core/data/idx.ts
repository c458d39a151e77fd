/**
 * The IDX format of the MNIST files: magic `00 00 <type> <ndims>`, then ndims big-endian uint32
 * sizes, then the values, big-endian.
 */
import { DataError } from './dataError';
import { DeclaredSize, readDeclaredFile } from './fileBytes';
import { DType, NdArray, bytesPerElement, shapeToString, sizeOfShape, typedArrayFrom } from './ndarray';

/** IDX type codes (third magic byte) and their element types. */
const IDX_TYPES: Record<number, DType> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** More dimensions than any data file has (MNIST images have 3, labels 1); beyond it the file is not IDX. */
const MAX_IDX_DIMS = 16;

const EXPECTED_MAGIC = 'expected 0x00000803 for images or 0x00000801 for labels';

function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** An IDX header: element type, shape, and where the data starts and how long it is. */
interface IdxHeader {
  dtype: DType;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

/** Reads the IDX header at the start of `buf`; undefined when `buf` ends inside the dimensions. */
function readIdxHeader(buf: Buffer, file: string): IdxHeader | undefined {
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
  if (ndims > MAX_IDX_DIMS) {
    throw new DataError(
      `${file}: the IDX header (magic number ${hex32(magic)}) announces ${ndims} dimensions; data files have at most ` +
        `${MAX_IDX_DIMS} (MNIST images 3, labels 1), so the file is corrupt or not an IDX file`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) return undefined;
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(buf.readUInt32BE(4 + 4 * i));
  return { dtype, shape, headerBytes, dataBytes: sizeOfShape(shape) * bytesPerElement(dtype) };
}

/** The whole size an IDX file's header declares (for bounded reading), or undefined when `head` is too short. */
export function idxDeclaredSize(head: Buffer, file: string): DeclaredSize | undefined {
  const h = readIdxHeader(head, file);
  return h && { bytes: h.headerBytes + h.dataBytes, what: `${shapeToString(h.shape)} ${h.dtype} values` };
}

/**
 * Parses an IDX file already in memory (gunzipped). `file` names it in errors. Unsigned/signed
 * bytes are returned as views into `buf`; wider types are converted from big-endian once.
 */
export function parseIdx(buf: Buffer, file: string): NdArray {
  const h = readIdxHeader(buf, file);
  if (!h) {
    const ndims = buf[3];
    throw new DataError(
      `${file}: truncated IDX header (magic number ${hex32(buf.readUInt32BE(0))} announces ${ndims} dimensions, ` +
        `which needs ${4 + 4 * ndims} header bytes, but the file has ${buf.length}); download the file again`,
    );
  }
  const { dtype, shape, headerBytes, dataBytes } = h;
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
  return { dtype, shape, data: typedArrayFrom(buf, headerBytes, sizeOfShape(shape), dtype, false) };
}

/** Reads an IDX file, raw or gzipped, reading no further than its header declares. */
export function readIdx(file: string, hint?: string): NdArray {
  return parseIdx(readDeclaredFile(file, (head) => idxDeclaredSize(head, file), hint), file);
}
