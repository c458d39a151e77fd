/** The weights of a TensorFlow.js model in the layout the Keras writers take. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { kerasWeightNames } from '../../core/keras/kerasWeights';
import { kerasModelLayers, kerasModelName } from '../../core/keras/toKerasConfig';
import type { ResolvedSpec } from '../../core/resolve';
import type { ModelWeights } from '../../core/keras/kerasWriters';

/**
 * Each Keras layer's weights, looked up by variable name (`dense/kernel` -> `kernel`) so the order
 * is Keras's saving order whatever order TensorFlow.js keeps them in.
 */
export function modelWeights(model: tfl.LayersModel, spec: ResolvedSpec): ModelWeights {
  return kerasModelLayers(spec).map((l) => {
    const names = kerasWeightNames(l.type, l.args);
    if (!names.length) return [];
    const byName = new Map(model.getLayer(l.name).weights.map((w) => [w.originalName.split('/').pop() as string, w]));
    return names.map((n) => {
      const w = byName.get(n);
      if (!w) throw new Error(`Layer ${l.name} has no ${n} weight in the TensorFlow.js model.`);
      const t = w.read();
      return { shape: [...t.shape], data: t.dataSync() as Float32Array };
    });
  });
}

/**
 * `<layer>/<variable>` for each array of a TensorFlow.js model's `getWeights()`: every trainable
 * weight in layer order, then every non-trainable one (BatchNormalization's moving statistics,
 * and all weights of a layer with `trainable: false`), as tfjs's Container orders them.
 */
function tfjsWeightTags(spec: ResolvedSpec): string[] {
  const trainable: string[] = [];
  const frozen: string[] = [];
  for (const l of kerasModelLayers(spec)) {
    const names = kerasWeightNames(l.type, l.args).map((n) => `${l.name}/${n}`);
    const moving = names.filter((n) => /\/moving_(mean|variance)$/.test(n));
    if (l.args.trainable === false) frozen.push(...names);
    else {
      trainable.push(...names.filter((n) => !moving.includes(n)));
      frozen.push(...moving);
    }
  }
  return [...trainable, ...frozen];
}

/**
 * Each weight in Keras's order (layer by layer) with its index in `getWeights()`; `tag` is its
 * Keras 3 variable path in a Sequential, `<model>/<layer>/<variable>` (`sequential/dense/kernel`).
 */
export function kerasWeightTags(spec: ResolvedSpec): { tag: string; index: number }[] {
  const snapshot = tfjsWeightTags(spec);
  return kerasModelLayers(spec).flatMap((l) => kerasWeightNames(l.type, l.args).map((n) => `${l.name}/${n}`))
    .map((name) => ({ tag: `${kerasModelName(spec)}/${name}`, index: snapshot.indexOf(name) }));
}
