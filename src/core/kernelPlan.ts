/**
 * What the fused WebAssembly kernel (src/kernel/dense.c) can train, from the registry's
 * `fusedKernel` codes: the plan the trainer hands the kernel, or the reason it cannot train a
 * spec. Pure, so validation can say before training that a spec needing the kernel (AdamW, Nadam)
 * does not fit it; the trainer (trainer/engines/denseKernel.ts) runs the plan.
 */
import type { ResolvedRef, ResolvedSpec } from './resolve';
import { ACTIVATIONS as REGISTRY_ACTIVATIONS, LAYERS, LOSSES as REGISTRY_LOSSES, METRICS as REGISTRY_METRICS, OPTIMIZERS as REGISTRY_OPTIMIZERS, lookupLayer, lookupOptimizer } from './registry';
import type { Json } from './registry';
import { METRIC_MATH } from './metricMath';
import { activityReplaced, addFrontOp, frontOutputSize, NORM, normAxis, normOf, type FrontContext, type FrontOp, type KernelNorm } from './kernelFront';

export type { FrontOp, KernelNorm } from './kernelFront';

/** Name -> dense.c code of the registry entries the kernel trains, in code order. */
function kernelCodes(entries: readonly { name: string; fusedKernel?: { code: number } }[]): Record<string, number> {
  const coded = entries.flatMap((e) => (e.fusedKernel ? [[e.name, e.fusedKernel.code] as const] : []));
  return Object.fromEntries(coded.sort((a, b) => a[1] - b[1]));
}

/** A registry code the kernel cannot do without (a test checks the registry has each). */
function required(code: number | undefined, what: string): number {
  if (code === undefined) throw new Error(`the registry has no fused-kernel code for ${what}`);
  return code;
}

// Codes shared with dense.c, from the registry (a test compares them with dense.c's enums).
const ACTIVATIONS = kernelCodes(REGISTRY_ACTIVATIONS);
const LEAKY_RELU = required(lookupLayer('LeakyReLU')?.fusedKernel?.activationCode, 'LeakyReLU');
const LOSSES = kernelCodes(REGISTRY_LOSSES);
const OPTIMIZERS = kernelCodes(REGISTRY_OPTIMIZERS);
// The kernel's accuracy variants (of the one `accuracy` metric it computes), as in dense.c.
const ACC = { none: 0, sparse: 1, categorical: 2, binary: 3 };
const OPT = {
  sgd: required(OPTIMIZERS.SGD, 'SGD'),
  momentum: required(lookupOptimizer('SGD')?.fusedKernel?.momentumCode, 'SGD with momentum'),
  adam: required(OPTIMIZERS.Adam, 'Adam'),
  rmsprop: required(OPTIMIZERS.RMSprop, 'RMSprop'),
  adamax: required(OPTIMIZERS.Adamax, 'Adamax'),
  adagrad: required(OPTIMIZERS.Adagrad, 'Adagrad'),
  adadelta: required(OPTIMIZERS.Adadelta, 'Adadelta'),
  rmspropCentered: required(lookupOptimizer('RMSprop')?.fusedKernel?.centeredCode, 'centered RMSprop'),
  adamw: required(OPTIMIZERS.AdamW, 'AdamW'),
  nadam: required(OPTIMIZERS.Nadam, 'Nadam'),
};
/** What the "supported: ..." reasons list. */
const KERNEL_LAYERS = LAYERS.filter((l) => l.fusedKernel).map((l) => l.name);
const KERNEL_ACTIVATIONS = [...Object.keys(ACTIVATIONS), ...LAYERS.filter((l) => l.fusedKernel?.activationCode !== undefined).map((l) => l.name)];
const KERNEL_METRICS = REGISTRY_METRICS.filter((m) => m.fusedKernel).map((m) => m.name);

