/**
 * Which variables each layer type holds, in the order Keras 3 saves them
 * (`Layer.save_own_variables`: trainable variables in creation order, then non-trainable ones).
 * The `.keras`, `.h5` and `.weights.h5` writers and the TensorBoard histograms all read this table.
 */
import type { Json } from '../registry';
import { toSnakeCase } from '../registry/names';

type Args = Readonly<Record<string, Json>>;

/** Variable names of one layer type, from its resolved arguments. Layer types not listed hold none. */
const WEIGHT_NAMES: Readonly<Record<string, (a: Args) => string[]>> = {
  Dense: (a) => (a.use_bias === false ? ['kernel'] : ['kernel', 'bias']),
  Conv2D: (a) => (a.use_bias === false ? ['kernel'] : ['kernel', 'bias']),
  // keras/src/layers/normalization/batch_normalization.py `build`: gamma (scale), beta (center),
  // then the two non-trainable moving statistics.
  BatchNormalization: (a) => [...(a.scale === false ? [] : ['gamma']), ...(a.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'],
};

/** The variable names of a layer (`kernel`, `bias`; `gamma`, `beta`, `moving_mean`, `moving_variance`), in Keras's saving order. */
export function kerasWeightNames(type: string, args: Args): string[] {
  return WEIGHT_NAMES[type]?.(args) ?? [];
}

/**
 * The group names `.keras` weights use for a Sequential's layers: the class name in snake case
 * with a counter (`dense`, `dense_1`, `dropout`), as saving_lib's `_save_container_state` makes
 * them, not the layers' own names. `types` excludes the InputLayer (not in `model.layers`).
 */
export function kerasLayerPaths(types: readonly string[]): string[] {
  const used = new Map<string, number>();
  return types.map((t) => {
    const base = toSnakeCase(t);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}
