import * as os from 'os';

/** Element types the readers understand (numpy names). */
export type DType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'float32'
  | 'float64';

export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** A row-major array as read from a file: `data` is usually a view into the file's buffer. */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: NumericArray;
}

const BYTES: Record<DType, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  uint64: 8,
  int64: 8,
  float32: 4,
  float64: 8,
};

const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** True for the integer and boolean dtypes (labels of these types are class ids). */
export function isIntegerDType(dtype: DType): boolean {
  return dtype !== 'float32' && dtype !== 'float64';
}

/** Number of elements of an array of this shape (1 for a scalar shape `[]`). */
export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[60000, 28, 28]` as `60000x28x28` (`scalar` for `[]`), for messages. */
export function shapeToString(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

/**
 * A typed array over `count` elements of `buf` starting at `byteOffset`. It is a view (no copy)
 * when the byte order matches the host and the offset is aligned; otherwise the elements are
 * copied once, converting the byte order (IDX files are big-endian).
 */
export function typedArrayFrom(
  buf: Uint8Array,
  byteOffset: number,
  count: number,
  dtype: DType,
  littleEndian: boolean,
): NumericArray {
  const size = BYTES[dtype];
  const start = buf.byteOffset + byteOffset;
  if (size === 1) {
    return dtype === 'int8' ? new Int8Array(buf.buffer, start, count) : new Uint8Array(buf.buffer, start, count);
  }
  if (littleEndian === HOST_LITTLE_ENDIAN && start % size === 0) {
    return makeView(dtype, buf.buffer, start, count);
  }
  const view = new DataView(buf.buffer, start, count * size);
  const le = littleEndian;
  switch (dtype) {
    case 'uint16': {
      const out = new Uint16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, le);
      return out;
    }
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, le);
      return out;
    }
    case 'uint32': {
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, le);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, le);
      return out;
    }
    case 'uint64': {
      const out = new BigUint64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigUint64(i * 8, le);
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, le);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, le);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, le);
      return out;
    }
  }
}

function makeView(dtype: DType, buffer: ArrayBufferLike, start: number, count: number): NumericArray {
  switch (dtype) {
    case 'uint16':
      return new Uint16Array(buffer, start, count);
    case 'int16':
      return new Int16Array(buffer, start, count);
    case 'uint32':
      return new Uint32Array(buffer, start, count);
    case 'int32':
      return new Int32Array(buffer, start, count);
    case 'uint64':
      return new BigUint64Array(buffer, start, count);
    case 'int64':
      return new BigInt64Array(buffer, start, count);
    case 'float32':
      return new Float32Array(buffer, start, count);
    case 'float64':
      return new Float64Array(buffer, start, count);
    default:
      return new Uint8Array(buffer, start, count);
  }
}

/**
 * Elements `[start, end)` of `data` as float32, each divided by `scale`. The division is done in
 * float64 before rounding to float32, as numpy's `x / 255.` followed by a float32 cast does.
 * A float32 source with scale 1 is returned as a view (no copy).
 */
export function toFloat32(data: NumericArray, start: number, end: number, scale = 1): Float32Array {
  if (data instanceof Float32Array && scale === 1) return data.subarray(start, end);
  const out = new Float32Array(end - start);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = start; i < end; i++) out[i - start] = Number(data[i]) / scale;
  } else if (scale === 1) {
    out.set(data.subarray(start, end));
  } else {
    for (let i = start; i < end; i++) out[i - start] = data[i] / scale;
  }
  return out;
}
