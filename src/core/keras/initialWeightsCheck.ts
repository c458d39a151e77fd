/**
 * Checks of a spec's `initial_weights` file that need the file itself: it exists, it is a Keras
 * model file, and it has one weighted layer per weighted layer of the spec, each with the
 * variables (count and shapes) Keras would build. The trainer and `modelspec validate` read the
 * file here; the editor reads it at its edge and calls the pure parts.
 */
import * as path from 'path';
import type { Analysis } from '../analyze';
import { properties } from '../jsonTree';
import { Code, type Diagnostic } from '../diagnostics';
import { resolveSpec, type ResolvedLayer } from '../resolve';
import { KerasFileError, NO_SUCH_FILE, readStoredLayers, type StoredLayer, type StoredWeight } from './kerasFiles';
import { kerasWeightNames, kerasWeightShapes } from './kerasWeights';

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;
const shapesText = (ws: readonly { shape: readonly number[] }[]): string => ws.map((w) => shapeText(w.shape)).join(', ');

/** Why `stored` (the file's weighted layers, in order) does not fit the spec's layers, or undefined. */
export function weightsMismatch(layers: readonly ResolvedLayer[], stored: readonly StoredLayer[]): string | undefined {
  const weighted = layers.filter((l) => l.params.trainable + l.params.nonTrainable > 0);
  if (stored.length !== weighted.length) {
    return `the file has ${stored.length} layer(s) with weights (${stored.map((l) => l.name).join(', ') || 'none'}), the spec ${weighted.length} (${weighted.map((l) => l.name).join(', ')}); import the spec from this file again, or remove "initial_weights".`;
  }
  for (const [i, layer] of weighted.entries()) {
    const file = stored[i];
    const names = kerasWeightNames(layer.type, layer.args);
    const shapes = kerasWeightShapes(layer);
    const fileDesc = `the file's layer ${file.name} has ${file.weights.length} (${shapesText(file.weights)})`;
    if (file.weights.length !== names.length) {
      return `layer ${layer.name} (${layer.type}) has ${names.length} weight(s) (${names.join(', ')}) but ${fileDesc}.`;
    }
    const differs = shapes ? shapes.some((s, j) => shapeText(s) !== shapeText(file.weights[j].shape))
      : file.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0) !== layer.params.trainable + layer.params.nonTrainable;
    if (differs) {
      const expected = shapes ? shapes.map(shapeText).join(', ') : `${(layer.params.trainable + layer.params.nonTrainable).toLocaleString('en-US')} parameters`;
      return `layer ${layer.name} (${layer.type}) has weights ${names.join(', ')} of shapes ${expected} in the spec, but the file's layer ${file.name} has ${shapesText(file.weights)}.`;
    }
  }
  return undefined;
}

/** A KerasFileError about `file` as an `initial_weights` problem: a missing file says where it was looked for. */
function asInitialWeightsError(e: KerasFileError, file: string): KerasFileError {
  return e.message === NO_SUCH_FILE ? new KerasFileError(`there is no file ${file} (the path is relative to the spec's folder); fix the path or remove "initial_weights".`) : e;
}

async function readLayers(file: string, layers: readonly ResolvedLayer[]): Promise<StoredLayer[]> {
  try {
    return await readStoredLayers(file, layers.map((l) => l.type));
  } catch (e) {
    throw e instanceof KerasFileError ? asInitialWeightsError(e, file) : e;
  }
}

/** Reads a spec's initial weights (`file` relative to `baseDir`) for its layers, checked; throws KerasFileError saying what is wrong. */
export async function readInitialWeights(file: string, baseDir: string, layers: readonly ResolvedLayer[]): Promise<StoredWeight[][]> {
  const stored = await readLayers(path.resolve(baseDir, file), layers);
  const problem = weightsMismatch(layers, stored);
  if (problem) throw new KerasFileError(problem);
  return stored.map((l) => l.weights);
}

/** What a spec's `initial_weights` asks for: the file (absolute), its value's place in the text, and the spec's layers. */
export interface InitialWeightsTarget {
  value: string;
  file: string;
  offset: number;
  length: number;
  layers: readonly ResolvedLayer[];
}

/** The `initial_weights` a spec names, or undefined (none, not a string, or the spec has errors of its own). */
export function initialWeightsTarget(analysis: Analysis, specPath: string): InitialWeightsTarget | undefined {
  const node = analysis.root && properties(analysis.root).get('initial_weights')?.value;
  if (!node || node.type !== 'string' || !String(node.value)) return undefined;
  const resolved = resolveSpec(analysis);
  if (!resolved.ok) return undefined;
  const value = String(node.value);
  return { value, file: path.resolve(path.dirname(specPath), value), offset: node.offset, length: node.length, layers: resolved.spec.layers };
}

/** The diagnostics for `target`, given what reading its file gave: its layers, or the KerasFileError it raised. */
export function initialWeightsDiagnostics(target: InitialWeightsTarget, read: readonly StoredLayer[] | KerasFileError): Diagnostic[] {
  const message = read instanceof KerasFileError ? asInitialWeightsError(read, target.file).message : weightsMismatch(target.layers, read);
  if (!message) return [];
  return [{ severity: 'error', code: Code.InitialWeights, message: `initial_weights ${target.value}: ${message}`, path: ['initial_weights'], offset: target.offset, length: target.length }];
}

/** The problems of a spec's `initial_weights` as diagnostics on its value (none when the spec has errors of its own). */
export async function checkInitialWeights(analysis: Analysis, specPath: string): Promise<Diagnostic[]> {
  const target = initialWeightsTarget(analysis, specPath);
  if (!target) return [];
  let read: StoredLayer[] | KerasFileError;
  try {
    read = await readLayers(target.file, target.layers);
  } catch (e) {
    if (!(e instanceof KerasFileError)) throw e;
    read = e;
  }
  return initialWeightsDiagnostics(target, read);
}
