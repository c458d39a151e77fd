/**
 * Keras-exact weight initializers for TensorFlow.js layers.
 *
 * Why not tfjs's own: its "normal" variance-scaling initializers skip Keras's 0.8796 truncation
 * correction (tensorflow/tfjs#8594), its compute_fans differs from Keras for rank 1 and rank > 5,
 * its Identity rejects rectangular kernels, and its random ops are not guaranteed to give the
 * same values on every backend. Here values are drawn in JavaScript from our own seeded PRNG
 * (./random) and handed to tf.tensor, so a seed gives identical weights on cpu, wasm and node.
 *
 * Serialization: each class reports the standard tfjs/Keras class name and config from
 * getClassName()/getConfig() (the pattern tfjs itself uses for GlorotUniform and friends), so an
 * exported model.json loads in any tfjs or Keras without this module. The classes are also
 * registered under their own names, which are never written to model.json.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { INITIALIZERS, lookupInitializer } from '../core/registry';
import { deriveSeed, normalArray, randomSeed, standardNormalFloat64, truncatedNormalArray, uniformArray } from './random';

export { deriveSeed };

/** The tfjs-layers Initializer type (the package index exports the factories, not the class). */
export type Initializer = ReturnType<typeof tfl.initializers.ones>;

type Shape = Parameters<Initializer['apply']>[0];
type Args = Readonly<Record<string, unknown>>;

/**
 * The tfjs-layers Initializer base class, taken from the loaded bundle: layers accept an
 * initializer only if it is `instanceof` that very class, and a deep import of
 * `@tensorflow/tfjs-layers/dist/initializers` would load a second, different copy.
 */
const InitializerBase = Object.getPrototypeOf(tfl.initializers.zeros().constructor) as abstract new () => Initializer;
if (typeof InitializerBase !== 'function' || !(tfl.initializers.ones() instanceof InitializerBase)
  || typeof InitializerBase.prototype.fromConfigUsesCustomObjects !== 'function') {
  throw new Error('Unexpected @tensorflow/tfjs-layers layout: cannot find the Initializer base class');
}

/** Keras's truncation correction: the std of a standard normal truncated to [-2, 2]. */
const TRUNCATION_STD = 0.87962566103423978;

// ---------------------------------------------------------------------------------------------
// Argument parsing (shared by kerasInitializer, which gets Keras snake_case args, and fromConfig,
// which gets tfjs camelCase configs).

/** Keras's default of argument `key` of the initializer Keras calls `where` (`RandomNormal`), from the registry. */
function kerasDefault(where: string, key: string): unknown {
  const value = lookupInitializer(where)?.args.find((a) => a.name === key)?.default;
  if (value === undefined) throw new Error(`${where}: the registry gives \`${key}\` no default`);
  return value;
}

