/**
 * The fixes a health diagnosis offers, as edits of the spec file (core/health/fixPaths.ts): the
 * notebook's cures — relu with he_normal (or glorot for sigmoid and tanh) instead of large
 * random weights, biases that start at zero, a smaller or larger learning rate, scaled inputs.
 */
import { lookupActivation, type Json } from '../registry';
import type { ResolvedLayer, ResolvedSpec } from '../resolve';
import { SpecPaths, type FixEdit, type LayerAssignment } from './fixPaths';
import type { HealthFix } from './types';

/** What the fixes need: the run's resolved spec and where its values are written. */
export interface FixContext {
  spec: ResolvedSpec;
  paths: SpecPaths;
}

/** He initialization's stddev for a fan-in: weights much larger than it blow up ReLU stacks and saturate sigmoids. */
const heStd = (fanIn: number): number => Math.sqrt(2 / Math.max(1, fanIn));

/** Initializer weights are "large" beyond this many times He's stddev. */
const LARGE_INIT = 3;

export const SATURATING = new Set(['sigmoid', 'tanh', 'hard_sigmoid', 'softsign']);

/** The layer's index in the run's layers, by its Keras name. */
export function layerIndex(spec: ResolvedSpec, name: string): number {
  return spec.layers.findIndex((l) => l.name === name);
}

/** The canonical name of a layer's initializer argument (`he_normal`), if it has one. */
export function initializerName(layer: ResolvedLayer, key: 'kernel_initializer' | 'bias_initializer'): string | undefined {
  const v = layer.args[key];
  return v && typeof v === 'object' && !Array.isArray(v) && typeof v.type === 'string' ? v.type : undefined;
}

/** The kernel's fan-in: the input's last dimension, times the kernel window for convolutions. */
function fanIn(layer: ResolvedLayer): number {
  const window = Array.isArray(layer.args.kernel_size) ? (layer.args.kernel_size as number[]).reduce((a, b) => a * b, 1)
    : typeof layer.args.kernel_size === 'number' ? layer.args.kernel_size ** (layer.inputShape.length - 2) : 1;
  return (layer.inputShape[layer.inputShape.length - 1] ?? 1) * window;
}

/** The stddev of a fixed-scale random initializer (random_normal, truncated_normal, random_uniform); undefined for the scaled ones. */
function fixedInitStd(layer: ResolvedLayer): number | undefined {
  const v = layer.args.kernel_initializer as Record<string, Json> | undefined;
  if (!v || typeof v !== 'object') return undefined;
  if (v.type === 'random_normal' || v.type === 'truncated_normal') return Number(v.stddev);
  if (v.type === 'random_uniform') return (Number(v.maxval) - Number(v.minval)) / Math.sqrt(12);
  return undefined;
}

/** `random_normal (stddev 1)`, when the layer's initializer draws weights far larger than He's (else undefined). */
export function largeInit(layer: ResolvedLayer): string | undefined {
  const std = fixedInitStd(layer);
  if (std === undefined || !(std > LARGE_INIT * heStd(fanIn(layer)))) return undefined;
  return `${initializerName(layer, 'kernel_initializer')} (stddev ${num(std)})`;
}

/** The bias initializer's value when biases start negative (constant -5, random_normal with mean -2). */
export function negativeBias(layer: ResolvedLayer): number | undefined {
  const v = layer.args.bias_initializer as Record<string, Json> | undefined;
  if (!v || typeof v !== 'object') return undefined;
  const start = v.type === 'constant' ? Number(v.value) : v.type === 'random_normal' || v.type === 'truncated_normal' ? Number(v.mean)
    : v.type === 'random_uniform' ? (Number(v.minval) + Number(v.maxval)) / 2 : 0;
  return start < 0 ? start : undefined;
}

/**
 * Where a weighted layer's activation is set: its own `activation`, or the Activation layer after
 * it (or after the BatchNormalization that follows it).
 */
function activationSource(spec: ResolvedSpec, index: number): number | undefined {
  const own = spec.layers[index];
  if (own.args.activation !== undefined && own.args.activation !== 'linear') return index;
  const skip = spec.layers[index + 1]?.type === 'BatchNormalization' ? 2 : 1;
  if (spec.layers[index + skip]?.type === 'Activation') return index + skip;
  return own.args.activation !== undefined ? index : undefined;
}

/** The activation that reaches a weighted layer's output (its own, or a following Activation layer's). */
export function activationOf(spec: ResolvedSpec, index: number): string {
  const at = activationSource(spec, index);
  return at === undefined ? 'linear' : String(spec.layers[at].args.activation);
}

export const familyOf = (activation: string): string | undefined => lookupActivation(activation)?.family;

