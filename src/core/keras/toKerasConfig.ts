/**
 * A resolved spec as Keras configs: the Keras 3 `config.json` of a `.keras` file
 * (`serialize_keras_object` form, keras/src/saving/serialization_lib.py) and the legacy
 * `model_config` / `training_config` of an `.h5` file (the tf.keras 2 form, which Keras 3's
 * keras/src/legacy/saving/legacy_h5_format.py also loads). Names come from the registry.
 *
 * Only arguments that every Keras 3 release (and, for `.h5`, tf.keras 2.11+) accepts are
 * written, so older loaders do not reject keys they do not know; the rest take Keras defaults.
 */
import { lookup, type Json, type NameKind } from '../registry';
import { toClassName } from '../registry/names';
import type { ResolvedLayer, ResolvedRef, ResolvedSpec } from '../resolve';

/** The Keras release whose sources these configs follow (written to `metadata.json`). */
export const KERAS_VERSION = '3.16.0';

type Obj = { [key: string]: Json };
/** `keras3`: objects as `{module, class_name, config, registered_name}`; `legacy`: `{class_name, config}`. */
type Style = 'keras3' | 'legacy';

function object(style: Style, module: string, className: string, config: Obj): Obj {
  return style === 'keras3'
    ? { module, class_name: className, config, registered_name: null }
    : { class_name: className, config };
}

/** A ref's arguments without its `type`, with `seed: null` where the entry takes a seed (as Keras writes it). */
function refConfig(kind: Exclude<NameKind, 'layer'>, ref: ResolvedRef): Obj {
  const { type, ...args } = ref;
  const entry = lookup(kind, type);
  const out: Obj = { ...args };
  if (entry?.args.some((a) => a.name === 'seed') && out.seed === undefined) out.seed = null;
  return out;
}

function initializer(style: Style, v: Json | undefined): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const ref = v as ResolvedRef;
  return object(style, 'keras.initializers', toClassName(ref.type), refConfig('initializer', ref));
}

function regularizer(style: Style, v: Json | undefined): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const ref = v as ResolvedRef;
  return object(style, 'keras.regularizers', toClassName(ref.type), refConfig('regularizer', ref));
}

const pair = (v: Json | undefined, fallback: number): number[] =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) ? (v as number[]).slice(0, 2) : [fallback, fallback];

/** Arguments of a layer with a kernel and a bias (Dense, Conv2D). */
function weighted(style: Style, a: Record<string, Json>): Obj {
  return {
    activation: a.activation ?? 'linear',
    use_bias: a.use_bias ?? true,
    kernel_initializer: initializer(style, a.kernel_initializer),
    bias_initializer: initializer(style, a.bias_initializer),
    kernel_regularizer: regularizer(style, a.kernel_regularizer),
    bias_regularizer: regularizer(style, a.bias_regularizer),
    // Keras 3 writes activity_regularizer only when set (Layer.get_config); tf.keras 2 always.
    ...(style === 'legacy' || a.activity_regularizer ? { activity_regularizer: regularizer(style, a.activity_regularizer) } : {}),
    kernel_constraint: null,
    bias_constraint: null,
  };
}

/** Each layer type's own config keys, as its Keras `get_config` names them. */
const LAYER_CONFIGS: Readonly<Record<string, (a: Record<string, Json>, style: Style) => Obj>> = {
  Flatten: () => ({ data_format: 'channels_last' }),
  Dense: (a, s) => ({ units: a.units, ...weighted(s, a) }),
  Dropout: (a) => ({ rate: a.rate, seed: a.seed ?? null, noise_shape: null }),
  AlphaDropout: (a) => ({ rate: a.rate, seed: a.seed ?? null, noise_shape: null }),
  BatchNormalization: (a, s) => ({
    axis: a.axis, momentum: a.momentum, epsilon: a.epsilon, center: a.center, scale: a.scale,
    beta_initializer: initializer(s, a.beta_initializer), gamma_initializer: initializer(s, a.gamma_initializer),
    moving_mean_initializer: initializer(s, a.moving_mean_initializer), moving_variance_initializer: initializer(s, a.moving_variance_initializer),
    beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
  }),
  Activation: (a) => ({ activation: a.activation }),
  // Keras 3 calls it negative_slope; tf.keras 2 alpha (Keras 3 still accepts alpha).
  LeakyReLU: (a, s) => ({ [s === 'keras3' ? 'negative_slope' : 'alpha']: a.negative_slope }),
  Reshape: (a) => ({ target_shape: a.target_shape }),
  Conv2D: (a, s) => ({
    filters: a.filters, kernel_size: pair(a.kernel_size, 1), strides: pair(a.strides, 1), padding: a.padding,
    data_format: 'channels_last', dilation_rate: pair(a.dilation_rate, 1), groups: 1, ...weighted(s, a),
  }),
  MaxPooling2D: (a) => pooling(a),
  AveragePooling2D: (a) => pooling(a),
  GlobalAveragePooling2D: () => ({ data_format: 'channels_last', keepdims: false }),
};

/** Keras stores `strides=None` as the pool size. */
function pooling(a: Record<string, Json>): Obj {
  const pool = pair(a.pool_size, 2);
  return { pool_size: pool, padding: a.padding, strides: a.strides === null || a.strides === undefined ? pool : pair(a.strides, 1), data_format: 'channels_last' };
}

const shapeJson = (s: readonly (number | null)[]): Json => [...s];

