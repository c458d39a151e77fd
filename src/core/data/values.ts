/**
 * Value checks run once at load time, so bad numbers are refused with the file and the first
 * bad index instead of training to NaN: inputs must be finite and stay finite (and non-zero)
 * after `scale`; labels must be finite, and class ids must fit the int32 they become.
 */
import { DataError } from './dataError';
import { NdArray, isIntegerDType, sizeOfShape } from './ndarray';

/** Largest float32; a float64 at or above FLOAT32_OVERFLOW rounds to Infinity as float32. */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;
/** A float64 of magnitude at most this rounds to 0 as float32 (half the smallest subnormal). */
const FLOAT32_UNDERFLOW = 2 ** -150;
/** Largest class id an Int32Array holds. */
export const MAX_CLASS_ID = 2 ** 31 - 1;

/** The range of magnitudes an integer dtype can hold (0 aside), so most integer inputs need no scan. */
const INT_RANGES: Partial<Record<NdArray['dtype'], [number, number]>> = {
  bool: [1, 1], uint8: [1, 255], int8: [1, 128], uint16: [1, 65535], int16: [1, 32768],
};

/** `example 3` (with the position inside the example when it has more than one value). */
function where(index: number, exampleShape: number[]): string {
  const per = sizeOfShape(exampleShape);
  return per === 1 ? `example ${index}` : `example ${Math.floor(index / per)}, value ${index % per}`;
}

/**
 * Checks that every input value is finite and that dividing by `scale` keeps it finite and
 * non-zero as float32. `file` and `exampleShape` name the first bad value in the message.
 */
export function checkInputValues(x: NdArray, file: string, scale: number): void {
  const hi = FLOAT32_OVERFLOW * scale;
  const lo = FLOAT32_UNDERFLOW * scale;
  const range = INT_RANGES[x.dtype];
  if (range && range[1] < hi && range[0] > lo) return; // nothing this dtype holds can go wrong
  const exampleShape = x.shape.slice(1);
  const data = x.data;
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  for (let i = 0; i < data.length; i++) {
    const v = big ? Number(data[i]) : (data[i] as number);
    const a = Math.abs(v);
    if (a < hi && (a > lo || v === 0)) continue;
    if (!Number.isFinite(v)) {
      throw new DataError(
        `${file}: ${v} at ${where(i, exampleShape)}; inputs must be finite numbers: replace NaN and infinite values ` +
          '(e.g. with numpy.nan_to_num) or drop those examples',
      );
    }
    const verb = a >= hi ? 'overflows to infinity' : 'underflows to 0';
    throw new DataError(
      `${file}: ${v} at ${where(i, exampleShape)} divided by data.scale = ${scale} ${verb} as a 32-bit float; ` +
        'set "scale" to the range of the inputs (e.g. 255 for 0-255 pixels)',
    );
  }
}

/** Checks that no label is NaN or infinite (a float label file). */
export function checkLabelValues(y: NdArray, file: string): void {
  if (isIntegerDType(y.dtype)) return;
  const data = y.data as Float32Array | Float64Array;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new DataError(`${file}: label ${data[i]} at ${where(i, y.shape.slice(1))}; labels must be finite numbers: fix or drop those examples`);
    }
  }
}
