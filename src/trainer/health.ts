/**
 * Training health during a fit: which steps are measured, the `health` messages and their
 * diagnoses, the first layer that went NaN, and the summary for result.json. The engines measure
 * (Engine.measureBatch); the core diagnoses (core/health/diagnose.ts).
 */
import type { ResolvedSpec } from '../core/resolve';
import { lookupLayer } from '../core/registry';
import type { HealthDiagnosis, HealthSample, HealthSummary, LayerHealth } from '../core/health/types';
import type { HealthMessage } from '../shared/trainerProtocol';

/** Samples per epoch when `fit.health` does not set a cadence: a few dozen, as the issue of cost allows. */
export const DEFAULT_SAMPLES_PER_EPOCH = 32;

/** Draws diagnoses from the samples so far (core/health/diagnose.ts's HealthDiagnoser). */
export interface Diagnoser {
  add(sample: HealthSample): HealthDiagnosis[];
}

/** Every how many steps health is measured, or 0 when it is off. */
export function healthEvery(spec: ResolvedSpec, stepsPerEpoch: number): number {
  const h = spec.fit.health;
  if (h === false) return 0;
  return h.every ?? Math.max(1, Math.round(stepsPerEpoch / DEFAULT_SAMPLES_PER_EPOCH));
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

  private noteNonFinite(sample: HealthSample): void {
    if (this.firstNonFinite) return;
    const layer = sample.layers.find((l) => l.nonFinite > 0 || (l.gradientNorm !== null && !Number.isFinite(l.gradientNorm)));
    if (layer) this.firstNonFinite = { layer: layer.name, epoch: sample.epoch + 1, step: sample.step };
  }

  /** result.json's `health`, or undefined before the first sample. */
  summary(): HealthSummary | undefined {
    if (!this.last) return undefined;
    const layers = this.last.map(({ histogram: _histogram, ...rest }) => rest);
    return { layers, diagnoses: this.diagnoses, ...(this.firstNonFinite ? { firstNonFinite: this.firstNonFinite } : {}) };
  }
}
