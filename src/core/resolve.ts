/**
 * Resolution: turns an analyzed spec (or one of its variants) into plain, fully-defaulted
 * values with canonical Keras names — what the summary, the exporter and the trainer consume.
 */
import { getNodeValue, type Node } from 'jsonc-parser';
import { analyze, hasErrors, type Analysis } from './analyze';
import type { Diagnostic } from './diagnostics';
import type { ModelInfo } from './model';
import { properties } from './jsonTree';
import { COMPILE_FIELDS, FIT_FIELDS } from './specFields';
import { lookup, type Field, type Json, type NameKind, type ParamCount, type Shape } from './registry';
import type { DataSpec } from './data/dataSpec';

/** A registry reference with every argument filled in: `{ type: "SGD", learning_rate: 0.01, ... }`. */
export interface ResolvedRef {
  type: string;
  [arg: string]: Json;
}

export interface ResolvedLayer {
  type: string;
  name: string;
  /** All arguments with defaults filled; activations are canonical names, initializers/regularizers ResolvedRefs. */
  args: Record<string, Json>;
  inputShape: Shape;
  outputShape: Shape;
  params: ParamCount;
  /** Whether Keras lists it in `model.summary()` (Input is not listed). */
  inSummary: boolean;
}

export interface ResolvedMetric {
  /** The name as the user wrote it: the key in logs (`accuracy`, `val_accuracy`). */
  name: string;
  /** Canonical registry name. */
  type: string;
}