/** `args[key]` as a finite number, Keras's default when absent. */
function readNumber(args: Args, key: string, where: string): number {
  const v = args[key] ?? kerasDefault(where, key);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: \`${key}\` must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function readSeed(args: Args, where: string): number | null {
  const v = args.seed;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${where}: \`seed\` must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function concreteShape(shape: Shape, where: string): number[] {
  return shape.map((d) => {
    if (d === null || !Number.isInteger(d) || d < 0) throw new Error(`${where}: weight shape must be fully known, got [${shape.join(', ')}]`);
    return d;
  });
}

function checkFloat(dtype: tf.DataType | undefined, where: string): void {
  if (dtype !== undefined && dtype !== 'float32') throw new Error(`${where}: only float32 weights are supported, got ${dtype}`);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * `(fan_in, fan_out)` exactly as Keras `compute_fans`: rank 0 → (1, 1); rank 1 → (n, n);
 * rank 2 `[in, out]`; higher ranks are channels-last conv kernels `[..., in, out]` whose fans
 * are multiplied by the receptive field size.
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

// ---------------------------------------------------------------------------------------------
// Initializer classes.

/** Base of the seeded initializers: holds the user-visible seed and the seed actually drawn from. */
abstract class SeededInitializer extends InitializerBase {
  /** The seed given (explicit or derived from the spec); null when unseeded. Reported by getConfig. */
  readonly seed: number | null;
  /**
   * The seed values are drawn from. Unseeded initializers pick one at construction, as Keras
   * does, so calling apply() twice gives the same values.
   */
  protected readonly drawSeed: number;

  constructor(args: Args, where: string) {
    super();
    this.seed = readSeed(args, where);
    this.drawSeed = this.seed ?? randomSeed();
  }

  /** Deserializes from a config dict (tfjs calls this with the registered class). */
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

/** Keras VarianceScaling modes. */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
/** Keras VarianceScaling distributions ("normal" is accepted as an alias of truncated_normal). */
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

const FAN_MODES: Record<string, FanMode> = {
  fan_in: 'fan_in', fan_out: 'fan_out', fan_avg: 'fan_avg',
  // tfjs config spellings, for fromConfig.
  fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg',
};
const TFJS_FAN_MODES: Record<FanMode, string> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' };
const DISTRIBUTIONS: Record<string, Distribution> = {
  truncated_normal: 'truncated_normal', normal: 'truncated_normal', untruncated_normal: 'untruncated_normal', uniform: 'uniform',
  truncatednormal: 'truncated_normal', untruncatednormal: 'untruncated_normal',
};

/**
 * Keras `VarianceScaling`: n = max(1, fan) per mode; truncated_normal draws with
 * stddev sqrt(scale / n) / 0.8796 cut at 2 stddev (result std sqrt(scale / n)),
 * untruncated_normal with stddev sqrt(scale / n), uniform within ±sqrt(3 * scale / n).
 * Serializes as tfjs `VarianceScaling` (distribution `normal`, which tfjs reads as truncated and
 * Keras as corrected truncated normal; untruncated_normal has no tfjs spelling and is written
 * as `normal` too — the weights in the file are unaffected).
 */
export class KerasVarianceScaling extends SeededInitializer {
  static className = 'KerasExactVarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;

  /** @param args `{scale, mode, distribution, seed}` (Keras or tfjs spellings; Keras's defaults from the registry). */
  constructor(args: Args = {}) {
    const where = 'VarianceScaling';
    super(args, where);
    this.scale = readNumber(args, 'scale', where);
    if (!(this.scale > 0)) throw new Error(`${where}: \`scale\` must be positive, got ${this.scale}`);
    const mode = args.mode ?? kerasDefault(where, 'mode');
    const m = typeof mode === 'string' ? FAN_MODES[mode] : undefined;
    if (m === undefined) throw new Error(`${where}: \`mode\` must be one of fan_in, fan_out, fan_avg, got ${JSON.stringify(mode)}`);
    this.mode = m;
    const dist = args.distribution ?? kerasDefault(where, 'distribution');
    const d = typeof dist === 'string' ? DISTRIBUTIONS[dist.toLowerCase()] : undefined;
    if (d === undefined) throw new Error(`${where}: \`distribution\` must be one of truncated_normal, untruncated_normal, uniform (or normal), got ${JSON.stringify(dist)}`);
    this.distribution = d;
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'VarianceScaling');
    checkFloat(dtype, 'VarianceScaling');
    const [fanIn, fanOut] = computeFans(dims);
    const n = this.mode === 'fan_in' ? Math.max(1, fanIn) : this.mode === 'fan_out' ? Math.max(1, fanOut) : Math.max(1, (fanIn + fanOut) / 2);
    const variance = this.scale / n;
    const size = sizeOf(dims);
    let values: Float32Array;
    if (this.distribution === 'truncated_normal') {
      values = truncatedNormalArray(size, 0, Math.sqrt(variance) / TRUNCATION_STD, this.drawSeed);
    } else if (this.distribution === 'untruncated_normal') {
      values = normalArray(size, 0, Math.sqrt(variance), this.drawSeed);
    } else {
      const limit = Math.sqrt(3 * variance);
      values = uniformArray(size, -limit, limit, this.drawSeed);
    }
    return tf.tensor(values, dims, 'float32');
  }

  getClassName(): string {
    return 'VarianceScaling';
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      scale: this.scale,
      mode: TFJS_FAN_MODES[this.mode],
      distribution: this.distribution === 'uniform' ? 'uniform' : 'normal',
      seed: this.seed,
    };
  }
}

