/**
 * Resolution: turns an analyzed spec (or one of its variants) into plain, fully-defaulted
 * values with canonical Keras names — what the summary, the exporter and the trainer consume.
 */
import type { Node } from 'jsonc-parser';
import { analyze, hasErrors, type Analysis } from './analyze';
import type { Diagnostic } from './diagnostics';
import type { ModelInfo } from './model';
import type { Json, ParamCount, Shape } from './registry';
import type { DataSpec } from './data/dataSpec';
import { resolveModel } from './resolveModel';

export { resolveRef } from './resolveModel';

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
  return { ok: true, spec: resolveModel(root, model, variant, fallbackName), diagnostics: relevant };
}