/** What the kernel trains: a convolutional front, a stack of Dense layers, the loss, metric and optimizer codes. */
export interface KernelPlan {
  /**
   * The ops before the Dense stack (front.c): the layers before the first Dense layer the stack
   * can hold from there on, Dense layers among them as 1x1 convolutions; empty for a Dense stack on flat inputs.
   */
  front: FrontOp[];
  /** Layer widths, input first. */
  dims: number[];
  activations: number[];
  /** Negative slope per Dense layer (LeakyReLU only). */
  alphas: number[];
  biases: boolean[];
  /** Dense layers with `trainable: false`: never updated, no optimizer slots. */
  frozen: boolean[];
  /** Per Dense layer: the kernel regularizer's [l1, l2] factors, then the bias regularizer's. */
  regularizers: [number, number, number, number][];
  /** Per Dense layer: the activity regularizer's [l1, l2] factors on its output ([0, 0]: none). */
  activity: [number, number][];
  /** Per Dense layer: the rate of a Dropout or AlphaDropout layer after it (0: none), and the seed of its masks. */
  dropout: { rate: number; seed: number; alpha?: boolean }[];
  /** Per Dense layer: the BatchNormalization after it, or null. */
  norms: (KernelNorm | null)[];
  loss: number;
  /** The loss takes logits: softmax / sigmoid inside the loss, on the output layer's output. */
  fromLogits: boolean;
  accuracy: number;
  /** Label floats per example (1 for class ids). */
  labelWidth: number;
  /** p1/p2: betas, rho, or Adagrad's initial accumulator value (see k_set_optimizer); weightDecay: AdamW's. */
  optimizer: { kind: number; momentum: number; nesterov: boolean; p1: number; p2: number; epsilon: number; weightDecay?: number };
}

/** The layers' part of a plan (the front, then the Dense stack), built layer by layer. */
type StackPlan = Pick<KernelPlan, 'front' | 'dims' | 'activations' | 'alphas' | 'biases' | 'frozen' | 'regularizers' | 'activity' | 'dropout' | 'norms'>;
type SpecLayer = ResolvedSpec['layers'][number];

/** What in a spec trains only on the fused engine, where it is, why, and what to use instead. */
export interface KernelOnly {
  /** e.g. `AdamW`, or `The activity regularizer of layer "dense"`. */
  name: string;
  path: (string | number)[];
  why: string;
  instead: string;
}

/**
 * What in `spec` trains only on the fused engine, or undefined: an optimizer TensorFlow.js lacks
 * (AdamW, Nadam), or an activity regularizer (TensorFlow.js refuses to build a layer with one:
 * "Layer invocation in the presence of activity regularizer(s) is not supported yet").
 */
export function kernelOnly(spec: ResolvedSpec): KernelOnly | undefined {
  const optimizer = spec.compile.optimizer.type;
  if (!lookupOptimizer(optimizer)?.tfjs) {
    const instead = optimizer === 'AdamW' ? 'use "Adam" (with "kernel_regularizer": { "type": "l2", "l2": 0.0001 } on the Dense layers for a weight penalty)' : 'use "Adam"';
    return { name: optimizer, path: ['compile', 'optimizer'], why: `TensorFlow.js has no ${optimizer}`, instead };
  }
  const index = spec.layers.findIndex((l) => l.args.activity_regularizer);
  if (index >= 0) {
    return {
      name: `The activity regularizer of layer "${spec.layers[index].name}"`, path: ['layers', index, 'activity_regularizer'],
      why: 'TensorFlow.js refuses activity regularizers', instead: 'remove it (a "kernel_regularizer" penalizes the weights instead)',
    };
  }
  const norm = spec.layers.findIndex((l) => l.type === 'BatchNormalization' && normAxis(l) !== l.inputShape.length - 1);
  if (norm < 0) return undefined;
  return {
    name: `The BatchNormalization of layer "${spec.layers[norm].name}" on axis ${String(spec.layers[norm].args.axis)}`, path: ['layers', norm, 'axis'],
    why: "TensorFlow.js's training step cannot broadcast a BatchNormalization on any axis but the last", instead: 'remove "axis" to normalize the channels',
  };
}

/** Why the kernel cannot train a spec, and where: a layer it cannot place, or a metric (indices in the spec). */
export interface KernelRefusal {
  reason: string;
  layer?: number;
  metric?: number;
}

/**
 * The plan for `spec`, or why the kernel cannot train it (said to the user as the engine reason),
 * with the index in `spec.layers` of the layer it cannot place, or of the metric, when it is one.
 * `dropoutSeed(index)` seeds the masks of the Dropout layer at `spec.layers[index]` (the trainer
 * derives it from the spec seed; validation needs no seed).
 */
