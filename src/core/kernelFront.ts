/**
 * The convolutional front of a kernel plan (src/kernel/front.c): the ops before the Dense stack
 * (kernelPlan.ts chooses where it starts), with the shapes the resolver gave each layer and
 * TensorFlow.js's padding. Flatten and Reshape add no op (an NHWC example is one row-major block
 * either way).
 */
import type { ResolvedLayer } from './resolve';
import type { Json } from './registry';

/** One example's input and output image: h, w, c, oh, ow, oc. */
export type FrontShape = [number, number, number, number, number, number];

/** dense.c's BN_ positions of a BatchNormalization: before or after its layer's activation, or after its dropout (Dense layers). */
export const NORM = { before: 1, after: 2, last: 3 };

/** A BatchNormalization (axis -1) after a Dense or Conv2D layer, as k_set_norm and k_front_norm take it. */
export interface KernelNorm {
  /** The layer's name in the model, whose weights the kernel holds. */
  name: string;
  position: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  /** trainable: false: gamma and beta stay as they are (batch statistics are still used, as in TensorFlow.js). */
  frozen: boolean;
}

/** A BatchNormalization layer's settings, before its layer's activation when that is still linear. */
export function normOf(layer: ResolvedLayer, linear: boolean): KernelNorm {
  const a = layer.args;
  return {
    name: layer.name, position: linear ? NORM.before : NORM.after, momentum: a.momentum as number, epsilon: a.epsilon as number,
    center: a.center !== false, scale: a.scale !== false, frozen: a.trainable === false,
  };
}

/**
 * A convolution: window is kh, kw, sh, sw, dh, dw, pad top, pad left (front.c's k_front_conv). A
 * Dense layer before the Dense stack is one too: a 1x1 convolution over its input's pixels (one
 * pixel for a flat input), with the same [inputs][units] kernel.
 */
export interface ConvOp {
  kind: 'conv';
  /** Index in `spec.layers` of the Conv2D or Dense layer, and its name in the model. */
  layer: number;
  name: string;
  shape: FrontShape;
  window: number[];
  activation: number;
  alpha: number;
  bias: boolean;
  frozen: boolean;
  /** The kernel regularizer's [l1, l2] factors, then the bias regularizer's. */
  regularizers: [number, number, number, number];
  /** The activity regularizer's [l1, l2] factors on its output ([0, 0]: none). */
  activity: [number, number];
  /** A BatchNormalization right after it (or after its folded activation). */
  norm?: KernelNorm;
  /**
   * The index in the front of the act op whose output training health measures as this layer's
   * (core/health/layers.ts's rule): an Activation after a linear layer and a Dropout, or after a
   * linear layer whose output an activity regularizer reads (with a BatchNormalization between,
   * or none), where it does not fold in. Else the op's own output.
   */
  measuredAt?: number;
}

/** Max or average pooling: window is kh, kw, sh, sw, pad top, pad left. */
export interface PoolOp {
  kind: 'maxpool' | 'avgpool';
  shape: FrontShape;
  window: number[];
}

export interface GapOp {
  kind: 'gap';
  shape: FrontShape;
}

export interface DropoutOp {
  kind: 'dropout';
  /** Index in `spec.layers` of the Dropout layer. */
  layer: number;
  size: number;
  rate: number;
  seed: number;
  /** An AlphaDropout. */
  alpha?: boolean;
}

/** A BatchNormalization that no Conv2D right before it holds (after pooling or dropout, on the input, or on an axis other than the last). */
export interface NormOp {
  kind: 'norm';
  /** Floats per example, the features of its axis (the channels for the last axis), and the floats after that axis in an example (1 for the last). */
  size: number;
  channels: number;
  inner: number;
  norm: KernelNorm;
}

/** An Activation or LeakyReLU layer on the last axis that does not fold into a linear Conv2D right before it. */
export interface ActOp {
  kind: 'act';
  size: number;
  channels: number;
  activation: number;
  alpha: number;
}

export type FrontOp = ConvOp | PoolOp | GapOp | DropoutOp | NormOp | ActOp;

/** Floats per example the front reads: its first op's input. */
export function frontInputSize(front: readonly FrontOp[]): number {
  const first = front[0];
  if (first.kind === 'dropout' || first.kind === 'norm' || first.kind === 'act') return first.size;
  return first.shape[0] * first.shape[1] * first.shape[2];
}

/** Floats per example the front writes: its last op's output, the first Dense layer's input. */
export function frontOutputSize(front: readonly FrontOp[]): number {
  const last = front[front.length - 1];
  if (last.kind === 'dropout' || last.kind === 'norm' || last.kind === 'act') return last.size;
  return last.shape[3] * last.shape[4] * last.shape[5];
}

/** `3` or `[3, 3]` -> `[3, 3]` (validation has checked the form). */
function pair(v: Json | undefined, fallback: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return [fallback, fallback];
}

/**
 * Padding before the first window along one axis: TensorFlow's same padding puts the smaller
 * half first, pad_total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0).
 */
