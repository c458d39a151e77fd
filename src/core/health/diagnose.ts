/**
 * Diagnoses from training-health samples, in the reference notebook's terms: gradients that
 * vanish through saturated sigmoids, gradients that explode, dying ReLUs, a learning rate far
 * off, an initial loss that says the initialization is wrong. Each diagnosis names the layer,
 * the epoch it was first seen and the numbers, and offers a fix as edits of the spec file.
 * Pure: the trainer feeds it samples; the same samples give the same diagnoses anywhere.
 */
import type { ResolvedLayer, ResolvedSpec } from '../resolve';
import { SpecPaths } from './fixPaths';
import {
  SATURATING, bothFixes, familyOf, firstFix, fixLargeInit, initializerName, largeInit,
  nameList, negativeBias, num, outputIndex, pct, scaleInputs, scaleLearningRate, switchActivation, switchInitializer, zeroBiases,
  type FixContext,
} from './fixes';
import type { HealthCode, HealthDiagnosis, HealthFix, HealthSample, LayerHealth } from './types';

export interface DiagnoseContext {
  spec: ResolvedSpec;
  /** The spec file's text, to compute the fixes' paths. */
  specText: string;
  /** The variant the run trains, if any. */
  variant?: string;
}

/**
 * The thresholds, tuned on real MNIST runs (see the CHANGELOG and test/healthMnist.test.ts):
 * healthy he_normal and glorot ReLU MLPs stay below every warning.
 */
export const THRESHOLDS = {
  /** Consecutive samples a condition must hold before it is reported (one sample can be noise). */
  persist: 3,
  /** ... for the learning rate, which should be off for a good part of an epoch. */
  persistLearningRate: 8,
  /** Vanishing: the lowest layer's relative gradient (‖g‖/‖w‖) below this fraction of the output layer's. */
  vanishingRatio: 1e-2,
  /** Exploding: a layer's gradient norm this many times its first sample's. */
  explodingGrowth: 1e3,
  /** Exploding: a step that changes a layer's weights by more than this fraction of their norm. */
  explodingUpdate: 1,
  /** Exploding signal: a hidden layer's output RMS this many times the lowest hidden layer's, and at least the second. */
  explodingSignalGrowth: 10,
  explodingSignal: 10,
  /** Saturation: this fraction of a hidden sigmoid/tanh layer's outputs in the flat region (warning), and a hint above the second. */
  saturation: 0.5,
  saturationHint: 0.25,
  /** Dead units: this fraction of a ReLU layer's units output 0 for the whole batch (warning), and a hint above the second. */
  dead: 0.5,
  deadHint: 0.3,
  /** Learning rate: the median update ratio over the layers above this (about 1e-3 is healthy) ... */
  learningRateHigh: 3e-2,
  /** ... or the largest below this. */
  learningRateLow: 1e-5,
  /** Initial loss: above this multiple of ln(classes) is a warning, above the second a hint; below the third a hint. */
  initialLossHigh: 3,
  initialLossHint: 1.5,
  initialLossLow: 0.25,
} as const;

type Severity = HealthDiagnosis['severity'];

/** A condition seen in one sample; its message and fix are built only when it is reported. */
interface Finding {
  code: HealthCode;
  severity: Severity;
  layer: string | null;
  message: () => string;
  fix: () => HealthFix | null;
  /** Reported at once (NaN, the first batch's loss), not after `persist` samples. */
  immediate?: boolean;
  persist?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);

/** Accumulates diagnoses over a run's samples. */
export class HealthDiagnoser {
  private readonly fixes: FixContext;
  private readonly found = new Map<string, HealthDiagnosis>();
  private readonly streaks = new Map<string, number>();
  private readonly firstGradient = new Map<string, number>();
  /** Each layer's index in the run's layers, by name, and the output layer's. */
  private readonly index: Map<string, number>;
  private readonly output: number;
  private list: HealthDiagnosis[] = [];
  /** After NaN, every statistic is NaN: nothing more to learn. */
  private diverged = false;

