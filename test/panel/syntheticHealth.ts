/**
 * Synthetic training-health messages for the panel tests, woven into the synthetic runs of
 * syntheticRuns.ts (one `health` message after each batch message): the notebook's lesson, with a
 * deep sigmoid stack whose lower layers' gradients vanish and whose outputs saturate, and healthy
 * ReLU/ELU/SELU variants. Seeded; the histograms are real counts of activations of random
 * pre-activations, over HEALTH_HISTOGRAM's bins.
 */
import { HEALTH_HISTOGRAM, type HealthDiagnosis, type LayerHealth } from '../../src/core/health/types';
import type { FromTrainer, HealthMessage } from '../../src/shared/trainerProtocol';
import { mulberry32 } from '../helpers';
import { notebookRuns, syntheticRun, type SyntheticRunOptions } from './syntheticRuns';

/** How a variant's layers behave. */
export interface HealthProfile {
  activation: 'sigmoid' | 'relu' | 'elu' | 'selu' | 'tanh';
  /** Pre-activation standard deviation (large random_normal weights: large). */
  spread: number;
  /** Gradient norm of the first layer relative to the last: 1e-6 when gradients vanish. */
  vanishing: number;
  /** Diagnoses the trainer would send once `from` (fraction of the run) has passed. */
  diagnoses: (HealthDiagnosis & { from: number })[];
}

const DENSE = ['dense', 'dense_1', 'dense_2', 'dense_3'];

/** The variant the tests diagnose: a deep sigmoid stack with random_normal(stddev 1) weights. */
export const SIGMOID_PROFILE: HealthProfile = {
  activation: 'sigmoid', spread: 4, vanishing: 2e-6,
  diagnoses: [
    {
      code: 'vanishing-gradients', severity: 'warning', layer: 'dense', epoch: 1, from: 0,
      message: "dense's gradient is 2e-6 of the output layer's: the saturated sigmoids above it pass almost nothing back, so it barely learns.",
      fix: { title: 'Use relu with he_normal in dense', edits: [{ path: ['variants', 0, 'layer_defaults', 'Dense', 'activation'], value: 'relu' }, { path: ['variants', 0, 'layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' }] },
    },
    {
      code: 'saturation', severity: 'warning', layer: 'dense_1', epoch: 1, from: 0.2,
      message: '71% of dense_1\'s sigmoid outputs are in the flat part (< 0.02 or > 0.98): large random_normal weights push them there.',
      fix: { title: 'Use glorot_uniform for dense_1', edits: [{ path: ['layers', 2, 'kernel_initializer'], value: 'glorot_uniform' }] },
    },
    { code: 'learning-rate-low', severity: 'info', layer: null, epoch: 2, from: 0.6, message: 'Updates are below 1e-5 of the weights for most of epoch 2: try a larger learning rate.', fix: null },
  ],
};

const HEALTHY: Record<string, HealthProfile> = {
  glorot_normal: { activation: 'relu', spread: 1, vanishing: 0.3, diagnoses: [] },
  glorot_uniform: { activation: 'relu', spread: 1, vanishing: 0.35, diagnoses: [] },
  he_normal: { activation: 'relu', spread: 1.4, vanishing: 0.6, diagnoses: [] },
  'he_normal + elu': { activation: 'elu', spread: 1.3, vanishing: 0.5, diagnoses: [] },
  'LecunNormal + selu': { activation: 'selu', spread: 1, vanishing: 0.7, diagnoses: [] },
};

function activate(name: HealthProfile['activation'], x: number): number {
  switch (name) {
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'relu': return Math.max(0, x);
    case 'elu': return x > 0 ? x : Math.exp(x) - 1;
    case 'selu': return 1.0507 * (x > 0 ? x : 1.67326 * (Math.exp(x) - 1));
    default: return Math.tanh(x);
  }
}

/** One layer's statistics at fraction `t` of the run. */
function layerHealth(p: HealthProfile, index: number, t: number, rand: () => number): LayerHealth {
  const last = index === DENSE.length - 1;
  const name = DENSE[index];
  const activation = last ? 'softmax' : p.activation;
  const { min, max, bins } = HEALTH_HISTOGRAM;
  const histogram = new Array<number>(bins).fill(0);
  let sum = 0;
  let sq = 0;
  let saturated = 0;
  const n = 256;
  for (let i = 0; i < n; i++) {
    // Box-Muller: a normal pre-activation.
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) * p.spread * (1 - 0.2 * t);
    const a = last ? 1 / (1 + Math.exp(-z)) : activate(activation as HealthProfile['activation'], z);
    sum += a;
    sq += a * a;
    if (a < 0.02 || a > 0.98) saturated++;
    histogram[Math.min(bins - 1, Math.max(0, Math.floor(((a - min) / (max - min)) * bins)))]++;
  }
  const mean = sum / n;
  const depth = (DENSE.length - 1 - index) / (DENSE.length - 1);
  const gradientNorm = 0.8 * Math.pow(p.vanishing, depth) * (1 + 0.3 * (rand() - 0.5)) * (1 - 0.5 * t);
  const relu = activation === 'relu';
  return {
    name, type: 'Dense', activation, gradientNorm, weightNorm: 20 - 3 * index,
    updateRatio: p.vanishing < 1e-3 ? 1e-3 * Math.pow(p.vanishing, depth * 0.5) : 1.2e-3 * (1 + 0.4 * (rand() - 0.5)) * (1 - 0.6 * t),
    activationMean: mean, activationStd: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    saturation: activation === 'sigmoid' || activation === 'tanh' ? saturated / n : null,
    deadFraction: relu ? 0.02 + 0.05 * index * t : null, nonFinite: 0, histogram,
  };
}

/** A synthetic run with a `health` message after each batch message. */
export function* syntheticHealthRun(o: SyntheticRunOptions, profile: HealthProfile): Generator<FromTrainer> {
  const rand = mulberry32(o.seed + 7);
  let globalStep = 0;
  for (const m of syntheticRun(o)) {
    if (m.type === 'started') {
      yield { ...m, health: 'every 20 steps, in the fused kernel' };
      continue;
    }
    yield m;
    if (m.type !== 'batch') continue;
    globalStep = m.epoch * m.steps + m.step;
    const t = globalStep / (o.epochs * o.stepsPerEpoch);
    const health: HealthMessage = {
      type: 'health', epoch: m.epoch, step: m.step, globalStep, loss: m.metrics.loss, learningRate: 0.01,
      layers: DENSE.map((_, i) => layerHealth(profile, i, t, rand)),
      diagnoses: profile.diagnoses.filter((d) => d.from <= t).map(({ from: _from, ...d }) => d),
      ...(globalStep <= o.batchEvery ? { initialLoss: { loss: m.metrics.loss, expected: Math.log(10) } } : {}),
    };
    yield health;
  }
}

/** The notebook's five variants with health, plus the deep sigmoid stack (last). */
export function notebookHealthRuns(epochs = 3, stepsPerEpoch = 200, batchEvery = 10): { options: SyntheticRunOptions; profile: HealthProfile }[] {
  const runs = notebookRuns(epochs, stepsPerEpoch, batchEvery).map((options) => ({ options, profile: HEALTHY[options.variant] }));
  const base = runs[0].options;
  runs.push({
    options: {
      ...base, variant: 'sigmoid + random_normal', seed: 2000, floor: 1.2, speed: 0.15, overfit: 0,
      runDir: 'runs/mnist-initializers/20261125-105000-sigmoid-random_normal', startedAt: '2026-11-25T10:50:00.000Z',
    },
    profile: SIGMOID_PROFILE,
  });
  return runs;
}
