/**
 * A spec's `initial_weights`: the weights of a Keras `.keras` / `.h5` file, read before the model
 * is built and set on it in place of its initializers, so a Keras model can be evaluated or
 * fine-tuned here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { KerasFileError, type StoredWeight } from '../core/keras/kerasFiles';
import { readInitialWeights } from '../core/keras/initialWeightsCheck';
import type { ResolvedSpec } from '../core/resolve';

const loaded = new WeakMap<ResolvedSpec, StoredWeight[][]>();

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Reads the spec's initial weights (relative to `baseDir`, the spec's folder), checked against
 * its layers. Throws an Error whose message names the file and what differs.
 */
export async function prepareInitialWeights(spec: ResolvedSpec, baseDir: string): Promise<void> {
  if (!spec.initialWeights) return;
  try {
    loaded.set(spec, await readInitialWeights(spec.initialWeights, baseDir, spec.layers));
  } catch (e) {
    if (e instanceof KerasFileError) throw new Error(`initial_weights ${spec.initialWeights}: ${e.message}`);
    throw e;
  }
}

/** Sets the prepared initial weights on a freshly built model (no-op when the spec has none). */
export function applyInitialWeights(model: tfl.Sequential, spec: ResolvedSpec): void {
  if (!spec.initialWeights) return;
  const stored = loaded.get(spec);
  if (!stored) throw new Error(`initial_weights ${spec.initialWeights} was not read before the model was built.`);
  const layers = model.layers.filter((l) => l.getWeights().length > 0);
  layers.forEach((layer, i) => {
    const current = layer.getWeights();
    const given = stored[i];
    if (given.length !== current.length || given.some((w, j) => shapeText(w.shape) !== shapeText(current[j].shape))) {
      throw new Error(`initial_weights ${spec.initialWeights}: layer ${layer.name} has weights ${current.map((w) => shapeText(w.shape)).join(', ')} but the file ${given.map((w) => shapeText(w.shape)).join(', ')}.`);
    }
    // getWeights hands out the variables themselves; setWeights copies, so only the new tensors are freed.
    const tensors = given.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    layer.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
  });
}
