/**
 * Training health during a fit: which steps are measured, the `health` messages and their
 * diagnoses, the first layer that went NaN, and the summary for result.json. The engines measure
 * (Engine.measureBatch); the core diagnoses (core/health/diagnose.ts).
 */
import type { ResolvedSpec } from '../core/resolve';
import { lookupLayer } from '../core/registry';
import type { HealthDiagnosis, HealthSample, HealthSummary, LayerHealth } from '../core/health/types';
import type { HealthMessage } from '../shared/trainerProtocol';

/**
 * Samples per epoch when `fit.health` does not set a cadence, as each engine's cost allows within
 * 5% of the epoch: a few dozen in the fused kernel (a sample costs about one step), fewer on the
 * tfjs path (a sample costs about two extra steps there).
 */
export const DEFAULT_SAMPLES_PER_EPOCH = { kernel: 32, tfjs: 8 } as const;

/** Draws diagnoses from the samples so far (core/health/diagnose.ts's HealthDiagnoser). */
export interface Diagnoser {
  add(sample: HealthSample): HealthDiagnosis[];
}

/** Every how many steps health is measured, or 0 when it is off. */
export function healthEvery(spec: ResolvedSpec, stepsPerEpoch: number, samplesPerEpoch: number): number {
  const h = spec.fit.health;
  if (h === false) return 0;
  return h.every ?? Math.max(1, Math.round(stepsPerEpoch / samplesPerEpoch));
}

/** The `started` message's account of health sampling. */
export function describeHealth(every: number, stepsPerEpoch: number, measuredBy: string): string {
  if (!every) return 'off (fit.health is false)';
  const perEpoch = Math.max(1, Math.floor(stepsPerEpoch / every));
  return `every ${every === 1 ? 'step' : `${every} steps`} (${perEpoch} sample${perEpoch === 1 ? '' : 's'} per epoch), ${measuredBy}`;
}

/** The expected first loss of a softmax classifier: ln(classes); undefined for other models. */
function expectedInitialLoss(spec: ResolvedSpec): number | undefined {
  const last = spec.layers[spec.layers.length - 1];
  const entry = lookupLayer(last.type);
  const activation = entry?.activationArg ? last.args[entry.activationArg] : undefined;
  const loss = spec.compile.loss.type;
  if (activation !== 'softmax' || !/categorical_crossentropy$/.test(loss)) return undefined;
  const classes = last.outputShape[last.outputShape.length - 1];
  return typeof classes === 'number' && classes > 1 ? Math.log(classes) : undefined;
}

/** One fit's health: when to measure, and what to do with each measurement. */
export class HealthMonitor {
  private diagnoses: HealthDiagnosis[] = [];
  private last: LayerHealth[] | undefined;
  private firstNonFinite: HealthSummary['firstNonFinite'];
  private lossWentNonFinite = false;
  private readonly expectedLoss: number | undefined;

  constructor(spec: ResolvedSpec, readonly every: number, private readonly emit: (m: HealthMessage) => void, private readonly diagnoser?: Diagnoser) {
    this.expectedLoss = expectedInitialLoss(spec);
  }

  /** Whether global step `globalStep` (1-based) is measured: the first step, then every `every`. */
  due(globalStep: number): boolean {
    return this.every > 0 && (globalStep === 1 || globalStep % this.every === 0);
  }

  /** A measured step: diagnose it, send it, remember it for the summary. */
  record(sample: HealthSample): void {
    if (sample.globalStep === 1 && this.expectedLoss !== undefined) sample.initialLoss = { loss: sample.loss, expected: this.expectedLoss };
    this.noteNonFinite(sample);
    if (this.diagnoser) this.diagnoses = this.diagnoser.add(sample);
    this.last = sample.layers;
    this.emit({ type: 'health', ...sample, diagnoses: this.diagnoses });
  }

  /** Whether a sample already showed NaN or infinite values (or a non-finite loss). */
  get sawNonFinite(): boolean {
    return this.firstNonFinite !== undefined || this.lossWentNonFinite;
  }

  private noteNonFinite(sample: HealthSample): void {
    if (!Number.isFinite(sample.loss)) this.lossWentNonFinite = true;
    if (this.firstNonFinite) return;
    // Forward: the first layer whose outputs went bad; else backward: the last whose gradients did.
    const bad = (l: LayerHealth): boolean => l.nonFinite > 0 || (l.gradientNorm !== null && !Number.isFinite(l.gradientNorm));
    const layer = sample.layers.find((l) => (l.nonFiniteOutputs ?? 0) > 0) ?? [...sample.layers].reverse().find(bad);
    if (layer) this.firstNonFinite = { layer: layer.name, epoch: sample.epoch + 1, step: sample.step };
  }

  /** result.json's `health`, or undefined before the first sample. */
  summary(): HealthSummary | undefined {
    if (!this.last) return undefined;
    const layers = this.last.map(({ histogram: _histogram, ...rest }) => rest);
    return { layers, diagnoses: this.diagnoses, ...(this.firstNonFinite ? { firstNonFinite: this.firstNonFinite } : {}) };
  }
}
