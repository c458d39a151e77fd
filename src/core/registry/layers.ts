import type { Field, InferResult, Json, LayerEntry, ParamCount, Shape } from './types';
import { toSnakeCase } from './names';

/** Arguments every layer accepts. */
export const COMMON_LAYER_FIELDS: readonly Field[] = [
  { name: 'type', type: { kind: 'string' }, required: true, doc: 'The Keras layer class, e.g. `Dense`.' },
  { name: 'name', type: { kind: 'string', minLength: 1 }, doc: 'Layer name; by default Keras names it after its type: `dense`, `dense_1`, ...' },
  { name: 'input_shape', type: { kind: 'shape' }, doc: 'Shape of one input example, without the batch dimension (first layer only), e.g. `[28, 28]`.' },
  { name: 'trainable', type: { kind: 'bool' }, default: true, doc: 'Whether the layer\'s weights are updated by training.' },
];

/** `12345` -> `12,345`, as Keras prints parameter counts. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Keras prints shapes as tuples: `(None, 28, 28, 1)`. */
export function formatShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

const NO_PARAMS: ParamCount = { trainable: 0, nonTrainable: 0 };
const ok = (shape: Shape, params: ParamCount = NO_PARAMS): InferResult => ({ ok: true, shape, params });
const fail = (message: string, arg?: string): InferResult => ({ ok: false, message, arg });

/** `3` or `[3, 3]` -> `[3, 3]`. Validation has checked the form already. */
function pair(v: Json | undefined, fallback: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return [fallback, fallback];
}

