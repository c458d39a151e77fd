/**
 * Builds a TensorFlow.js Sequential model from a resolved spec: one builder per registry layer
 * type, Keras-exact initializers (seeded from the spec seed), and Keras activation names mapped
 * to TensorFlow.js's.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lookup, type Json } from '../core/registry';
import type { ResolvedLayer, ResolvedRef, ResolvedSpec } from '../core/resolve';
import { deriveSeed, kerasInitializer } from './initializers';
import { applyInitialWeights } from './initialWeights';

type LayerArgs = Record<string, Json>;
type AnyLayer = Parameters<tfl.Sequential['add']>[0];
type Ctx = { seed: number | undefined; layer: ResolvedLayer; index: number };

/** The TensorFlow.js activation identifier for a Keras activation name. */
function activation(v: Json | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  const tfjs = lookup('activation', v)?.tfjs;
  if (!tfjs) throw new Error(`Activation "${v}" has no TensorFlow.js implementation.`);
  return tfjs;
}

function initializer(v: Json | undefined, ctx: Ctx, weight: string): ReturnType<typeof kerasInitializer> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { type, ...args } = v as ResolvedRef;
  const seed = ctx.seed === undefined ? undefined : deriveSeed(ctx.seed, ctx.index, ctx.layer.name, weight);
  return kerasInitializer(type, args, seed);
}

function regularizer(v: Json | undefined): ReturnType<typeof tfl.regularizers.l2> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const r = v as ResolvedRef;
  switch (r.type) {
    case 'l1': return tfl.regularizers.l1({ l1: r.l1 as number });
    case 'l2': return tfl.regularizers.l2({ l2: r.l2 as number });
    case 'l1_l2': return tfl.regularizers.l1l2({ l1: r.l1 as number, l2: r.l2 as number });
    default: throw new Error(`Unknown regularizer "${r.type}".`);
  }
}

const pair = (v: Json | undefined): [number, number] | undefined =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[0] as number, v[1] as number] : undefined;

/** Arguments shared by Dense and Conv2D. */
function weighted(a: LayerArgs, ctx: Ctx) {
  return {
    activation: activation(a.activation) as 'relu',
    useBias: a.use_bias as boolean,
    kernelInitializer: initializer(a.kernel_initializer, ctx, 'kernel'),
    biasInitializer: initializer(a.bias_initializer, ctx, 'bias'),
    kernelRegularizer: regularizer(a.kernel_regularizer),
    biasRegularizer: regularizer(a.bias_regularizer),
    // No activity regularizer: TensorFlow.js refuses to build a layer with one, and only the
    // fused engine trains it (kernelOnly); inference, export and sync do without.
  };
}

/**
 * TensorFlow.js 4.22 cannot train a BatchNormalization without `beta` (`center: false`) or
 * `gamma` (`scale: false`): the layer reads both in training whether it has them or not
 * (`this.gamma.read()`, normalization.js), and tfjs-core's batchNorm gradient saves `scale`
 * even when it is null, so the first batch failed with "Cannot read properties of undefined".
 * The absent weight reads as a constant (zeros for beta, ones for gamma), which is what Keras
 * computes without it; it is no weight of the layer, so the parameter count, the weights and
 * Keras export are Keras's, and nothing updates it.
 */
function withoutOffsetOrScale(layer: AnyLayer): AnyLayer {
  const l = layer as unknown as { center: boolean; scale: boolean; beta?: unknown; gamma?: unknown; movingMean: { read(): tf.Tensor } };
  const constant = (fill: (t: tf.Tensor) => tf.Tensor) => ({ read: () => fill(l.movingMean.read()) });
  if (!l.center) l.beta = constant(tf.zerosLike);
  if (!l.scale) l.gamma = constant(tf.onesLike);
  return layer;
}

/** Config every layer gets: its Keras name, trainability, and (first layer) the input shape. */
type Base = { name: string; trainable: boolean; inputShape?: number[] };

