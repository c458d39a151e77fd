/**
 * Checks of a spec's `initial_weights` file that need the file itself: it exists, it is a Keras
 * model file, and it has one weighted layer per weighted layer of the spec with the same
 * parameter counts. The trainer runs the same checks before it sets the weights.
 */
import * as path from 'path';
import type { Analysis } from '../analyze';
import { properties } from '../jsonTree';
import { Code, type Diagnostic } from '../diagnostics';
import { resolveSpec, type ResolvedLayer } from '../resolve';
import { KerasFileError, readStoredWeights, type StoredWeight } from './kerasFiles';

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Why `stored` (the file's weighted layers, in order) does not fit the spec's layers, or undefined. */
export function weightsMismatch(layers: readonly ResolvedLayer[], stored: readonly StoredWeight[][]): string | undefined {
  const weighted = layers.filter((l) => l.params.trainable + l.params.nonTrainable > 0);
  if (stored.length !== weighted.length) {
    return `the file has ${stored.length} layer(s) with weights, the spec ${weighted.length}; import the spec from this file again, or remove "initial_weights".`;
  }
  for (const [i, layer] of weighted.entries()) {
    const count = stored[i].reduce((n, w) => n + w.data.length, 0);
    const expected = layer.params.trainable + layer.params.nonTrainable;
    if (count !== expected) {
      return `layer ${layer.name} has ${expected.toLocaleString('en-US')} parameters in the spec but ${count.toLocaleString('en-US')} in the file (shapes ${stored[i].map((w) => shapeText(w.shape)).join(', ')}).`;
    }
  }
  return undefined;
}

/** Reads a spec's initial weights (`file` relative to `baseDir`) for its layers, checked; throws KerasFileError saying what is wrong. */
export async function readInitialWeights(file: string, baseDir: string, layers: readonly ResolvedLayer[]): Promise<StoredWeight[][]> {
  const stored = await readStoredWeights(path.resolve(baseDir, file), layers.map((l) => l.type));
  const problem = weightsMismatch(layers, stored);
  if (problem) throw new KerasFileError(problem);
  return stored;
}

/** The problems of a spec's `initial_weights` as diagnostics on its value (none when the spec has errors of its own). */
export async function checkInitialWeights(analysis: Analysis, specPath: string): Promise<Diagnostic[]> {
  const node = analysis.root && properties(analysis.root).get('initial_weights')?.value;
  if (!node || node.type !== 'string') return [];
  const resolved = resolveSpec(analysis);
  if (!resolved.ok) return [];
  try {
    await readInitialWeights(String(node.value), path.dirname(specPath), resolved.spec.layers);
    return [];
  } catch (e) {
    if (!(e instanceof KerasFileError)) throw e;
    return [{ severity: 'error', code: Code.InitialWeights, message: `initial_weights ${node.value}: ${e.message}`, path: ['initial_weights'], offset: node.offset, length: node.length }];
  }
}