const num = (v: Json | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);
const bool = (v: Json | undefined, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

/** Requires a rank-4 (batch, height, width, channels) input, as Keras's 2-D layers do. */
function needImage(layer: string, input: Shape): string | undefined {
  if (input.length !== 4) {
    return `${layer} expects a 4-D input (batch, height, width, channels), but its input is ${formatShape(input)}. ` +
      (input.length === 2
        ? 'Put it before Flatten, or add `{ "type": "Reshape", "target_shape": [h, w, 1] }` first.'
        : input.length === 3
          ? `Add a channels dimension, e.g. \`"input_shape": [${input.slice(1).join(', ')}, 1]\` or a Reshape layer.`
          : 'Reshape the data to (height, width, channels).');
  }
  return undefined;
}

/** Output length of one spatial dimension, as Keras's `compute_conv_output_shape`. */
function convLength(size: number | null, kernel: number, stride: number, padding: string, dilation = 1): number | null {
  if (size === null) return null;
  if (padding === 'same') return Math.floor((size + stride - 1) / stride);
  const effective = (kernel - 1) * dilation + 1;
  return Math.floor((size - effective) / stride) + 1;
}

const activation = (dflt: string | null, doc = 'Activation function applied to the output (default: linear).'): Field =>
  ({ name: 'activation', type: { kind: 'ref', ref: 'activation' }, default: dflt, doc });
const kernelInit: Field = { name: 'kernel_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'glorot_uniform', doc: 'Initializer for the kernel weights (Keras default glorot_uniform).' };
const biasInit: Field = { name: 'bias_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'zeros', doc: 'Initializer for the bias (Keras default zeros).' };
const useBias: Field = { name: 'use_bias', type: { kind: 'bool' }, default: true, doc: 'Whether the layer adds a bias vector.' };
const reg = (name: string, what: string): Field => ({ name, type: { kind: 'ref', ref: 'regularizer' }, default: null, doc: `Regularizer for ${what} (null: none).` });
/** Arguments of layers with a kernel and a bias (Dense, Conv2D). */
const WEIGHTED_ARGS: readonly Field[] = [
  activation('linear'), useBias, kernelInit, biasInit,
  reg('kernel_regularizer', 'the kernel'), reg('bias_regularizer', 'the bias'), reg('activity_regularizer', 'the output'),
];
const padding: Field = { name: 'padding', type: { kind: 'enum', values: ['valid', 'same'], docs: ['No padding: the output shrinks.', 'Zero-pad so the output size is ceil(input / strides).'] }, default: 'valid', doc: '`valid` (no padding) or `same` (pad to keep size / strides).' };
const rate: Field = { name: 'rate', type: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, required: true, doc: 'Fraction of the inputs to drop, in [0, 1).' };
const seed: Field = { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed of the dropout mask.' };

function pooling(name: string, doc: string): LayerEntry {
  return {
    name, doc, defaultName: toSnakeCase(name), inSummary: true, fusedKernel: {},
    args: [
      { name: 'pool_size', type: { kind: 'intOrTuple', length: 2, min: 1 }, default: 2, doc: 'Window size: an integer or [height, width].' },
      { name: 'strides', type: { kind: 'intOrTuple', length: 2, min: 1 }, default: null, doc: 'Step of the window (default: pool_size).' },
      padding,
    ],
    infer(input, args) {
      const bad = needImage(name, input);
      if (bad) return fail(bad);
      const [ph, pw] = pair(args.pool_size, 2);
      const [sh, sw] = args.strides === null || args.strides === undefined ? [ph, pw] : pair(args.strides, 1);
      const pad = String(args.padding ?? 'valid');
      const h = convLength(input[1], ph, sh, pad);
      const w = convLength(input[2], pw, sw, pad);
      if ((h !== null && h < 1) || (w !== null && w < 1)) {
        return fail(`${name} with pool_size ${ph}x${pw} does not fit its ${input[1]}x${input[2]} input: the output would be empty. Use a smaller pool_size or "padding": "same".`, 'pool_size');
      }
      return ok([null, h, w, input[3]]);
    },
  };
}

/** Every layer type a v1 spec can use. Adding a layer is one entry here. */
export const LAYERS: readonly LayerEntry[] = [
  {
    name: 'Input', doc: 'Declares the shape of one input example (no weights). Not listed in the summary, as in Keras.',
    defaultName: 'input_layer', inSummary: false, shapeArg: 'shape', fusedKernel: {},
    args: [{ name: 'shape', type: { kind: 'shape' }, required: true, doc: 'Shape of one example without the batch dimension, e.g. `[28, 28]`.' }],
    infer: (input) => ok(input),
  },
  {
    name: 'Flatten', doc: 'Flattens each example into one dimension: (None, 28, 28) -> (None, 784). No weights.',
    defaultName: 'flatten', inSummary: true, passThrough: true, fusedKernel: {}, args: [],
    infer(input) {
      if (input.length < 2) return fail('Flatten needs an input with at least one dimension besides the batch.');
      const rest = input.slice(1);
      const size = rest.every((d) => d !== null) ? (rest as number[]).reduce((a, b) => a * b, 1) : null;
      return ok([null, size]);
    },
  },
  {
    name: 'Dense', doc: 'Fully connected layer: output = activation(input · kernel + bias).',
    defaultName: 'dense', inSummary: true, fusedKernel: {}, activationArg: 'activation', kernelInitializerArg: 'kernel_initializer', unitsArg: 'units',
    args: [
      { name: 'units', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of output units (neurons).' },
      ...WEIGHTED_ARGS,
    ],
    infer(input, args) {
      const units = num(args.units, 1);
      const inDim = input[input.length - 1];
      if (input.length < 2) return fail('Dense needs an input with at least one dimension besides the batch.');
      if (inDim === null) return fail('Dense needs the size of its input\'s last dimension to be known.');
      const bias = bool(args.use_bias, true) ? units : 0;
      const total = inDim * units + bias;
      const formula = bias
        ? `${formatCount(inDim)} × ${formatCount(units)} + ${formatCount(units)} = ${formatCount(total)}`
        : `${formatCount(inDim)} × ${formatCount(units)} = ${formatCount(total)}`;
      return ok([...input.slice(0, -1), units], { trainable: total, nonTrainable: 0, formula });
    },
  },
  {
    name: 'Dropout', doc: 'Randomly sets a fraction `rate` of inputs to 0 during training (scaling the rest by 1 / (1 - rate)).',
    defaultName: 'dropout', inSummary: true, passThrough: true, fusedKernel: {}, args: [rate, seed], infer: (input) => ok(input),
  },
  {
    name: 'AlphaDropout', doc: 'Dropout that keeps the self-normalizing property of selu networks.',
    defaultName: 'alpha_dropout', inSummary: true, passThrough: true, fusedKernel: {}, args: [rate, seed], infer: (input) => ok(input),
  },
  {
    name: 'BatchNormalization', doc: 'Normalizes activations per feature with batch statistics; keeps moving mean and variance (non-trainable).',
    defaultName: 'batch_normalization', inSummary: true, fusedKernel: {},
    args: [
      { name: 'axis', type: { kind: 'int' }, default: -1, doc: 'The feature axis (default -1, the last).' },
      { name: 'momentum', type: { kind: 'number', min: 0, max: 1 }, default: 0.99, doc: 'Momentum of the moving averages.' },
      { name: 'epsilon', type: { kind: 'number', min: 0, exclusiveMin: true }, default: 0.001, doc: 'Added to the variance to avoid dividing by zero.' },
      { name: 'center', type: { kind: 'bool' }, default: true, doc: 'Learn an offset beta.' },
      { name: 'scale', type: { kind: 'bool' }, default: true, doc: 'Learn a scale gamma.' },
      { name: 'beta_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'zeros', doc: 'Initializer for beta.' },
      { name: 'gamma_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'ones', doc: 'Initializer for gamma.' },
      { name: 'moving_mean_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'zeros', doc: 'Initializer for the moving mean.' },
      { name: 'moving_variance_initializer', type: { kind: 'ref', ref: 'initializer' }, default: 'ones', doc: 'Initializer for the moving variance.' },
    ],
    infer(input, args) {
      const axis = num(args.axis, -1);
      const index = axis < 0 ? input.length + axis : axis;
      if (index < 1 || index >= input.length) {
        return fail(`BatchNormalization axis ${axis} is out of range for its input ${formatShape(input)}; use -1 (the last axis) or an axis from 1 to ${input.length - 1}.`, 'axis');
      }
      const features = input[index];
      if (features === null) return fail('BatchNormalization needs the size of its feature axis to be known.', 'axis');
      const trainable = features * ((bool(args.center, true) ? 1 : 0) + (bool(args.scale, true) ? 1 : 0));
      const nonTrainable = 2 * features;
      return ok(input, {
        trainable, nonTrainable,
        formula: `${formatCount(features)} features × (${trainable / features} trainable + 2 moving statistics) = ${formatCount(trainable + nonTrainable)}`,
      });
    },
  },
  {
    name: 'Activation', doc: 'Applies an activation function to its input.',
    defaultName: 'activation', inSummary: true, fusedKernel: {}, activationArg: 'activation',
    args: [{ ...activation(null, 'The activation function to apply.'), required: true, default: undefined }],
    infer: (input) => ok(input),
  },
  {
    name: 'LeakyReLU', doc: 'Leaky ReLU: x if x > 0 else negative_slope * x.',
    defaultName: 'leaky_re_lu', inSummary: true, fusedKernel: { activationCode: 7, commutesWithDropout: true },
    args: [{ name: 'negative_slope', type: { kind: 'number', min: 0 }, default: 0.3, doc: 'Slope for x < 0 (Keras 2 called it `alpha`).', deprecatedAlias: 'alpha' }],
    infer: (input) => ok(input),
  },
  {
    name: 'Reshape', doc: 'Reshapes each example to `target_shape` (one dimension may be -1 to infer it).',
    defaultName: 'reshape', inSummary: true, passThrough: true, fusedKernel: {},
    args: [{ name: 'target_shape', type: { kind: 'shape', inferOne: true }, required: true, doc: 'Shape of one example after reshaping, e.g. `[28, 28, 1]`; one entry may be -1.' }],
    infer(input, args) {
      const target = Array.isArray(args.target_shape) ? (args.target_shape as number[]) : [];
      const rest = input.slice(1);
      if (rest.some((d) => d === null)) return ok([null, ...target.map((d) => (d === -1 ? null : d))]);
      const size = (rest as number[]).reduce((a, b) => a * b, 1);
      const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const free = target.indexOf(-1);
      if (free >= 0) {
        if (known === 0 || size % known !== 0) {
          return fail(`Reshape cannot fit ${formatCount(size)} values into ${JSON.stringify(target)}: ${formatCount(size)} is not divisible by ${formatCount(known)}.`, 'target_shape');
        }
        const out = target.slice();
        out[free] = size / known;
        return ok([null, ...out]);
      }
      if (known !== size) {
        return fail(`Reshape cannot turn ${formatShape(input)} (${formatCount(size)} values per example) into ${JSON.stringify(target)} (${formatCount(known)} values); the sizes must match.`, 'target_shape');
      }
      return ok([null, ...target]);
    },
  },
  {
    name: 'Conv2D', doc: '2-D convolution over images (channels last): `filters` kernels of size `kernel_size`.',
    defaultName: 'conv2d', inSummary: true, fusedKernel: {}, activationArg: 'activation', kernelInitializerArg: 'kernel_initializer', unitsArg: 'filters',
    args: [
      { name: 'filters', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of output channels (kernels).' },
      { name: 'kernel_size', type: { kind: 'intOrTuple', length: 2, min: 1 }, required: true, doc: 'Kernel height and width: an integer or [height, width].' },
      { name: 'strides', type: { kind: 'intOrTuple', length: 2, min: 1 }, default: 1, doc: 'Step of the convolution.' },
      padding,
      { name: 'dilation_rate', type: { kind: 'intOrTuple', length: 2, min: 1 }, default: 1, doc: 'Dilation of the kernel.' },
      ...WEIGHTED_ARGS,
    ],
    infer(input, args) {
      const bad = needImage('Conv2D', input);
      if (bad) return fail(bad);
      const filters = num(args.filters, 1);
      const [kh, kw] = pair(args.kernel_size, 1);
      const [sh, sw] = pair(args.strides, 1);
      const [dh, dw] = pair(args.dilation_rate, 1);
      if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
        return fail('Conv2D cannot use strides > 1 together with dilation_rate > 1 (Keras rejects it). Set one of them to 1.', 'dilation_rate');
      }
      const pad = String(args.padding ?? 'valid');
      const h = convLength(input[1], kh, sh, pad, dh);
      const w = convLength(input[2], kw, sw, pad, dw);
      if ((h !== null && h < 1) || (w !== null && w < 1)) {
        return fail(`Conv2D kernel ${kh}x${kw} does not fit its ${input[1]}x${input[2]} input: the output would be empty. Use a smaller kernel_size or "padding": "same".`, 'kernel_size');
      }
      const channels = input[3];
      if (channels === null) return fail('Conv2D needs the number of input channels to be known.');
      const bias = bool(args.use_bias, true) ? filters : 0;
      const total = kh * kw * channels * filters + bias;
      const formula = `${kh} × ${kw} × ${formatCount(channels)} × ${formatCount(filters)}${bias ? ` + ${formatCount(filters)}` : ''} = ${formatCount(total)}`;
      return ok([null, h, w, filters], { trainable: total, nonTrainable: 0, formula });
    },
  },
  pooling('MaxPooling2D', 'Max pooling over 2-D windows (channels last).'),
  pooling('AveragePooling2D', 'Average pooling over 2-D windows (channels last).'),
  {
    name: 'GlobalAveragePooling2D', doc: 'Averages each channel over height and width: (None, h, w, c) -> (None, c).',
    defaultName: 'global_average_pooling2d', inSummary: true, fusedKernel: {}, args: [],
    infer(input) {
      const bad = needImage('GlobalAveragePooling2D', input);
      return bad ? fail(bad) : ok([null, input[3]]);
    },
  },
];