  constructor(private readonly ctx: DiagnoseContext) {
    this.fixes = { spec: ctx.spec, paths: new SpecPaths(ctx.specText, ctx.variant) };
    this.index = new Map(ctx.spec.layers.map((l, i) => [l.name, i]));
    this.output = outputIndex(ctx.spec);
  }

  /** Adds a sample; returns every diagnosis so far (first seen first). */
  add(sample: HealthSample): HealthDiagnosis[] {
    if (this.diverged) return this.list;
    for (const l of sample.layers) {
      if (finite(l.gradientNorm) && l.gradientNorm > 0 && !this.firstGradient.has(l.name)) this.firstGradient.set(l.name, l.gradientNorm);
    }
    const findings = this.findings(sample);
    const seen = new Set<string>();
    for (const f of findings) {
      const key = `${f.code}\u0000${f.layer ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const streak = (this.streaks.get(key) ?? 0) + 1;
      this.streaks.set(key, streak);
      if (f.immediate || streak >= (f.persist ?? THRESHOLDS.persist)) this.report(key, f, sample);
    }
    for (const key of this.streaks.keys()) if (!seen.has(key)) this.streaks.delete(key);
    return this.list;
  }

  /** Every diagnosis so far. */
  get diagnoses(): HealthDiagnosis[] {
    return this.list;
  }

  private report(key: string, f: Finding, sample: HealthSample): void {
    const old = this.found.get(key);
    // A hint can become a warning; a warning stays as first reported.
    if (old && (old.severity === 'warning' || f.severity === 'info')) return;
    const d: HealthDiagnosis = { code: f.code, severity: f.severity, layer: f.layer, epoch: old?.epoch ?? sample.epoch + 1, message: f.message(), fix: f.fix() };
    this.found.set(key, d);
    this.list = [...this.found.values()];
  }

  private findings(sample: HealthSample): Finding[] {
    const broken = this.nonFinite(sample);
    if (broken) {
      this.diverged = true;
      return [broken];
    }
    const out: Finding[] = [];
    if (sample.initialLoss) out.push(...this.initialLoss(sample));
    const dead = this.deadUnits(sample);
    out.push(...dead, ...this.saturation(sample), ...this.exploding(sample));
    // Dead units explain vanishing gradients below them, and the tiny updates.
    if (!dead.some((d) => d.severity === 'warning')) out.push(...this.vanishing(sample), ...this.learningRateLow(sample));
    out.push(...this.learningRateHigh(sample));
    return out;
  }

  /** The resolved layer a sample's layer is, by name. */
  private layerOf(name: string): ResolvedLayer | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.ctx.spec.layers[i];
  }

  /** A weighted layer before the output layer. */
  private hidden(l: LayerHealth): boolean {
    const i = this.index.get(l.name);
    return i !== undefined && i !== this.output;
  }

  private largeInit(name: string): string | undefined {
    const layer = this.layerOf(name);
    return layer && largeInit(layer);
  }

  /** NaN or Inf anywhere: the layer that went first (in model order), at once. */
  private nonFinite(sample: HealthSample): Finding | undefined {
    const bad = sample.layers.filter((l) => l.nonFinite > 0 || (typeof l.gradientNorm === 'number' && !Number.isFinite(l.gradientNorm)));
    if (!bad.length && Number.isFinite(sample.loss)) return undefined;
    const layer = bad[0]?.name ?? null;
    const where = `at epoch ${sample.epoch + 1}, step ${sample.step}`;
    const what = !layer ? `the loss became NaN or infinite ${where}`
      : bad.length === sample.layers.length && bad.length > 1 ? `every layer's outputs or gradients became NaN or infinite ${where}`
        : `${layer}'s outputs or gradients became NaN or infinite ${where}${sample.layers.length > 1 ? ' (the first layer to)' : ''}`;
    return {
      code: 'exploding-gradients', severity: 'warning', layer, immediate: true,
      message: () => `Exploding gradients: ${what}. The weight updates grew until the solution diverged.`,
      fix: () => bothFixes(fixLargeInit(this.fixes), scaleLearningRate(this.fixes, 0.1)),
    };
  }

  /** Gradients that grow by orders of magnitude, or steps larger than the weights themselves. */
  private exploding(sample: HealthSample): Finding[] {
    for (const l of sample.layers) {
      const first = this.firstGradient.get(l.name);
      const growth = first && finite(l.gradientNorm) ? l.gradientNorm / first : 0;
      const step = finite(l.updateRatio) ? l.updateRatio : 0;
      if (growth < THRESHOLDS.explodingGrowth && step <= THRESHOLDS.explodingUpdate) continue;
      const why = growth >= THRESHOLDS.explodingGrowth
        ? `${l.name}'s gradient norm grew from ${num(first!)} to ${num(l.gradientNorm!)} (${num(growth)}×)`
        : `a step changes ${l.name}'s weights by ${num(step)}× their norm (gradient norm ${num(l.gradientNorm ?? NaN)})`;
      return [{
        code: 'exploding-gradients', severity: 'warning', layer: l.name, persist: 2,
        message: () => `Exploding gradients: ${why}. Updates this large make the solution diverge; ${this.largeInit(l.name) ? 'the weights start far too large' : 'the learning rate is too high for them'}.`,
        fix: () => firstFix(() => fixLargeInit(this.fixes), () => scaleLearningRate(this.fixes, 0.1)),
      }];
    }
    return this.explodingSignal(sample);
  }

  /**
   * The forward signal multiplied at every layer (large random weights): the hidden outputs'
   * RMS grows by an order of magnitude from the lowest hidden layer up. The softmax then
   * saturates, and Keras's clipped cross-entropy passes no gradient at all, or huge ones.
   */
  private explodingSignal(sample: HealthSample): Finding[] {
    const rms = sample.layers.filter((l) => this.hidden(l) && finite(l.activationMean) && finite(l.activationStd))
      .map((l) => ({ l, rms: Math.hypot(l.activationMean!, l.activationStd!) }));
    if (rms.length < 2 || !(rms[0].rms > 0)) return [];
    const top = rms.slice(1).reduce((a, b) => (b.rms > a.rms ? b : a));
    const growth = top.rms / rms[0].rms;
    if (growth < THRESHOLDS.explodingSignalGrowth || top.rms < THRESHOLDS.explodingSignal) return [];
    const first = rms[0].l;
    const frozen = sample.layers.every((l) => l.gradientNorm === 0);
    return [{
      code: 'exploding-gradients', severity: 'warning', layer: first.name, persist: 2,
      message: () => `Exploding signal: the outputs grow layer by layer, from std ${num(first.activationStd!)} in ${first.name} to ${num(top.l.activationStd!)} in ${top.l.name} (${num(growth)}× the RMS)${this.largeInit(first.name) ? `, because the weights start far too large (${this.largeInit(first.name)})` : ''}. ${frozen ? `The softmax saturates and the clipped loss (${num(sample.loss)}) passes no gradient at all: nothing learns.` : 'The gradients grow the same way on their way down, and the updates diverge.'}`,
      fix: () => firstFix(() => fixLargeInit(this.fixes), () => scaleLearningRate(this.fixes, 0.1)),
    }];
  }

  /** The lowest layers' relative gradients orders of magnitude below the output layer's. */
  private vanishing(sample: HealthSample): Finding[] {
    const rel = sample.layers.map((l) => ({ l, r: finite(l.gradientNorm) && finite(l.weightNorm) && l.weightNorm > 0 ? l.gradientNorm / l.weightNorm : null }));
    const lastR = rel[rel.length - 1]?.r;
    if (rel.length < 2 || !lastR) return [];
    const low = rel.slice(0, -1).filter((x): x is { l: LayerHealth; r: number } => x.r !== null).sort((a, b) => a.r - b.r)[0];
    if (!low || low.r / lastR >= THRESHOLDS.vanishingRatio) return [];
    const ratio = low.r / lastR;
    const hiddenSaturating = sample.layers.filter((l) => this.hidden(l) && SATURATING.has(l.activation));
    const saturated = hiddenSaturating.filter((l) => finite(l.saturation)).map((l) => l.saturation as number);
    const act = hiddenSaturating[0]?.activation;
    const cause = hiddenSaturating.length
      ? ` The ${act} layers ${saturated.length ? `are saturated (${pct(Math.max(...saturated))} of outputs in the flat region), where the ${act}'s gradient is almost zero` : `shrink the gradient at every layer (the ${act}'s slope is at most ${act === 'sigmoid' ? '0.25' : '1'})`}.`
      : '';
    return [{
      code: 'vanishing-gradients', severity: 'warning', layer: low.l.name,
      message: () => `Vanishing gradients: ${low.l.name}'s gradient, relative to its weights, is ${num(ratio)} of the output layer's (${num(low.r)} vs ${num(lastR)}), so the lower layers are left untrained.${cause}`,
      fix: () => hiddenSaturating.length
        ? switchActivation(this.fixes, hiddenSaturating.map((l) => l.name), 'relu', 'he_normal')
        : firstFix(() => fixLargeInit(this.fixes), () => switchInitializer(this.fixes, this.reluLayersNotHe(sample), 'he_normal')),
    }];
  }

