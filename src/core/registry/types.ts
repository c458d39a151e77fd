/**
 * Types of the registry: the single description of every name a spec can use (layers,
 * activations, initializers, optimizers, losses, metrics, callbacks). The JSON Schema,
 * validation, completion, hover, the CLI and the trainer are all derived from it.
 */

/** A JSON value as it appears in a spec. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The kinds of named things a spec refers to by identifier. */
export type NameKind =
  | 'layer'
  | 'activation'
  | 'initializer'
  | 'regularizer'
  | 'optimizer'
  | 'schedule'
  | 'loss'
  | 'metric'
  | 'callback';

/** Human words for each kind, used in messages ("unknown activation"). */
export const KIND_WORDS: Record<NameKind, string> = {
  layer: 'layer type',
  activation: 'activation',
  initializer: 'initializer',
  regularizer: 'regularizer',
  optimizer: 'optimizer',
  schedule: 'learning-rate schedule',
  loss: 'loss',
  metric: 'metric',
  callback: 'callback',
};

/**
 * The type of one value in a spec. Validation and the JSON Schema both walk these.
 */
export type ValueType =
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'bool' }
  | { kind: 'string'; minLength?: number }
  | { kind: 'enum'; values: readonly string[]; docs?: readonly string[] }
  /** An array of positive integers (a shape without the batch dimension); `-1` allowed if `inferOne`. */
  | { kind: 'shape'; inferOne?: boolean }
  /** An integer or a list of `length` integers, like Keras `kernel_size=3` or `(3, 3)`. */
  | { kind: 'intOrTuple'; length: number; min: number }
  /** A registry name: a string, or an object `{ "type": name, ...args }` when the kind has arguments. */
  | { kind: 'ref'; ref: Exclude<NameKind, 'layer' | 'callback'> }
  | { kind: 'object'; fields: readonly Field[]; doc?: string }
  | { kind: 'array'; items: ValueType; minItems?: number }
  /** Alternatives; objects are told apart by their required keys. */
  | { kind: 'oneOf'; options: readonly ValueType[] }
  /** A list of layers (each an object discriminated by `type`). */
  | { kind: 'layers' }
  /** A list of callbacks (each an object discriminated by `type`). */
  | { kind: 'callbacks' }
  /** `layer_defaults`: layer type -> arguments of that layer type. */
  | { kind: 'layerDefaults' }
  /** `variants`: a list of merge patches over the spec, each with a `name`. */
  | { kind: 'variants' }
  /** A path to a file, relative to the spec. */
  | { kind: 'path' };

/** One argument or property: its name, type, default, and a one-line doc. */
export interface Field {
  name: string;
  type: ValueType;
  /** Keras's default; absent means "no default" (then `required` or optional with no value). */
  default?: Json;
  required?: boolean;
  doc: string;
  /** Another spelling Keras accepts for this argument (e.g. LeakyReLU `alpha` in Keras 2). */
  deprecatedAlias?: string;
}

/** A named thing: an activation, initializer, optimizer, loss, metric, regularizer or callback. */
export interface NamedEntry {
  /** Canonical Keras identifier, e.g. `he_normal`, `SGD`, `sparse_categorical_crossentropy`. */
  name: string;
  /** Other spellings Keras accepts, e.g. `HeNormal`, `sgd`. */
  aliases: readonly string[];
  /** One-line doc. */
  doc: string;
  /** Longer Keras equivalence (what it computes), shown on hover. */
  detail?: string;
  /** Arguments, when the identifier may be written as an object with arguments. */
  args: readonly Field[];
  /** The TensorFlow.js identifier the trainer hands to tfjs, when there is one. */
  tfjs?: string;
}

/** Whether a smaller (`min`) or a larger (`max`) value of a logged quantity is better. */
export type Direction = 'min' | 'max';

/** A metric: which way is better, for callbacks in `auto` mode, best epochs and comparisons. */
export interface MetricEntry extends NamedEntry {
  direction: Direction;
  /** The fused kernel computes it (it picks the binary, categorical or sparse accuracy itself). */
  fusedKernel?: boolean;
}

