import { readDeclaredFile } from './fileBytes';
import { idxDeclaredSize, parseIdx } from './idx';
import { NdArray } from './ndarray';
import { isNpy, npyDeclaredSize, parseNpy } from './npy';

/**
 * Reads an array file whose format is recognised by its content, not its name: gzip is
 * undone first, then NPY (`\x93NUMPY`) or else IDX (whose parser reports a bad magic number).
 * Neither reading nor inflating goes further than the file's header declares.
 */
export function readArrayFile(file: string, hint?: string): NdArray {
  const buf = readDeclaredFile(file, (head) => (isNpy(head) ? npyDeclaredSize(head, file) : idxDeclaredSize(head, file)), hint);
  return isNpy(buf) ? parseNpy(buf, file) : parseIdx(buf, file);
}