export function kernelPlan(spec: ResolvedSpec, dropoutSeed: (index: number) => number = () => 0): { plan: KernelPlan } | KernelRefusal {
  const ctx: FrontContext = {
    activation: (name) => ACTIVATIONS[String(name)], leakyRelu: LEAKY_RELU, dropoutSeed,
    penalties: (l) => [...penaltyFactors(l.args.kernel_regularizer), ...penaltyFactors(l.args.bias_regularizer)],
    activity: (l) => penaltyFactors(l.args.activity_regularizer),
  };
  // The Dense stack starts at the first Dense layer where it can; what comes before is the front.
  // Where none can (or there is none), the front holds every layer and the loss reads its output.
  // When that cannot either, the reason is that of the placement that got furthest.
  const starts = [...spec.layers.flatMap((l, i) => (l.type === 'Dense' ? [i] : [])), spec.layers.length];
  let furthest: { reason: string; layer: number } | undefined;
  for (const start of starts) {
    const stack = planStack(spec, start, ctx);
    const planned = 'reason' in stack ? stack : finishPlan(spec, stack);
    if ('plan' in planned) return planned;
    // The loss, a metric or the optimizer: no placement changes that.
    if (planned.layer === undefined) return planned;
    if (!furthest || planned.layer > furthest.layer) furthest = { reason: planned.reason, layer: planned.layer };
    if (planned.layer < start) break;  // the front cannot hold it either
  }
  return furthest as { reason: string; layer: number };
}

/** The front of layers [0, start) and the Dense stack of the rest, or why the kernel cannot train a layer there. */
function planStack(spec: ResolvedSpec, start: number, ctx: FrontContext): StackPlan | { reason: string; layer: number } {
  const stack: StackPlan = { front: [], dims: [], activations: [], alphas: [], biases: [], frozen: [], regularizers: [], activity: [], dropout: [], norms: [] };
  for (const [index, layer] of spec.layers.entries()) {
    const reason = index < start ? addFrontOp(stack.front, layer, index, ctx) : planLayer(stack, layer, () => ctx.dropoutSeed(index));
    if (reason) return { reason, layer: index };
  }
  return stack;
}

/** The plan of a placed stack: the loss, metric and optimizer codes, or why the kernel has none. */
function finishPlan(spec: ResolvedSpec, stack: StackPlan): { plan: KernelPlan } | KernelRefusal {
  const { dims, activations, dropout, norms } = stack;
  const out = activations[activations.length - 1] ?? ACTIVATIONS.linear;
  // Without a Dense stack the loss reads the front's last op, a linear layer to it.
  if (!dims.length) {
    const last = spec.layers[spec.layers.length - 1];
    if (!stack.front.length || last.outputShape.length !== 2) return { reason: `a model without a Dense layer whose output has ${last.outputShape.length - 1} dimensions`, layer: spec.layers.length - 1 };
    dims.push(frontOutputSize(stack.front));
  }
  // A Dropout or BatchNormalization after the output layer: the loss reads what they make.
  const after = (dropout[dropout.length - 1]?.rate ?? 0) > 0 || (norms[norms.length - 1]?.position ?? NORM.before) !== NORM.before;
  const lossType = spec.compile.loss.type;
  const loss = LOSSES[lossType];
  if (loss === undefined) return { reason: `loss ${lossType} (supported: ${Object.keys(LOSSES).join(', ')})` };
  const fromLogits = spec.compile.loss.from_logits === true;
  if (fromLogits && loss === LOSSES.mean_squared_error) return { reason: 'mean_squared_error with from_logits' };
  if (regularized(stack.activity[dims.length - 2]) && !after && fusedOutput(loss, out, fromLogits)) {
    return { reason: `an activity regularizer on the ${spec.compile.loss.type} output layer (the kernel fuses its activation into the loss)`, layer: spec.layers.length - 1 };
  }
  const other = spec.compile.metrics.find((m) => !KERNEL_METRICS.includes(m.type));
  if (other) return { reason: `metric ${other.name} (supported: ${KERNEL_METRICS.join(', ')})` };
  const misfit = spec.compile.metrics.findIndex((m) => METRIC_MATH[m.type] && (METRIC_MATH[m.type].labels === 'sparse') !== (loss === 0));
  if (misfit >= 0) return { reason: `metric ${spec.compile.metrics[misfit].name} with the labels of ${lossType}`, metric: misfit };
  const units = dims[dims.length - 1];
  // TensorFlow.js's choice of accuracy for "accuracy" (training.js): binary for one output or BCE.
  const accuracy = !spec.compile.metrics.length ? ACC.none : units === 1 || loss === 2 ? ACC.binary : loss === 0 ? ACC.sparse : ACC.categorical;
  const optimizer = kernelOptimizer(spec.compile.optimizer);
  if ('reason' in optimizer) return optimizer;
  return { plan: { ...stack, loss, fromLogits, accuracy, labelWidth: loss === 0 ? 1 : units, optimizer } };
}

/**
 * Whether the kernel fuses the output layer's activation into the loss (dense.c's fused_output:
 * softmax with a cross-entropy, sigmoid with binary cross-entropy, nothing after them but a
 * BatchNormalization before), so it never has dL/da.
 */