function padBefore(size: number, out: number, k: number, stride: number, dilation: number, padding: Json | undefined): number {
  if (padding !== 'same') return 0;
  return Math.floor(Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0) / 2);
}

/** The layer's image shapes, or undefined when either is not a fully known 3-D image. */
function imageShape(layer: ResolvedLayer): FrontShape | undefined {
  const [, h, w, c] = layer.inputShape;
  const [, oh, ow, oc] = layer.outputShape;
  const dims = [h, w, c, oh, ow, oc];
  if (layer.inputShape.length !== 4 || layer.outputShape.length !== 4 || dims.some((d) => typeof d !== 'number')) return undefined;
  return dims as FrontShape;
}

/** Kernel and window geometry with TF's padding: kh, kw, sh, sw, dh, dw, pad top, pad left. */
function windowOf(shape: FrontShape, a: Record<string, Json>, size: [number, number], strides: [number, number], dilation: [number, number]): number[] {
  const top = padBefore(shape[0], shape[3], size[0], strides[0], dilation[0], a.padding);
  const left = padBefore(shape[1], shape[4], size[1], strides[1], dilation[1], a.padding);
  return [...size, ...strides, ...dilation, top, left];
}

/** What the front needs of the kernel plan builder: activation codes and regularizer factors. */
export interface FrontContext {
  activation(name: Json | undefined): number | undefined;
  /** The code of a folded LeakyReLU layer. */
  leakyRelu: number;
  penalties(layer: ResolvedLayer): [number, number, number, number];
  /** The layer's activity regularizer's [l1, l2] factors ([0, 0] without one). */
  activity(layer: ResolvedLayer): [number, number];
  dropoutSeed(index: number): number;
}

const hasActivity = (conv: ConvOp): boolean => conv.activity[0] !== 0 || conv.activity[1] !== 0;

/**
 * The kernel keeps a layer's output only where the layer's own activation makes it: an Activation
 * layer or a BatchNormalization after a linear Dense or Conv2D layer works on it in place.
 */
export function activityReplaced(layer: ResolvedLayer): string {
  return `an activity regularizer on a linear layer that ${layer.type} layer ${layer.name} follows (give that layer its activation, or put the regularizer on another layer)`;
}

/** A Conv2D layer as a front op, or why the kernel cannot train it. */
function convOp(layer: ResolvedLayer, index: number, ctx: FrontContext): ConvOp | string {
  const a = layer.args;
  const shape = imageShape(layer);
  if (!shape) return `Conv2D layer ${layer.name} without a known image shape`;
  if (a.data_format === 'channels_first') return `Conv2D layer ${layer.name} with channels_first data`;
  const activation = ctx.activation(a.activation ?? 'linear');
  if (activation === undefined) return `activation ${String(a.activation)} on Conv2D layer ${layer.name}`;
  const window = windowOf(shape, a, pair(a.kernel_size, 1), pair(a.strides, 1), pair(a.dilation_rate, 1));
  return weighted(layer, index, ctx, shape, window, activation);
}

/** A Conv2D or Dense layer's op from its shape, window and activation code. */
function weighted(layer: ResolvedLayer, index: number, ctx: FrontContext, shape: FrontShape, window: number[], activation: number): ConvOp {
  const a = layer.args;
  return { kind: 'conv', layer: index, name: layer.name, shape, window, activation, alpha: 0, bias: a.use_bias !== false, frozen: a.trainable === false, regularizers: ctx.penalties(layer), activity: ctx.activity(layer) };
}

/**
 * A Dense layer before the Dense stack (after another Dense layer the stack cannot hold it, or
 * on an image) as a 1x1 convolution: Keras applies a Dense layer to its input's last axis.
 */
function denseOp(layer: ResolvedLayer, index: number, ctx: FrontContext): ConvOp | string {
  const channels = layer.inputShape[layer.inputShape.length - 1];
  const pixels = exampleSize(layer) / (channels ?? NaN);
  const units = layer.args.units as number;
  if (typeof channels !== 'number' || !Number.isInteger(pixels)) return `Dense layer ${layer.name} without a known input shape`;
  const activation = ctx.activation(layer.args.activation ?? 'linear');
  if (activation === undefined) return `activation ${String(layer.args.activation)} on Dense layer ${layer.name}`;
  return weighted(layer, index, ctx, [1, pixels, channels, 1, pixels, units], [1, 1, 1, 1, 1, 1, 0, 0], activation);
}

/** A pooling layer as a front op, or why the kernel cannot train it. */
function poolOp(layer: ResolvedLayer): PoolOp | string {
  const a = layer.args;
  const shape = imageShape(layer);
  if (!shape) return `${layer.type} layer ${layer.name} without a known image shape`;
  const size = pair(a.pool_size, 2);
  const strides = a.strides === null || a.strides === undefined ? size : pair(a.strides, 1);
  const win = windowOf(shape, a, size, strides, [1, 1]);
  const kind = layer.type === 'MaxPooling2D' ? 'maxpool' : 'avgpool';
  return { kind, shape, window: [win[0], win[1], win[2], win[3], win[6], win[7]] };
}

