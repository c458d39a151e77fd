/**
 * Training health in the panel: each run's sampled steps, kept within a memory cap and thinned
 * evenly like the batch series, its latest diagnoses, the checks that a `health.jsonl` line or a
 * `result.json` diagnosis has the right shape, and the series the Health view draws. Pure: the
 * host and the webview run the same code.
 */
import { HEALTH_HISTOGRAM, type HealthCode, type HealthDiagnosis, type HealthFix, type HealthSample, type InitialLoss, type LayerHealth } from '../core/health/types';
import type { HealthMessage } from '../shared/trainerProtocol';
import type { RunHealth, RunView } from './protocol';
import { everyOther, finiteOrNull } from './series';

export { HEALTH_HISTOGRAM };

/** Samples kept per run at most: a chart a few hundred pixels wide, or a heatmap strip, shows no more. */
export const MAX_HEALTH_SAMPLES = 240;

/** Numbers kept per run at most: a model with many layers keeps fewer samples. */
export const MAX_HEALTH_VALUES = 300_000;

/** Numbers one layer's sample holds: its histogram and about ten statistics. */
const VALUES_PER_LAYER = HEALTH_HISTOGRAM.bins + 10;

/** No samples, no diagnoses. */
export function emptyRunHealth(): RunHealth {
  return { samples: [], stride: 1, seen: 0, diagnoses: [], sampling: null };
}

/** How many samples a run with `layers` weighted layers keeps. */
export function healthSampleCap(layers: number): number {
  return Math.max(16, Math.min(MAX_HEALTH_SAMPLES, Math.floor(MAX_HEALTH_VALUES / (Math.max(1, layers) * VALUES_PER_LAYER))));
}

/**
 * Adds one `health` message to a run's health: its diagnoses replace the old list (each message
 * has them all); its sample is kept if it falls on the stride, and when the kept samples pass the
 * cap every other one goes and the stride doubles, so the kept ones stay evenly spaced.
 */
export function pushHealth(health: RunHealth, message: HealthMessage): void {
  if (Array.isArray(message.diagnoses)) health.diagnoses = message.diagnoses;
  const keep = health.seen % health.stride === 0;
  health.seen++;
  if (!keep) return;
  const { type: _type, diagnoses: _diagnoses, ...sample } = message;
  health.samples.push(sample);
  if (health.samples.length > healthSampleCap(sample.layers.length)) {
    health.samples = everyOther(health.samples);
    health.stride *= 2;
  }
}

/** The diagnosis a fix request names, and its fix. */
export function findDiagnosis(health: RunHealth, code: HealthCode, layer: string | null): HealthDiagnosis | undefined {
  return health.diagnoses.find((d) => d.code === code && d.layer === layer);
}

// ---- reading health.jsonl and result.json ----

/** Every `health.jsonl` line that is a well-formed health message, in order; the rest are skipped. */
export function parseHealthJsonl(text: string): HealthMessage[] {
  const out: HealthMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A torn last line (the trainer was stopped mid-write), or not JSON at all.
      continue;
    }
    const message = parseHealthMessage(value);
    if (message) out.push(message);
  }
  return out;
}

/** A health message with every field checked (numbers that are not finite become null); `null` if it is not one. */
export function parseHealthMessage(value: unknown): HealthMessage | null {
  if (!isObject(value) || (value.type !== undefined && value.type !== 'health') || !Array.isArray(value.layers)) return null;
  const epoch = finiteOrNull(value.epoch);
  const step = finiteOrNull(value.step);
  if (epoch === null || step === null) return null;
  const layers = value.layers.map(parseLayer);
  if (layers.some((l) => l === null)) return null;
  const message: HealthMessage = {
    type: 'health', epoch, step, globalStep: finiteOrNull(value.globalStep) ?? step,
    loss: finiteOrNull(value.loss) ?? Number.NaN, learningRate: finiteOrNull(value.learningRate) ?? Number.NaN,
    layers: layers as LayerHealth[], diagnoses: parseDiagnoses(value.diagnoses),
  };
  const initial = parseInitialLoss(value.initialLoss);
  if (initial) message.initialLoss = initial;
  return message;
}