  private reluLayersNotHe(sample: HealthSample): string[] {
    return sample.layers.filter((l) => this.hidden(l) && familyOf(l.activation) === 'relu')
      .filter((l) => !this.hasInitializer(l.name, 'he_')).map((l) => l.name);
  }

  /** Hidden sigmoid/tanh layers whose outputs sit in the flat region. */
  private saturation(sample: HealthSample): Finding[] {
    const out: Finding[] = [];
    for (const l of sample.layers) {
      if (!finite(l.saturation) || !this.hidden(l) || l.saturation < THRESHOLDS.saturationHint) continue;
      const severity: Severity = l.saturation >= THRESHOLDS.saturation ? 'warning' : 'info';
      const large = this.largeInit(l.name);
      const flat = l.activation === 'tanh' || l.activation === 'softsign' ? 'near -1 or 1' : 'near 0 or 1';
      out.push({
        code: 'saturation', severity, layer: l.name,
        message: () => `Saturation: ${pct(l.saturation!)} of ${l.name}'s ${l.activation} outputs are ${flat}, where the ${l.activation}'s gradient is almost zero and the layers below stop learning.${large ? ` Its weights start too large (${large}); Glorot initialization keeps each layer's output variance equal to its input's.` : ' relu does not saturate.'}`,
        fix: () => (large && !this.hasInitializer(l.name, 'glorot_')
          ? switchInitializer(this.fixes, this.saturatingLargeInit(sample), 'glorot_uniform')
          : switchActivation(this.fixes, sample.layers.filter((x) => this.hidden(x) && SATURATING.has(x.activation)).map((x) => x.name), 'relu', 'he_normal')),
      });
    }
    return out;
  }

