import { readMaybeGzip } from './fileBytes';
import { parseIdx } from './idx';
import { NdArray } from './ndarray';
import { isNpy, parseNpy } from './npy';

/**
 * Reads an array file whose format is recognised by its content, not its name: gzip is
 * undone first, then NPY (`\x93NUMPY`) or else IDX (whose parser reports a bad magic number).
 */
export function readArrayFile(file: string, hint?: string): NdArray {
  const buf = readMaybeGzip(file, hint);
  return isNpy(buf) ? parseNpy(buf, file) : parseIdx(buf, file);
}