export interface ResolvedSpec {
  name: string;
  variant?: string;
  seed?: number;
  data?: DataSpec;
  /** `initial_weights` as written (relative to the spec): a Keras file the model's weights come from. */
  initialWeights?: string;
  layers: ResolvedLayer[];
  compile: { loss: ResolvedRef; optimizer: ResolvedRef; metrics: ResolvedMetric[] };
  /** `health`: off, or sampled every `every` steps (null: about 32 samples per epoch). */
  fit: { epochs: number; batch_size: number; shuffle: boolean; verbose: number; callbacks: ResolvedRef[]; health: false | { every: number | null } };
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

export type ResolveResult =
  | { ok: true; spec: ResolvedSpec; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; message: string };

/** Fills a ref value's arguments from the registry: `"sgd"` -> `{ type: "SGD", learning_rate: 0.01, ... }`. */
export function resolveRef(kind: Exclude<NameKind, 'layer'>, value: Json): ResolvedRef {
  const given = typeof value === 'string' ? { type: value } : (value as Record<string, Json>);
  const entry = lookup(kind, String(given.type));
  if (!entry) throw new Error(`Unknown ${kind} ${JSON.stringify(given.type)}`);
  const out: ResolvedRef = { type: entry.name };
  for (const f of entry.args) {
    if (given[f.name] !== undefined) out[f.name] = given[f.name];
    else if (f.default !== undefined) out[f.name] = f.default;
  }
  return out;
}

function withDefaults(node: Node | undefined, fields: readonly Field[]): Record<string, Json> {
  const given = node?.type === 'object' ? (getNodeValue(node) as Record<string, Json>) : {};
  const out: Record<string, Json> = {};
  for (const f of fields) {
    if (given[f.name] !== undefined) out[f.name] = given[f.name];
    else if (f.default !== undefined) out[f.name] = f.default;
  }
  return out;
}

function resolveLayerArgs(args: Record<string, Json>, fields: readonly Field[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const f of fields) {
    const v = args[f.name];
    if (v === undefined) continue;
    const kind = f.type.kind === 'ref' ? f.type.ref : undefined;
    if (kind && v !== null) out[f.name] = kind === 'activation' ? (lookup('activation', String(v))?.name ?? String(v)) : resolveRef(kind, v);
    else out[f.name] = v;
  }
  return out;
}

/** The model of one variant (or of the base spec when `variant` is undefined). */
function pick(analysis: Analysis, variant: string | undefined): { root: Node; model: ModelInfo } | undefined {
  if (variant === undefined) return analysis.root ? { root: analysis.root, model: analysis.model } : undefined;
  return analysis.variants.find((v) => v.name === variant);
}

/** Names of the spec's variants, in order. */
export function variantNames(analysis: Analysis): string[] {
  return analysis.variants.map((v) => v.name);
}

/**
 * Resolves the spec, or one variant of it. Fails with the diagnostics when the spec has errors
 * (in the base or in that variant) or the variant does not exist.
 */
export function resolveSpec(textOrAnalysis: string | Analysis, variant?: string, fallbackName = 'model'): ResolveResult {
  const analysis = typeof textOrAnalysis === 'string' ? analyze(textOrAnalysis) : textOrAnalysis;
  const relevant = analysis.diagnostics.filter((d) => d.variant === undefined || d.variant === variant);
  if (hasErrors(relevant)) {
    const n = relevant.filter((d) => d.severity === 'error').length;
    return { ok: false, diagnostics: relevant, message: `The spec has ${n} error${n === 1 ? '' : 's'}; run "modelspec validate" to see them.` };
  }
  const picked = pick(analysis, variant);
  if (!picked) {
    const names = variantNames(analysis);
    return {
      ok: false, diagnostics: relevant,
      message: names.length ? `No variant named "${variant}". Variants: ${names.map((n) => `"${n}"`).join(', ')}.` : `The spec has no variants, so there is no variant "${variant}".`,
    };
  }
  const { root, model } = picked;
  const top = properties(root);
  const value = (k: string): Json | undefined => { const n = top.get(k)?.value; return n ? (getNodeValue(n) as Json) : undefined; };
  const compile = withDefaults(top.get('compile')?.value, COMPILE_FIELDS);
  const fit = withDefaults(top.get('fit')?.value, FIT_FIELDS);
  const name = value('name');
  const seed = value('seed');
  const spec: ResolvedSpec = {
    name: typeof name === 'string' ? name : fallbackName,
    ...(variant === undefined ? {} : { variant }),
    ...(typeof seed === 'number' ? { seed } : {}),
    ...(value('data') ? { data: value('data') as unknown as DataSpec } : {}),
    ...(typeof value('initial_weights') === 'string' ? { initialWeights: value('initial_weights') as string } : {}),
    layers: model.layers.map((l) => {
      const entry = l.entry!;
      const args = resolveLayerArgs(l.args, entry.args);
      // A -1 in target_shape is inferred at build time, which leaves later layers (BatchNormalization)
      // an undefined channel dimension in TensorFlow.js; Keras knows it statically, as the core does.
      if (Array.isArray(args.target_shape) && l.outputShape) args.target_shape = l.outputShape.slice(1) as number[];
      return {
        type: l.type, name: l.name,
        // `trainable` is a common field, not one of the entry's: kept only when it freezes the layer.
        args: { ...args, ...(l.args.trainable === false ? { trainable: false } : {}) },
        inputShape: l.inputShape as Shape, outputShape: l.outputShape as Shape,
        params: l.params as ParamCount, inSummary: entry.inSummary,
      };
    }),
    compile: {
      loss: resolveRef('loss', compile.loss),
      optimizer: resolveRef('optimizer', compile.optimizer),
      metrics: (compile.metrics as string[]).map((m) => ({ name: m, type: lookup('metric', m)?.name ?? m })),
    },
    fit: {
      epochs: fit.epochs as number, batch_size: fit.batch_size as number, shuffle: fit.shuffle as boolean, verbose: fit.verbose as number,
      callbacks: (fit.callbacks as Json[]).map((c) => resolveRef('callback', c)),
      health: healthCadence(fit.health),
    },
    totalParams: model.totalParams, trainableParams: model.trainableParams, nonTrainableParams: model.nonTrainableParams,
  };
  return { ok: true, spec, diagnostics: relevant };
}

/** `fit.health` as the trainer uses it: false (off), or every N steps (null: the default cadence). */
function healthCadence(value: Json | undefined): ResolvedSpec['fit']['health'] {
  if (value === false) return false;
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.every === 'number') return { every: value.every };
  return { every: null };
}