  private saturatingLargeInit(sample: HealthSample): string[] {
    return sample.layers.filter((l) => SATURATING.has(l.activation) && this.largeInit(l.name)).map((l) => l.name);
  }

  /** ReLU layers most of whose units output 0 for every example of the batch. */
  private deadUnits(sample: HealthSample): Finding[] {
    const out: Finding[] = [];
    for (const l of sample.layers) {
      if (!finite(l.deadFraction) || l.deadFraction < THRESHOLDS.deadHint) continue;
      const severity: Severity = l.deadFraction >= THRESHOLDS.dead ? 'warning' : 'info';
      const layer = this.layerOf(l.name);
      const bias = layer && negativeBias(layer);
      const large = this.largeInit(l.name);
      const why = bias !== undefined ? ` Its biases start at ${num(bias)}, which pushes every input below zero.`
        : large ? ` Its weights start too large (${large}).` : '';
      out.push({
        code: 'dead-units', severity, layer: l.name,
        message: () => `Dying ReLUs: ${pct(l.deadFraction!)} of ${l.name}'s units output 0 for every example of the batch, so no gradient flows through them and they stop learning.${why}`,
        fix: () => firstFix(
          () => (bias !== undefined ? zeroBiases(this.fixes, this.negativeBiasLayers(sample)) : null),
          () => fixLargeInit(this.fixes),
          () => switchInitializer(this.fixes, this.reluLayersNotHe(sample), 'he_normal'),
          () => switchActivation(this.fixes, [l.name], 'elu', 'he_normal'),
        ),
      });
    }
    return out;
  }