function fusedOutput(loss: number, out: number, fromLogits: boolean): boolean {
  if (fromLogits || loss > LOSSES.binary_crossentropy) return false;
  return loss === LOSSES.binary_crossentropy ? out === ACTIVATIONS.sigmoid : out === ACTIVATIONS.softmax;
}

/** Adds one spec layer to the stack, or says why the kernel cannot train it there. */
function planLayer(stack: StackPlan, layer: SpecLayer, seed: () => number): string | undefined {
  const last = stack.dims.length - 2;
  switch (layer.type) {
    case 'Input':
      return undefined;
    case 'Flatten':
    case 'Reshape':
      // A flat output is the identity on what the Dense stack holds (Flatten of a flat input, as Keras allows).
      return stack.dims.length && layer.outputShape.length !== 2 ? `${layer.type} after a Dense layer (${layer.name})` : undefined;
    case 'Dense':
      return planDense(stack, layer);
    case 'Dropout':
    case 'AlphaDropout':
      if (stack.norms[last]?.position === NORM.last) return `${layer.type} layer ${layer.name} after a Dropout and a BatchNormalization`;
      return planDropout(stack.dropout[last], layer, seed);
    case 'BatchNormalization':
      return planNorm(stack, layer, last);
    case 'Activation':
    case 'LeakyReLU':
      return planActivation(stack, layer, last);
    default:
      // The front's layers (Conv2D, pooling) come before the Dense stack, not inside it.
      if (KERNEL_LAYERS.includes(layer.type)) return `${layer.type} after a Dense layer (${layer.name})`;
      return `layer type ${layer.type} (supported: ${KERNEL_LAYERS.join(', ')})`;
  }
}

/**
 * A Dropout or AlphaDropout after Dense layer `last` (its `slot`). Two Dropouts in a row are one
 * of rate 1 - (1 - a)(1 - b): the product of their masks keeps a unit with that probability, and
 * their scales multiply to 1 / (1 - rate).
 */
function planDropout(slot: StackPlan['dropout'][number] | undefined, layer: SpecLayer, seed: () => number): string | undefined {
  const rate = layer.args.rate as number;
  const alpha = layer.type === 'AlphaDropout';
  if (!slot) return `${layer.type} layer ${layer.name}, which does not follow a Dense layer`;
  // A rate of 0 drops nothing (Keras and TensorFlow.js pass the input through).
  if (!(rate > 0)) return undefined;
  if (slot.rate > 0 && (alpha || slot.alpha)) return `AlphaDropout and another dropout layer in a row (${layer.name})`;
  const kept = (1 - slot.rate) * (1 - rate);
  Object.assign(slot, { rate: 1 - kept, seed: slot.rate > 0 ? slot.seed : seed() }, alpha ? { alpha: true } : {});
  return undefined;
}

function planDense(stack: StackPlan, layer: SpecLayer): string | undefined {
  const a = layer.args;
  if (layer.inputShape.length !== 2) return `an output Dense layer (${layer.name}) on a ${layer.inputShape.length - 1}-D input (add Flatten before it)`;
  const act = ACTIVATIONS[String(a.activation ?? 'linear')];
  if (act === undefined) return `activation ${String(a.activation)} (supported: ${KERNEL_ACTIVATIONS.join(', ')})`;
  if (!stack.dims.length) stack.dims.push(layer.inputShape[1] as number);
  stack.dims.push(a.units as number);
  stack.activations.push(act);
  stack.alphas.push(0);
  stack.biases.push(a.use_bias !== false);
  stack.frozen.push(a.trainable === false);
  stack.regularizers.push([...penaltyFactors(a.kernel_regularizer), ...penaltyFactors(a.bias_regularizer)]);
  stack.activity.push(penaltyFactors(a.activity_regularizer));
  stack.dropout.push({ rate: 0, seed: 0 });
  stack.norms.push(null);
  return undefined;
}

/**
 * A BatchNormalization right after Dense layer `last` (or its folded activation): before the
 * activation while the Dense layer is linear (an Activation layer may follow), else after it;
 * after the Dropout that follows it, when one does.
 */
function planNorm(stack: StackPlan, layer: SpecLayer, last: number): string | undefined {
  const a = layer.args;
  if (last < 0 || stack.norms[last]) return `BatchNormalization layer ${layer.name}, which does not follow a Dense layer`;
  const axis = a.axis as number;
  if (layer.inputShape.length !== 2 || (axis !== -1 && axis !== 1)) return `BatchNormalization layer ${layer.name} normalizes axis ${axis} of a ${layer.inputShape.length - 1}-D input`;
  const norm = normOf(layer, stack.activations[last] === ACTIVATIONS.linear);
  if (norm.position === NORM.before && regularized(stack.activity[last])) return activityReplaced(layer);
  stack.norms[last] = stack.dropout[last].rate > 0 ? { ...norm, position: NORM.last } : norm;
  return undefined;
}