/** How the fused WebAssembly kernel (src/kernel/dense.c) encodes an entry; absent when it cannot train it. */
export interface FusedKernelCode {
  /** The value of the matching dense.c enum constant (a test compares them). */
  code: number;
}

/**
 * An activation's family, for initializer advice: `relu` (rectifiers, paired with He), `selu`
 * (self-normalizing, paired with LeCun normal), `saturating` (sigmoid and tanh: He's variance
 * pushes them into saturation; paired with Glorot), `other` (paired with Glorot).
 */
export type ActivationFamily = 'relu' | 'selu' | 'saturating' | 'other';

/** An activation function. */
export interface ActivationEntry extends NamedEntry {
  family: ActivationFamily;
  fusedKernel?: FusedKernelCode;
  /** f(c * x) = c * f(x) for every c >= 0 (relu, linear): it commutes with a Dropout's mask. */
  commutesWithDropout?: boolean;
}

/** An optimizer, with the state it keeps per weight. */
export interface OptimizerEntry extends NamedEntry {
  /** Extra float32 values per weight (momentum, moments, ...) with the default arguments. */
  slots: number;
  /** Arguments that each add one slot when set (a positive number or true): SGD `momentum`. */
  slotArgs: readonly string[];
  /** `momentumCode`: the kernel's code for SGD with momentum; `centeredCode`: for centered RMSprop. */
  fusedKernel?: FusedKernelCode & { momentumCode?: number; centeredCode?: number };
}

/** Keras VarianceScaling arguments of an initializer preset (`he_normal` is scale 2, fan_in, truncated_normal). */
export interface VarianceScalingPreset {
  scale: number;
  mode: 'fan_in' | 'fan_out' | 'fan_avg';
  distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
}

/** A weight initializer. */
export interface InitializerEntry extends NamedEntry {
  /** Set for the VarianceScaling presets (Glorot, He, LeCun). */
  varianceScaling?: VarianceScalingPreset;
}

/** A shape including the batch dimension (null = unknown, as Keras prints `None`). */
export type Shape = readonly (number | null)[];

/** Parameter counts of one layer. */
export interface ParamCount {
  trainable: number;
  nonTrainable: number;
  /** The arithmetic, for hovers: `784 × 300 + 300 = 235,500`. */
  formula?: string;
}

/** The result of inferring one layer's output: a shape, or a message saying what is wrong. */
export type InferResult =
  | { ok: true; shape: Shape; params: ParamCount }
  /** `arg`: the argument at fault, if one is (the range then points at it). */
  | { ok: false; message: string; arg?: string };

/** A layer type. `infer` is where its Keras shape and parameter rules live. */
export interface LayerEntry {
  /** Keras class name, e.g. `Dense`. */
  name: string;
  doc: string;
  /** Keras's default layer name stem (`dense` -> dense, dense_1, ...). */
  defaultName: string;
  /** Layer-specific arguments (the common ones are in `COMMON_LAYER_FIELDS`). */
  args: readonly Field[];
  /** The argument that carries the activation, for advice rules (Dense, Conv2D, Activation). */
  activationArg?: string;
  /** The argument that carries the kernel initializer, for advice rules. */
  kernelInitializerArg?: string;
  /** The argument holding the layer's size, for the last-layer checks (Dense `units`). */
  unitsArg?: string;
  /** Input layer: the shape comes from this argument instead of `input_shape`. */
  shapeArg?: string;
  /** False for layers Keras leaves out of `model.summary()` (the Input layer). */
  inSummary: boolean;
  /** The layer changes no values at inference (Dropout, Flatten, Reshape): the output activation is before it. */
  passThrough?: boolean;
  /**
   * The fused kernel trains this layer type; `activationCode` when it is an activation of its own
   * (LeakyReLU), `commutesWithDropout` as for an activation.
   */
  fusedKernel?: { activationCode?: number; commutesWithDropout?: boolean };
  /**
   * Output shape and parameter count from the input shape and the fully-defaulted arguments.
   * Must not throw on any argument values that passed validation.
   */
  infer(input: Shape, args: Readonly<Record<string, Json>>): InferResult;
}