/** Keras `RandomNormal(mean=0, stddev=0.05)`. Serializes as tfjs `RandomNormal`. */
export class KerasRandomNormal extends SeededInitializer {
  static className = 'KerasExactRandomNormal';
  readonly mean: number;
  readonly stddev: number;

  /** @param args `{mean, stddev, seed}` (Keras's defaults from the registry) */
  constructor(args: Args = {}) {
    super(args, 'RandomNormal');
    this.mean = readNumber(args, 'mean', 'RandomNormal');
    this.stddev = readNumber(args, 'stddev', 'RandomNormal');
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'RandomNormal');
    checkFloat(dtype, 'RandomNormal');
    return tf.tensor(normalArray(sizeOf(dims), this.mean, this.stddev, this.drawSeed), dims, 'float32');
  }

  getClassName(): string {
    return 'RandomNormal';
  }

  getConfig(): tf.serialization.ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/** Keras `RandomUniform(minval=-0.05, maxval=0.05)`, values in [minval, maxval). Serializes as tfjs `RandomUniform`. */
export class KerasRandomUniform extends SeededInitializer {
  static className = 'KerasExactRandomUniform';
  readonly minval: number;
  readonly maxval: number;

  /** @param args `{minval, maxval, seed}` (Keras's defaults from the registry) */
  constructor(args: Args = {}) {
    super(args, 'RandomUniform');
    this.minval = readNumber(args, 'minval', 'RandomUniform');
    this.maxval = readNumber(args, 'maxval', 'RandomUniform');
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'RandomUniform');
    checkFloat(dtype, 'RandomUniform');
    return tf.tensor(uniformArray(sizeOf(dims), this.minval, this.maxval, this.drawSeed), dims, 'float32');
  }

  getClassName(): string {
    return 'RandomUniform';
  }

  getConfig(): tf.serialization.ConfigDict {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

/**
 * Keras `TruncatedNormal(mean=0, stddev=0.05)`: N(mean, stddev) re-drawn beyond 2 stddev.
 * Unlike VarianceScaling there is NO std correction (the result's std is ~0.88 * stddev), as in Keras.
 * Serializes as tfjs `TruncatedNormal`.
 */
export class KerasTruncatedNormal extends SeededInitializer {
  static className = 'KerasExactTruncatedNormal';
  readonly mean: number;
  readonly stddev: number;

  /** @param args `{mean, stddev, seed}` (Keras's defaults from the registry) */
  constructor(args: Args = {}) {
    super(args, 'TruncatedNormal');
    this.mean = readNumber(args, 'mean', 'TruncatedNormal');
    this.stddev = readNumber(args, 'stddev', 'TruncatedNormal');
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'TruncatedNormal');
    checkFloat(dtype, 'TruncatedNormal');
    return tf.tensor(truncatedNormalArray(sizeOf(dims), this.mean, this.stddev, this.drawSeed), dims, 'float32');
  }

  getClassName(): string {
    return 'TruncatedNormal';
  }

  getConfig(): tf.serialization.ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/**
 * Reduced QR of a standard-normal (rows x cols) matrix, rows >= cols, by Householder reflections;
 * returns Q (row-major rows x cols) with columns flipped so diag(R) >= 0, i.e. Keras's
 * `q * sign(diag(r))`. Done in float64 so float32 weights are orthogonal to rounding.
 */
function orthonormalColumns(a: Float64Array, rows: number, cols: number): Float64Array {
  const m = rows;
  const n = cols;
  // Column-major copy: every step below walks down columns.
  const A = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A[j * m + i] = a[i * n + j];
  const vs: Float64Array[] = [];
  const vNorm2 = new Float64Array(n);
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm2 = 0;
    for (let i = k; i < m; i++) norm2 += A[ck + i] * A[ck + i];
    const norm = Math.sqrt(norm2);
    const v = new Float64Array(m - k);
    vs.push(v);
    if (norm === 0) continue; // Probability zero; leaves H_k = I.
    const alpha = A[ck + k] > 0 ? -norm : norm; // Sign chosen to avoid cancellation.
    v[0] = A[ck + k] - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = A[ck + i];
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    vNorm2[k] = vv;
    rDiag[k] = alpha;
    for (let j = k; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * A[cj + i];
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) A[cj + i] -= f * v[i - k];
    }
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of I; H_k leaves columns j < k alone.
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const vv = vNorm2[k];
    if (vv === 0) continue;
    const v = vs[k];
    for (let j = k; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * Q[cj + i];
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) Q[cj + i] -= f * v[i - k];
    }
  }
  const out = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const sign = rDiag[j] < 0 ? -1 : 1; // Keras: sign(0) would zero a column; never happens in practice.
    for (let i = 0; i < m; i++) out[i * n + j] = sign * Q[j * m + i];
  }
  return out;
}