function dtype(style: Style): Json {
  return style === 'keras3' ? object(style, 'keras', 'DTypePolicy', { name: 'float32' }) : 'float32';
}

/** The InputLayer: the spec's own `Input` layer, or the one Keras adds for a first layer's `input_shape`. */
function inputLayer(spec: ResolvedSpec, style: Style): Obj {
  const first = spec.layers[0];
  const taken = new Set(spec.layers.map((l) => l.name));
  let name = 'input_layer';
  for (let i = 1; first.type !== 'Input' && taken.has(name); i++) name = `input_layer_${i}`;
  const config: Obj = {
    [style === 'keras3' ? 'batch_shape' : 'batch_input_shape']: shapeJson(first.inputShape),
    dtype: 'float32', sparse: false, ragged: false,
    name: first.type === 'Input' ? first.name : name,
  };
  return object(style, 'keras.layers', 'InputLayer', config);
}

function layerConfig(layer: ResolvedLayer, style: Style): Obj {
  const own = LAYER_CONFIGS[layer.type];
  if (!own) throw new Error(`Layer type ${layer.type} has no Keras config mapping.`);
  const config: Obj = { name: layer.name, trainable: layer.args.trainable !== false, dtype: dtype(style), ...own(layer.args, style) };
  const out = object(style, 'keras.layers', layer.type, config);
  if (style === 'keras3') out.build_config = { input_shape: shapeJson(layer.inputShape) };
  return out;
}

/** The Sequential's layer configs, InputLayer first. */
function layerConfigs(spec: ResolvedSpec, style: Style): Json[] {
  return [inputLayer(spec, style), ...kerasModelLayers(spec).map((l) => layerConfig(l, style))];
}

/** The model name Keras accepts (no `/`), as the trainer names its tfjs model. */
export function kerasModelName(spec: ResolvedSpec): string {
  return spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'sequential';
}

/** Fields of Keras's base optimizer config that every Keras 3 release and tf.keras 2.11+ accept. */
function optimizerConfig(style: Style, ref: ResolvedRef): Obj {
  const { type, learning_rate: lr, ...args } = ref;
  const schedule = lr && typeof lr === 'object' && !Array.isArray(lr) ? (lr as ResolvedRef) : undefined;
  const learningRate = schedule
    ? object(style, 'keras.optimizers.schedules', schedule.type, { ...refConfig('schedule', schedule), name: schedule.type })
    : lr;
  return {
    // Keras's default optimizer names: "SGD", else the class name in lower case (rmsprop, adamw).
    name: type === 'SGD' ? type : type.toLowerCase(), learning_rate: learningRate, weight_decay: null, clipnorm: null, global_clipnorm: null,
    clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, ...args,
  };
}

/** A loss as compile() takes it: its Keras name, or the loss class when an argument differs from its default. */
function loss(style: Style, ref: ResolvedRef): Json {
  const entry = lookup('loss', ref.type);
  const changed = entry?.args.some((f) => f.default !== undefined && ref[f.name] !== f.default);
  if (!changed) return ref.type;
  return object(style, 'keras.losses', toClassName(ref.type), { ...refConfig('loss', ref), name: ref.type });
}

/** Metrics as the spec names them where Keras logs that name, else the canonical name. */
function metrics(spec: ResolvedSpec): Json[] {
  return spec.compile.metrics.map((m) => (m.name === m.name.toLowerCase() ? m.name : m.type));
}

/** `config.json` of a `.keras` file: the Sequential with build and compile configs. */
export function toKerasConfig(spec: ResolvedSpec): Obj {
  const style = 'keras3';
  const first = spec.layers[0];
  return {
    module: 'keras', class_name: 'Sequential',
    config: {
      name: kerasModelName(spec), trainable: true, dtype: dtype(style),
      layers: layerConfigs(spec, style), build_input_shape: shapeJson(first.inputShape),
    },
    registered_name: null,
    build_config: { input_shape: shapeJson(first.inputShape) },
    compile_config: {
      optimizer: object(style, 'keras.optimizers', spec.compile.optimizer.type, optimizerConfig(style, spec.compile.optimizer)),
      loss: loss(style, spec.compile.loss), loss_weights: null, metrics: metrics(spec), weighted_metrics: null,
      run_eagerly: false, steps_per_execution: 1, jit_compile: false,
    },
  };
}

/** `metadata.json` of a `.keras` file (`date_saved` as Keras formats it, local time). */
export function kerasMetadata(date: Date): Obj {
  const p = (n: number): string => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
  return { keras_version: KERAS_VERSION, date_saved: `${day}@${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}` };
}

/** The `model_config` root attribute of a legacy `.h5` file. */
export function toLegacyModelConfig(spec: ResolvedSpec): Obj {
  return { class_name: 'Sequential', config: { name: kerasModelName(spec), layers: layerConfigs(spec, 'legacy') } };
}

/** The `training_config` root attribute of a legacy `.h5` file (what `compile_args_from_training_config` reads). */
export function toLegacyTrainingConfig(spec: ResolvedSpec): Obj {
  const opt = spec.compile.optimizer;
  return {
    loss: loss('legacy', spec.compile.loss), metrics: metrics(spec), weighted_metrics: null, loss_weights: null,
    optimizer_config: { class_name: opt.type, config: optimizerConfig('legacy', opt) },
  };
}

/** The layers that appear in Keras's `model.layers` (the InputLayer does not), in order. */
export function kerasModelLayers(spec: ResolvedSpec): ResolvedLayer[] {
  return spec.layers.filter((l) => l.type !== 'Input');
}