/** `dense, dense_1 and dense_2`; long lists shortened. */
export function nameList(names: readonly string[]): string {
  if (names.length <= 3) return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names[0]} to ${names[names.length - 1]} (${names.length} layers)`;
}

/** A short number for messages: 3 significant digits, exponents for the very small and large. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(1).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}

/** A fraction as a percentage: `73%`, `0.4%`. */
export const pct = (x: number): string => `${Number((x * 100).toPrecision(x < 0.01 ? 1 : 2))}%`;

function fix(title: string, edits: FixEdit[]): HealthFix | null {
  return edits.length ? { title, edits } : null;
}

/**
 * The notebook's cure for saturating stacks: `activation` with `initializer` on the named hidden
 * layers; output layers with large random weights get glorot_uniform (their activation stays).
 */
export function switchActivation(ctx: FixContext, names: readonly string[], activation: string, initializer: string): HealthFix | null {
  const { spec } = ctx;
  const assignments: LayerAssignment[] = [];
  for (const name of names) {
    const i = layerIndex(spec, name);
    const at = i < 0 ? undefined : activationSource(spec, i);
    if (at === undefined) continue;
    if (spec.layers[at].args.activation !== activation) assignments.push({ index: at, key: 'activation', value: activation });
    if (initializerName(spec.layers[i], 'kernel_initializer') !== initializer) assignments.push({ index: i, key: 'kernel_initializer', value: initializer });
  }
  const changed = new Set(assignments.filter((a) => a.key === 'kernel_initializer').map((a) => a.index));
  spec.layers.forEach((l, i) => {
    if (!changed.has(i) && !names.includes(l.name) && largeInit(l)) assignments.push({ index: i, key: 'kernel_initializer', value: 'glorot_uniform' });
  });
  return fix(`Use ${activation} with ${initializer} for ${nameList(names)}`, ctx.paths.layerEdits(assignments));
}

/** A new kernel initializer for the named layers. */
export function switchInitializer(ctx: FixContext, names: readonly string[], initializer: string): HealthFix | null {
  const assignments: LayerAssignment[] = names.map((n) => layerIndex(ctx.spec, n))
    .filter((i) => i >= 0 && initializerName(ctx.spec.layers[i], 'kernel_initializer') !== initializer)
    .map((index) => ({ index, key: 'kernel_initializer', value: initializer }));
  return fix(`Use ${initializer} for ${nameList(names)}`, ctx.paths.layerEdits(assignments));
}

/** Biases that start at zero (Keras's default) for the named layers. */
export function zeroBiases(ctx: FixContext, names: readonly string[]): HealthFix | null {
  const assignments: LayerAssignment[] = names.map((n) => layerIndex(ctx.spec, n)).filter((i) => i >= 0)
    .map((index) => ({ index, key: 'bias_initializer', value: 'zeros' }));
  return fix(`Start the biases of ${nameList(names)} at zero`, ctx.paths.layerEdits(assignments));
}

/** The optimizer's fixed learning rate, or undefined when it follows a schedule. */
export function fixedLearningRate(spec: ResolvedSpec): number | undefined {
  const lr = spec.compile.optimizer.learning_rate;
  return typeof lr === 'number' ? lr : undefined;
}

/** The learning rate times `factor` (rounded to 2 significant digits); null under a schedule. */
export function scaleLearningRate(ctx: FixContext, factor: number): HealthFix | null {
  const lr = fixedLearningRate(ctx.spec);
  if (lr === undefined) return null;
  const next = Number((lr * factor).toPrecision(2));
  return fix(`${factor < 1 ? 'Lower' : 'Raise'} the learning rate from ${num(lr)} to ${num(next)}`,
    ctx.paths.optimizerEdits(ctx.spec.compile.optimizer.type, { learning_rate: next }));
}

/** Image datasets whose pixels are 0..255 unless `data.scale` divides them. */
const PIXEL_DATASETS = new Set(['mnist', 'fashion_mnist', 'cifar10']);

/** `data.scale: 255` when a built-in image dataset is used without scaling. */
export function scaleInputs(ctx: FixContext): HealthFix | null {
  const data = ctx.spec.data as unknown as Record<string, Json> | undefined;
  if (!data || !PIXEL_DATASETS.has(String(data.dataset)) || data.scale !== undefined) return null;
  return fix('Scale the pixels to 0..1 (data.scale 255)', [ctx.paths.sectionEdit(['data', 'scale'], 255)]);
}

/** The index of the last layer with weights: the output layer, whose activation the fixes keep. */
export function outputIndex(spec: ResolvedSpec): number {
  for (let i = spec.layers.length - 1; i >= 0; i--) if (spec.layers[i].params.trainable + spec.layers[i].params.nonTrainable > 0) return i;
  return -1;
}

/** A fix for layers with large random weights: he_normal for hidden ReLU-family layers, glorot_uniform for the rest. */
export function fixLargeInit(ctx: FixContext): HealthFix | null {
  const { spec } = ctx;
  const out = outputIndex(spec);
  const large = spec.layers.map((l, i) => ({ l, i })).filter(({ l }) => largeInit(l));
  if (!large.length) return null;
  const pick = (i: number): string => (i !== out && familyOf(activationOf(spec, i)) === 'relu' ? 'he_normal' : 'glorot_uniform');
  const assignments: LayerAssignment[] = large.map(({ i }) => ({ index: i, key: 'kernel_initializer', value: pick(i) }));
  const used = [...new Set(assignments.map((a) => String(a.value)))].join(' and ');
  return fix(`Use ${used} instead of ${largeInit(large[0].l)} for ${nameList(large.map(({ l }) => l.name))}`, ctx.paths.layerEdits(assignments));
}

/** The first fix that applies. */
export function firstFix(...fixes: (() => HealthFix | null)[]): HealthFix | null {
  for (const f of fixes) {
    const r = f();
    if (r) return r;
  }
  return null;
}

/** Two fixes as one (both edit lists; the title joins them). */
export function bothFixes(a: HealthFix | null, b: HealthFix | null): HealthFix | null {
  if (!a || !b) return a ?? b;
  return { title: `${a.title}; ${b.title[0].toLowerCase()}${b.title.slice(1)}`, edits: [...a.edits, ...b.edits] };
}