/**
 * Adds `layer` (at `index` in the spec, before the Dense stack) to the front, or says why the
 * kernel cannot train it. BatchNormalization, Activation and LeakyReLU fold into a Conv2D or Dense
 * layer right before them where they can, else are ops of their own.
 */
export function addFrontOp(front: FrontOp[], layer: ResolvedLayer, index: number, ctx: FrontContext): string | undefined {
  switch (layer.type) {
    case 'Input':
    case 'Flatten':
    case 'Reshape':
      return undefined;
    case 'Conv2D':
    case 'Dense': {
      const op = layer.type === 'Dense' ? denseOp(layer, index, ctx) : convOp(layer, index, ctx);
      if (typeof op === 'string') return op;
      front.push(op);
      return undefined;
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const op = poolOp(layer);
      if (typeof op === 'string') return op;
      front.push(op);
      return undefined;
    }
    case 'GlobalAveragePooling2D': {
      const shape = imageShape({ ...layer, outputShape: [null, 1, 1, layer.outputShape[1]] });
      if (!shape) return `GlobalAveragePooling2D layer ${layer.name} without a known image shape`;
      front.push({ kind: 'gap', shape });
      return undefined;
    }
    case 'BatchNormalization':
      return addNorm(front, layer, ctx);
    case 'Dropout':
    case 'AlphaDropout': {
      const size = exampleSize(layer);
      front.push({ kind: 'dropout', layer: index, size, rate: layer.args.rate as number, seed: ctx.dropoutSeed(index), ...(layer.type === 'AlphaDropout' ? { alpha: true } : {}) });
      return undefined;
    }
    default:
      return addActivation(front, layer, ctx);
  }
}

/** Floats per example of the layer's input. */
function exampleSize(layer: ResolvedLayer): number {
  return layer.inputShape.slice(1).reduce<number>((p, d) => p * (d ?? NaN), 1);
}

/**
 * A BatchNormalization on the last axis: held by the Conv2D or Dense layer right before it, else
 * (after another layer, or a linear one whose output an activity regularizer reads) an op of its
 * own; on another axis (an image's rows or columns), always an op of its own.
 */
function addNorm(front: FrontOp[], layer: ResolvedLayer, ctx: FrontContext): string | undefined {
  const last = front[front.length - 1];
  const rank = layer.inputShape.length - 1;
  const axis = normAxis(layer);
  const channels = layer.inputShape[axis];
  const inner = layer.inputShape.slice(axis + 1).reduce<number>((p, d) => p * (d ?? NaN), 1);
  if (axis < 1 || typeof channels !== 'number' || !Number.isFinite(exampleSize(layer))) return `BatchNormalization layer ${layer.name} without a known input shape`;
  if (axis === rank && last?.kind === 'conv' && !last.norm && !(hasActivity(last) && last.activation === ctx.activation('linear'))) {
    last.norm = normOf(layer, last.activation === ctx.activation('linear'));
    return undefined;
  }
  front.push({ kind: 'norm', size: exampleSize(layer), channels, inner, norm: normOf(layer, false) });
  return undefined;
}

/** The axis a BatchNormalization normalizes, counted from the batch axis (0): `axis`, or from the end when negative. */
export function normAxis(layer: ResolvedLayer): number {
  const axis = typeof layer.args.axis === 'number' ? layer.args.axis : -1;
  return axis < 0 ? layer.inputShape.length + axis : axis;
}

/**
 * An Activation or LeakyReLU layer: folded into the linear Conv2D or Dense layer right before it,
 * else (after another layer, or after one whose linear output an activity regularizer reads) an op of its own.
 */
function addActivation(front: FrontOp[], layer: ResolvedLayer, ctx: FrontContext): string | undefined {
  const last = front[front.length - 1];
  const code = layer.type === 'LeakyReLU' ? ctx.leakyRelu : ctx.activation(layer.args.activation);
  if (code === undefined) return `activation ${String(layer.args.activation)} on layer ${layer.name}`;
  const alpha = layer.type === 'LeakyReLU' ? (layer.args.negative_slope as number) : 0;
  if (last?.kind === 'conv' && last.activation === ctx.activation('linear') && (!last.norm || last.norm.position === NORM.before) && !hasActivity(last)) {
    last.activation = code;
    last.alpha = alpha;
    return undefined;
  }
  const channels = layer.inputShape[layer.inputShape.length - 1];
  if (typeof channels !== 'number' || !Number.isFinite(exampleSize(layer))) return `${layer.type} layer ${layer.name} without a known input shape`;
  // Training health measures an Activation after a linear layer and a Dropout or BatchNormalization (core/health/layers.ts).
  const weighted = last?.kind === 'dropout' || last?.kind === 'norm' ? front[front.length - 2] : last;
  if (weighted?.kind === 'conv' && weighted.activation === ctx.activation('linear') && !weighted.norm) weighted.measuredAt = front.length;
  front.push({ kind: 'act', size: exampleSize(layer), channels, activation: code, alpha });
  return undefined;
}
