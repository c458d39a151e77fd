/**
 * The registry: the single source of truth for every name a spec can use.
 * Lookups accept the spellings Keras accepts (`he_normal` and `HeNormal`, `sgd` and `SGD`).
 */
import type { ActivationEntry, Direction, InitializerEntry, LayerEntry, MetricEntry, NameKind, NamedEntry, OptimizerEntry } from './types';
import { ACTIVATIONS } from './activations';
import { INITIALIZERS } from './initializers';
import { REGULARIZERS } from './regularizers';
import { OPTIMIZERS } from './optimizers';
import { SCHEDULES } from './schedules';
import { LOSSES, type LossEntry } from './losses';
import { METRICS } from './metrics';
import { CALLBACKS } from './callbacks';
import { KERAS_ONLY_METRICS } from './kerasMetrics';
import { LAYERS } from './layers';
import { didYouMean } from '../didYouMean';

export * from './types';
export { COMMON_LAYER_FIELDS, LAYERS, formatCount, formatShape } from './layers';
export type { LossEntry, LossFamily } from './losses';
export { ACTIVATIONS, INITIALIZERS, LOSSES, METRICS, OPTIMIZERS };

/** Entries of each named kind (layers have their own richer table). */
export const NAMED: Record<Exclude<NameKind, 'layer'>, readonly NamedEntry[]> = {
  activation: ACTIVATIONS,
  initializer: INITIALIZERS,
  regularizer: REGULARIZERS,
  optimizer: OPTIMIZERS,
  schedule: SCHEDULES,
  loss: LOSSES,
  metric: METRICS,
  callback: CALLBACKS,
};

function index<T extends { name: string; aliases?: readonly string[] }>(entries: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const e of entries) {
    map.set(e.name, e);
    for (const a of e.aliases ?? []) map.set(a, e);
  }
  return map;
}

const NAMED_INDEX = Object.fromEntries(
  Object.entries(NAMED).map(([k, v]) => [k, index(v)]),
) as Record<Exclude<NameKind, 'layer'>, Map<string, NamedEntry>>;
const LAYER_INDEX = index(LAYERS);

/** The entry a spelling names, or undefined. */
export function lookup(kind: Exclude<NameKind, 'layer'>, name: string): NamedEntry | undefined {
  return NAMED_INDEX[kind].get(name);
}

/** The layer type of a Keras class name (exact, as Keras requires). */
export function lookupLayer(name: string): LayerEntry | undefined {
  return LAYER_INDEX.get(name);
}

/** The loss entry (with its family) for a spelling. */
export function lookupLoss(name: string): LossEntry | undefined {
  return lookup('loss', name) as LossEntry | undefined;
}

/** The activation entry (family, fused-kernel code) for a spelling. */
export function lookupActivation(name: string): ActivationEntry | undefined {
  return lookup('activation', name) as ActivationEntry | undefined;
}

/** The optimizer entry (slots, fused-kernel code) for a spelling. */
export function lookupOptimizer(name: string): OptimizerEntry | undefined {
  return lookup('optimizer', name) as OptimizerEntry | undefined;
}

/** The initializer entry for a spelling. */
export function lookupInitializer(name: string): InitializerEntry | undefined {
  return lookup('initializer', name) as InitializerEntry | undefined;
}

/** The metric entry for a spelling. */
export function lookupMetric(name: string): MetricEntry | undefined {
  return lookup('metric', name) as MetricEntry | undefined;
}

/**
 * The direction Keras 3 gives a compiled metric named `name` (no `val_` prefix), or undefined when
 * it has none (`true_positives`, custom names). Keras finds the metric of that name and reads its
 * `_direction`, never substrings: registry metrics carry theirs; `accuracy`/`acc` in any case are
 * Keras's accuracy; other Keras metrics come from Keras's table.
 */
export function kerasMetricDirection(name: string): Direction | undefined {
  const lower = name.toLowerCase();
  if (lower === 'accuracy' || lower === 'acc') return 'max';
  return lookupMetric(name)?.direction ?? KERAS_ONLY_METRICS.get(name);
}

/** Every accepted spelling of a kind, canonical names first (for completion and suggestions). */
export function spellings(kind: NameKind): string[] {
  if (kind === 'layer') return LAYERS.map((l) => l.name);
  const entries = NAMED[kind];
  return [...entries.map((e) => e.name), ...entries.flatMap((e) => e.aliases)];
}

/** The closest known spelling to an unknown name, for "did you mean". */
export function suggest(kind: NameKind, name: string): string | undefined {
  const hit = didYouMean(name, spellings(kind));
  if (hit === undefined || kind === 'layer') return hit;
  // Suggest the canonical spelling of whatever entry matched.
  return lookup(kind, hit)?.name ?? hit;
}
