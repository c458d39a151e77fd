/**
 * The editor's reads of `initial_weights` files: asynchronous, and cached by path, size and
 * modification time, so typing in a spec re-checks the layers against the file without reading
 * it again. The checks themselves are the core's (core/keras/initialWeightsCheck.ts).
 */
import * as fs from 'fs';
import type { Analysis } from '../core/analyze';
import type { Diagnostic } from '../core/diagnostics';
import { initialWeightsDiagnostics, initialWeightsTarget } from '../core/keras/initialWeightsCheck';
import { KerasFileError, fileError, sizeProblem, storedLayersFromBytes, type StoredLayer } from '../core/keras/kerasFiles';

interface Entry {
  stamp: string;
  /** The file's layers (shapes only) per spec layer-type list (the `.keras` layout depends on it), or why it cannot be read. */
  reads: Map<string, Promise<StoredLayer[] | KerasFileError>>;
}

const EMPTY = new Float32Array(0);

/** Files kept; a workspace rarely names more than a few. */
const MAX_FILES = 16;

/** Reads and checks the `initial_weights` files of open specs. */
export class InitialWeightsFiles {
  private readonly cache = new Map<string, Entry>();

  /** The `initial_weights` diagnostics of the spec at `specPath` (none when it names no file or has errors of its own). */
  async check(analysis: Analysis, specPath: string): Promise<Diagnostic[]> {
    const target = initialWeightsTarget(analysis, specPath);
    if (!target) return [];
    return initialWeightsDiagnostics(target, await this.read(target.file, target.layers.map((l) => l.type)));
  }

  private async read(file: string, layerTypes: readonly string[]): Promise<StoredLayer[] | KerasFileError> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch (e) {
      this.cache.delete(file);
      return fileError(e);
    }
    if (stat.isDirectory()) return fileError({ code: 'EISDIR' });
    const tooBig = sizeProblem(stat.size);
    if (tooBig) return tooBig;
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    let entry = this.cache.get(file);
    if (entry?.stamp !== stamp) {
      entry = { stamp, reads: new Map() };
      this.cache.delete(file);
      this.cache.set(file, entry);
      if (this.cache.size > MAX_FILES) this.cache.delete(this.cache.keys().next().value as string);
    }
    const key = layerTypes.join(',');
    let read = entry.reads.get(key);
    if (!read) {
      read = fs.promises.readFile(file)
        .then((bytes) => storedLayersFromBytes(bytes, file.endsWith('.keras'), layerTypes))
        // The checks need names and shapes only; the values are not kept.
        .then((layers) => layers.map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ shape: w.shape, data: EMPTY })) })))
        .catch((e: unknown) => (e instanceof KerasFileError ? e : fileError(e)));
      entry.reads.set(key, read);
    }
    return read;
  }
}