function parseLayer(value: unknown): LayerHealth | null {
  if (!isObject(value) || typeof value.name !== 'string') return null;
  const histogram = Array.isArray(value.histogram) && value.histogram.length === HEALTH_HISTOGRAM.bins
    ? value.histogram.map((c) => finiteOrNull(c) ?? 0) : [];
  return {
    name: value.name, type: text(value.type), activation: text(value.activation),
    gradientNorm: finiteOrNull(value.gradientNorm), weightNorm: finiteOrNull(value.weightNorm), updateRatio: finiteOrNull(value.updateRatio),
    activationMean: finiteOrNull(value.activationMean), activationStd: finiteOrNull(value.activationStd),
    saturation: finiteOrNull(value.saturation), deadFraction: finiteOrNull(value.deadFraction),
    nonFinite: finiteOrNull(value.nonFinite) ?? 0, histogram,
  };
}

function parseInitialLoss(value: unknown): InitialLoss | null {
  if (!isObject(value)) return null;
  const loss = finiteOrNull(value.loss);
  const expected = finiteOrNull(value.expected);
  return loss === null || expected === null ? null : { loss, expected };
}

/** The well-formed diagnoses of a list (from health.jsonl or result.json's `health`); others are dropped. */
export function parseDiagnoses(value: unknown): HealthDiagnosis[] {
  if (!Array.isArray(value)) return [];
  const out: HealthDiagnosis[] = [];
  for (const d of value) {
    if (!isObject(d) || typeof d.code !== 'string' || typeof d.message !== 'string') continue;
    out.push({
      // A newer trainer's new code still shows: only the shape is checked.
      code: d.code as HealthCode, severity: d.severity === 'warning' ? 'warning' : 'info', layer: typeof d.layer === 'string' ? d.layer : null,
      epoch: finiteOrNull(d.epoch) ?? 1, message: d.message, fix: parseFix(d.fix),
    });
  }
  return out;
}

function parseFix(value: unknown): HealthFix | null {
  if (!isObject(value) || typeof value.title !== 'string' || !Array.isArray(value.edits)) return null;
  const edits: HealthFix['edits'] = [];
  for (const e of value.edits) {
    if (!isObject(e) || !Array.isArray(e.path) || !e.path.every((k) => typeof k === 'string' || typeof k === 'number') || !('value' in e)) return null;
    edits.push({ path: e.path as (string | number)[], value: e.value as HealthFix['edits'][number]['value'] });
  }
  return edits.length ? { title: value.title, edits } : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- what the Health view draws ----

/** The statistics the view charts per layer. */
export type HealthStat = 'gradientNorm' | 'updateRatio' | 'saturation' | 'deadFraction';

/** A sample's position in fractional epochs (0-based epoch + step/steps), so runs line up when overlaid. */
export function sampleX(run: RunView, sample: HealthSample): number {
  const steps = run.data?.stepsPerEpoch || Math.max(1, ...run.health.samples.map((s) => s.step));
  return sample.epoch + sample.step / steps;
}

/** The weighted layers of a run's health, in model order (the latest sample's). */
export function healthLayers(run: RunView): LayerHealth[] {
  const samples = run.health.samples;
  return samples.length ? samples[samples.length - 1].layers : [];
}

/** One statistic of one layer over the kept samples; `null` where the layer or the statistic is missing. */
export function layerSeries(run: RunView, layer: string, stat: HealthStat): { x: number[]; y: (number | null)[] } {
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (const s of run.health.samples) {
    x.push(sampleX(run, s));
    y.push(s.layers.find((l) => l.name === layer)?.[stat] ?? null);
  }
  return { x, y };
}

/** One layer's activation histograms over the kept samples, each normalized to fractions (empty where none). */
export function layerHistograms(run: RunView, layer: string): number[][] {
  return run.health.samples.map((s) => {
    const counts = s.layers.find((l) => l.name === layer)?.histogram ?? [];
    const total = counts.reduce((a, b) => a + b, 0);
    return total > 0 ? counts.map((c) => c / total) : [];
  });
}

/** The first kept sample in which a layer's outputs or gradient went NaN or infinite: which layer, and when (1-based epoch). */
export function firstNonFinite(run: RunView): { layer: string; epoch: number; step: number } | null {
  for (const s of run.health.samples) {
    const layer = s.layers.find((l) => l.nonFinite > 0);
    if (layer) return { layer: layer.name, epoch: s.epoch + 1, step: s.step };
  }
  return null;
}