/**
 * Keras `Orthogonal(gain=1)`: flattens the shape to (prod(shape[:-1]), shape[-1]), takes Q of the
 * QR of a standard normal matrix (transposed when there are fewer rows than columns, so rows are
 * orthonormal), times gain. Serializes as tfjs `Orthogonal`.
 */
export class KerasOrthogonal extends SeededInitializer {
  static className = 'KerasExactOrthogonal';
  readonly gain: number;

  /** @param args `{gain, seed}` (Keras's default from the registry) */
  constructor(args: Args = {}) {
    super(args, 'Orthogonal');
    this.gain = readNumber(args, 'gain', 'Orthogonal');
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'Orthogonal');
    checkFloat(dtype, 'Orthogonal');
    if (dims.length < 2) throw new Error(`Orthogonal: the tensor to initialize must be at least two-dimensional, got shape [${dims.join(', ')}]`);
    const numRows = sizeOf(dims.slice(0, -1));
    const numCols = dims[dims.length - 1];
    const big = Math.max(numRows, numCols);
    const small = Math.min(numRows, numCols);
    const q = orthonormalColumns(standardNormalFloat64(big * small, this.drawSeed), big, small);
    const out = new Float32Array(numRows * numCols);
    if (numRows >= numCols) {
      for (let i = 0; i < out.length; i++) out[i] = this.gain * q[i];
    } else {
      // q is (numCols x numRows); the weight is its transpose.
      for (let r = 0; r < numRows; r++) for (let c = 0; c < numCols; c++) out[r * numCols + c] = this.gain * q[c * numRows + r];
    }
    return tf.tensor(out, dims, 'float32');
  }

  getClassName(): string {
    return 'Orthogonal';
  }

  getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}

/**
 * Keras `Identity(gain=1)`: gain * eye(rows, cols) for 2-D kernels, rectangular allowed (tfjs's
 * own rejects non-square). Serializes as tfjs `Identity`.
 */
export class KerasIdentity extends InitializerBase {
  static className = 'KerasExactIdentity';
  readonly gain: number;

  /** @param args `{gain}` (Keras's default from the registry) */
  constructor(args: Args = {}) {
    super();
    this.gain = readNumber(args, 'gain', 'Identity');
  }

  apply(shape: Shape, dtype?: tf.DataType): tf.Tensor {
    const dims = concreteShape(shape, 'Identity');
    if (dims.length !== 2) throw new Error(`Identity: can only be used for 2D matrices, got shape [${dims.join(', ')}] of rank ${dims.length}`);
    const [rows, cols] = dims;
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = this.gain;
    return tf.tensor(out, dims, dtype ?? 'float32');
  }