/**
 * An Activation or LeakyReLU folded into the linear Dense layer before it (across a
 * BatchNormalization, or across a Dropout when it commutes with the mask: relu(m * x) is
 * m * relu(x) for the mask's m >= 0, bit for bit).
 */
function planActivation(stack: StackPlan, layer: SpecLayer, last: number): string | undefined {
  const norm = stack.norms[last];
  const dropout = stack.dropout[last];
  const acrossDropout = dropout?.rate > 0 && !dropout.alpha && !norm && commutesWithDropout(layer);
  if (last < 0 || stack.activations[last] !== ACTIVATIONS.linear || (dropout.rate > 0 && !acrossDropout) || (norm && norm.position !== NORM.before)) {
    return `${layer.type} layer ${layer.name}, which does not follow a linear Dense layer`;
  }
  if (regularized(stack.activity[last])) return activityReplaced(layer);
  if (layer.type === 'LeakyReLU') {
    stack.activations[last] = LEAKY_RELU;
    stack.alphas[last] = layer.args.negative_slope as number;
    return undefined;
  }
  const act = ACTIVATIONS[String(layer.args.activation)];
  if (act === undefined) return `activation ${String(layer.args.activation)} (supported: ${KERNEL_ACTIVATIONS.join(', ')})`;
  stack.activations[last] = act;
  return undefined;
}

/** Whether an Activation or LeakyReLU layer commutes with a Dropout's mask (the registry's flag). */
function commutesWithDropout(layer: SpecLayer): boolean {
  if (layer.type !== 'Activation') return !!lookupLayer(layer.type)?.fusedKernel?.commutesWithDropout;
  return !!REGISTRY_ACTIVATIONS.find((a) => a.name === String(layer.args.activation))?.commutesWithDropout;
}

const regularized = (f: [number, number] | undefined): boolean => !!f && (f[0] !== 0 || f[1] !== 0);

/** A resolved l1 / l2 / l1_l2 regularizer's [l1, l2] factors ([0, 0] without one). */
function penaltyFactors(ref: Json | undefined): [number, number] {
  if (!ref || typeof ref !== 'object' || Array.isArray(ref)) return [0, 0];
  const r = ref as ResolvedRef;
  return [r.type === 'l2' ? 0 : (r.l1 as number), r.type === 'l1' ? 0 : (r.l2 as number)];
}

/** The kernel's optimizer code and parameters for the spec's optimizer, or why it has none. */
function kernelOptimizer(o: ResolvedSpec['compile']['optimizer']): KernelPlan['optimizer'] | { reason: string } {
  const n = (k: string): number => o[k] as number;
  const betas = (kind: number): KernelPlan['optimizer'] => ({ kind, momentum: 0, nesterov: false, p1: n('beta_1'), p2: n('beta_2'), epsilon: n('epsilon') });
  let optimizer: KernelPlan['optimizer'];
  switch (o.type) {
    case 'SGD':
      optimizer = { kind: n('momentum') > 0 ? OPT.momentum : OPT.sgd, momentum: n('momentum'), nesterov: o.nesterov === true, p1: 0, p2: 0, epsilon: 0 };
      break;
    case 'Adam':
      optimizer = betas(OPT.adam);
      break;
    case 'RMSprop':
      optimizer = { kind: o.centered === true ? OPT.rmspropCentered : OPT.rmsprop, momentum: n('momentum'), nesterov: false, p1: n('rho'), p2: 0, epsilon: n('epsilon') };
      break;
    case 'Adamax':
      optimizer = betas(OPT.adamax);
      break;
    case 'Adagrad':
      optimizer = { kind: OPT.adagrad, momentum: 0, nesterov: false, p1: n('initial_accumulator_value'), p2: 0, epsilon: n('epsilon') };
      break;
    case 'Adadelta':
      optimizer = { kind: OPT.adadelta, momentum: 0, nesterov: false, p1: n('rho'), p2: 0, epsilon: n('epsilon') };
      break;
    // Keras 3's AdamW and Nadam: the kernel is their only engine (TensorFlow.js has neither).
    case 'AdamW':
      optimizer = { ...betas(OPT.adamw), weightDecay: n('weight_decay') };
      break;
    case 'Nadam':
      optimizer = betas(OPT.nadam);
      break;
    default:
      return { reason: `optimizer ${o.type} (supported: ${Object.keys(OPTIMIZERS).join(', ')})` };
  }
  return optimizer;
}