  private negativeBiasLayers(sample: HealthSample): string[] {
    return sample.layers.filter((l) => this.negativeBias(l.name)).map((l) => l.name);
  }

  private negativeBias(name: string): boolean {
    const layer = this.layerOf(name);
    return layer !== undefined && negativeBias(layer) !== undefined;
  }

  private hasInitializer(name: string, prefix: string): boolean {
    const layer = this.layerOf(name);
    return layer !== undefined && (initializerName(layer, 'kernel_initializer')?.startsWith(prefix) ?? false);
  }

  private updateRatios(sample: HealthSample): number[] {
    return sample.layers.map((l) => l.updateRatio).filter(finite);
  }

  /** Most layers change by far more than the healthy 1e-3 of their weights per step. */
  private learningRateHigh(sample: HealthSample): Finding[] {
    const ratios = this.updateRatios(sample);
    if (!ratios.length) return [];
    const m = median(ratios);
    if (m <= THRESHOLDS.learningRateHigh) return [];
    return [{
      code: 'learning-rate-high', severity: 'warning', layer: null, persist: THRESHOLDS.persistLearningRate,
      message: () => `The learning rate ${num(sample.learningRate)} is too high: a step changes the weights by ${pct(m)} of their norm (the median over the layers; about 0.1% is healthy), so training jumps around instead of converging.`,
      fix: () => scaleLearningRate(this.fixes, 0.1),
    }];
  }

  /** Even the fastest layer barely moves. */
  private learningRateLow(sample: HealthSample): Finding[] {
    const ratios = this.updateRatios(sample);
    if (!ratios.length || sample.learningRate <= 0) return [];
    const m = Math.max(...ratios);
    // No update at all is no gradient at all (dead units, a saturated output), not a slow rate.
    if (m >= THRESHOLDS.learningRateLow || m === 0) return [];
    return [{
      code: 'learning-rate-low', severity: 'info', layer: null, persist: THRESHOLDS.persistLearningRate,
      message: () => `The learning rate ${num(sample.learningRate)} may be too low: a step changes the weights by at most ${num(m)} of their norm (about 1e-3 is healthy), so training crawls.`,
      fix: () => scaleLearningRate(this.fixes, 10),
    }];
  }

  /** The first batch's loss against ln(classes), the loss of guessing every class equally. */
  private initialLoss(sample: HealthSample): Finding[] {
    const { loss, expected } = sample.initialLoss!;
    if (!Number.isFinite(loss) || !(expected > 0)) return [];
    const r = loss / expected;
    const high = r > THRESHOLDS.initialLossHint;
    if (!high && r >= THRESHOLDS.initialLossLow) return [];
    const classes = Math.round(Math.exp(expected));
    const base = `The first batch's loss is ${num(loss)}, ${num(r)} times ln(${classes}) = ${num(expected)} (the loss of guessing every class equally)`;
    const large = this.ctx.spec.layers.filter((l) => largeInit(l)).map((l) => l.name);
    return [{
      code: 'initial-loss', severity: r > THRESHOLDS.initialLossHigh ? 'warning' : 'info', layer: null, immediate: true,
      message: () => high
        ? `${base}: the initial outputs are confidently wrong.${large.length ? ` ${nameList(large)} start with large random weights.` : scaleInputs(this.fixes) ? ' The pixels are not scaled to 0..1.' : ' Check the initializers and the input scale.'}`
        : `${base}: suspiciously low before any training. Check that the labels are not in the inputs.`,
      fix: () => (high ? firstFix(() => scaleInputs(this.fixes), () => fixLargeInit(this.fixes)) : null),
    }];
  }
}