/** One builder per layer type of the registry (a test checks none is missing). */
export const LAYER_BUILDERS: Record<string, (a: LayerArgs, ctx: Ctx, base: Base) => AnyLayer> = {
  Input: (a, _ctx, base) => tfl.layers.inputLayer({ name: base.name, inputShape: a.shape as number[] }) as unknown as AnyLayer,
  // Keras flattens an already flat input to itself; tfjs's Flatten wants rank 3 or more.
  Flatten: (_a, ctx, base) => (ctx.layer.inputShape.length > 2 ? tfl.layers.flatten(base) : tfl.layers.reshape({ ...base, targetShape: [ctx.layer.inputShape[1] as number] })),
  Dense: (a, ctx, base) => tfl.layers.dense({ ...base, units: a.units as number, ...weighted(a, ctx) }),
  Dropout: (a, _ctx, base) => tfl.layers.dropout({ ...base, rate: a.rate as number, ...(typeof a.seed === 'number' ? { seed: a.seed } : {}) }),
  AlphaDropout: (a, _ctx, base) => tfl.layers.alphaDropout({ ...base, rate: a.rate as number }),
  BatchNormalization: (a, ctx, base) => withoutOffsetOrScale(tfl.layers.batchNormalization({
    ...base, axis: a.axis as number, momentum: a.momentum as number, epsilon: a.epsilon as number,
    center: a.center as boolean, scale: a.scale as boolean,
    betaInitializer: initializer(a.beta_initializer, ctx, 'beta'),
    gammaInitializer: initializer(a.gamma_initializer, ctx, 'gamma'),
    movingMeanInitializer: initializer(a.moving_mean_initializer, ctx, 'moving_mean'),
    movingVarianceInitializer: initializer(a.moving_variance_initializer, ctx, 'moving_variance'),
  })),
  Activation: (a, _ctx, base) => tfl.layers.activation({ ...base, activation: activation(a.activation) as 'relu' }),
  LeakyReLU: (a, _ctx, base) => tfl.layers.leakyReLU({ ...base, alpha: a.negative_slope as number }),
  Reshape: (a, _ctx, base) => tfl.layers.reshape({ ...base, targetShape: a.target_shape as number[] }),
  Conv2D: (a, ctx, base) => tfl.layers.conv2d({
    ...base, filters: a.filters as number, kernelSize: pair(a.kernel_size) as [number, number],
    strides: pair(a.strides), padding: a.padding as 'valid', dilationRate: pair(a.dilation_rate), ...weighted(a, ctx),
  }),
  MaxPooling2D: (a, _ctx, base) => tfl.layers.maxPooling2d({ ...base, poolSize: pair(a.pool_size), strides: pair(a.strides), padding: a.padding as 'valid' }),
  AveragePooling2D: (a, _ctx, base) => tfl.layers.averagePooling2d({ ...base, poolSize: pair(a.pool_size), strides: pair(a.strides), padding: a.padding as 'valid' }),
  GlobalAveragePooling2D: (_a, _ctx, base) => tfl.layers.globalAveragePooling2d(base),
};

/**
 * The spec's model, uncompiled. Layer names are the Keras names of the spec; weights are drawn
 * with the Keras initializers, seeded from the spec seed so a seeded spec always starts alike,
 * or come from the spec's `initial_weights` file.
 */
export function buildModel(spec: ResolvedSpec): tfl.Sequential {
  const model = tfl.sequential({ name: spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'sequential' });
  spec.layers.forEach((layer, index) => {
    const build = LAYER_BUILDERS[layer.type];
    if (!build) throw new Error(`Layer type ${layer.type} cannot be built with TensorFlow.js yet.`);
    const base: Base = { name: layer.name, trainable: layer.args.trainable !== false };
    if (index === 0) base.inputShape = layer.inputShape.slice(1) as number[];
    model.add(build(layer.args, { seed: spec.seed, layer, index }, base));
  });
  // `initial_weights` (read by prepareInitialWeights) replaces what the initializers drew.
  applyInitialWeights(model, spec);
  return model;
}
