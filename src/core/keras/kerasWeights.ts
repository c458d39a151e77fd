/**
 * Which variables each layer type holds, in the order Keras 3 saves them
 * (`Layer.save_own_variables`: trainable variables in creation order, then non-trainable ones).
 * The `.keras`, `.h5` and `.weights.h5` writers and the TensorBoard histograms all read this table.
 */
import type { Json, Shape } from '../registry';
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

const pairOf = (v: Json | undefined): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);

/**
 * The shape of each of a layer's variables, in `kerasWeightNames` order, as Keras builds them
 * (Dense kernel `[in, units]`, Conv2D kernel `[kh, kw, in_channels, filters]`, one `[features]`
 * vector per BatchNormalization variable); undefined where the input's last size is unknown.
 */
export function kerasWeightShapes(layer: { type: string; args: Args; inputShape: Shape }): number[][] | undefined {
  const last = layer.inputShape[layer.inputShape.length - 1];
  if (last === null || last === undefined) return undefined;
  const names = kerasWeightNames(layer.type, layer.args);
  const a = layer.args;
  switch (layer.type) {
    case 'Dense': return names.map((n) => (n === 'kernel' ? [last, Number(a.units)] : [Number(a.units)]));
    case 'Conv2D': return names.map((n) => (n === 'kernel' ? [...pairOf(a.kernel_size), last, Number(a.filters)] : [Number(a.filters)]));
    default: return names.map(() => [last]);
  }
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