  getClassName(): string {
    return 'Identity';
  }

  getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain };
  }

  /** Deserializes from a config dict. */
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

// Registered under their own names (package "ModelSpec") so tfjs's deserializer knows them; these
// names never reach model.json (see getClassName), and tfjs's own classes stay untouched.
for (const cls of [KerasVarianceScaling, KerasRandomNormal, KerasRandomUniform, KerasTruncatedNormal, KerasOrthogonal, KerasIdentity]) {
  tf.serialization.registerClass(cls, 'ModelSpec');
}

// ---------------------------------------------------------------------------------------------
// Factory.

/** Builds an initializer from Keras constructor arguments and the seed to draw with. */
type Make = (args: Args, seed: number | undefined) => Initializer;

/** The initializers that are not VarianceScaling presets (those are built from their registry entry). */
const MAKERS: Readonly<Record<string, Make>> = {
  zeros: () => tfl.initializers.zeros(),
  ones: () => tfl.initializers.ones(),
  constant: (a) => tfl.initializers.constant({ value: readNumber(a, 'value', 'Constant') }),
  random_normal: (a, seed) => new KerasRandomNormal({ ...a, seed }),
  random_uniform: (a, seed) => new KerasRandomUniform({ ...a, seed }),
  truncated_normal: (a, seed) => new KerasTruncatedNormal({ ...a, seed }),
  variance_scaling: (a, seed) => new KerasVarianceScaling({ ...a, seed }),
  orthogonal: (a, seed) => new KerasOrthogonal({ ...a, seed }),
  identity: (a) => new KerasIdentity(a),
};

/** Each registry initializer, by its canonical name: the Keras arguments it takes and how to build it. */
const FACTORIES: ReadonlyMap<string, { args: readonly string[]; make: Make }> = new Map(
  INITIALIZERS.map((e) => {
    const preset = e.varianceScaling;
    // Keras's GlorotUniform etc. take only `seed`.
    const make: Make | undefined = preset ? (_args, seed) => new KerasVarianceScaling({ ...preset, seed }) : MAKERS[e.name];
    if (!make) throw new Error(`initializer ${e.name} is in the registry but has no implementation in trainer/initializers.ts`);
    return [e.name, { args: e.args.map((a) => a.name), make }];
  }),
);

/** The canonical Keras identifiers kerasInitializer accepts (the registry's). */
export const KERAS_INITIALIZER_NAMES: readonly string[] = [...FACTORIES.keys()];

/**
 * Builds the Keras-exact initializer `name` (canonical snake_case Keras identifier, e.g.
 * `he_normal`) with Keras constructor `args` (snake_case keys, Keras defaults for missing ones).
 *
 * Seeding: an explicit `args.seed` wins (as in Keras, every initializer built with it draws the
 * same values); otherwise `seed`, normally `deriveSeed(spec.seed, layerIndex, weightName)`;
 * otherwise a random seed picked now. Either way, repeated `apply` calls on one instance return
 * the same values, as Keras's seeded and unseeded initializers do.
 *
 * @throws Error for an unknown name, an argument the Keras initializer does not take, or a bad value.
 */
export function kerasInitializer(name: string, args: Record<string, unknown>, seed: number | undefined): Initializer {
  const factory = FACTORIES.get(name);
  if (factory === undefined) throw new Error(`Unknown initializer "${name}". Known: ${KERAS_INITIALIZER_NAMES.join(', ')}`);
  for (const key of Object.keys(args)) {
    if (!factory.args.includes(key)) {
      const accepted = factory.args.length > 0 ? factory.args.join(', ') : 'no arguments';
      throw new Error(`Initializer "${name}" does not take \`${key}\` (accepts ${accepted})`);
    }
  }
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`Initializer "${name}": seed must be an integer, got ${seed}`);
  const explicit = readSeed(args, name);
  return factory.make(args, explicit ?? seed);
}
