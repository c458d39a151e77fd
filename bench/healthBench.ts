/**
 * What training health costs: samples/s of one epoch with health at its default cadence against
 * `fit.health: false`, on the notebook MLP (fused kernel, batch 32) and the Keras MNIST convnet
 * (tfjs, batch 128). Runs alternate on and off, five each, and the medians are compared; the
 * target is at most 5% slower.
 *
 * Quick runs: MODELSPEC_BENCH_LIMIT=5000 npm run bench -- health
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyEdits, modify } from 'jsonc-parser';
import type { StartMessage } from '../src/shared/trainerProtocol';
import { trainOne } from './trainBench';
import { DEFAULT_SAMPLES_PER_EPOCH, healthEvery } from '../src/trainer/health';

const ROOT = path.resolve(__dirname, '..', '..');
const MLP = path.join(ROOT, 'examples', 'mnist-initializers.model.json');

/** The Keras MNIST convnet (keras.io/examples/vision/mnist_convnet), Adam, batch 128. */
const CONVNET = JSON.stringify({
  name: 'mnist-convnet', seed: 1,
  data: { dataset: 'mnist', scale: 255, validation: { first: 1000 } },
  layers: [
    { type: 'Reshape', target_shape: [28, 28, 1], input_shape: [28, 28] },
    { type: 'Conv2D', filters: 32, kernel_size: 3, activation: 'relu' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'Conv2D', filters: 64, kernel_size: 3, activation: 'relu' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'Flatten' },
    { type: 'Dropout', rate: 0.5 },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
  compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] },
  fit: { epochs: 1, batch_size: 128 },
});

/** Runs of each mode; alternating, so a drift in the machine's speed hits both alike. */
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Case { name: string; text: string; variant?: string; over: Partial<StartMessage>; limit?: number; every: number; projectTo?: number }

/**
 * The spec text with health off, or on at the cadence a whole 55,000-image epoch gets by default
 * (`every`), so a run on a slice samples as often per step as a full epoch would.
 */
function withHealth(text: string, every: number | false): string {
  return applyEdits(text, modify(text, ['fit', 'health'], every === false ? false : { every }, {}));
}

/** The default cadence for a full epoch of the 55,000 training images (trainer/health.ts). */
function fullEpochEvery(batch: number, engine: 'kernel' | 'tfjs'): number {
  return healthEvery({ fit: { health: { every: null } } } as never, Math.ceil(55000 / batch), DEFAULT_SAMPLES_PER_EPOCH[engine]);
}

/** Slowdown in % of an epoch; for a sliced case, the measured cost per sample projected onto a full epoch's default cadence. */
function projectedCost(c: Case, off: number, on: number): number {
  const measured = (off / on - 1) * 100;
  if (!c.projectTo || !c.limit) return measured;
  const batch = 128;
  const steps = Math.ceil(c.limit / batch), fullSteps = Math.ceil(55000 / batch);
  const samples = 1 + Math.floor(steps / c.every), fullSamples = 1 + Math.floor(fullSteps / c.projectTo);
  const stepsPerSample = (measured / 100) * steps / samples;
  console.log(`(${c.name}: a sample costs ${stepsPerSample.toFixed(2)} steps, measured with health every ${c.every} steps on ${c.limit} images; projected onto a 55,000-image epoch sampled every ${c.projectTo} steps)`);
  return (stepsPerSample * fullSamples / fullSteps) * 100;
}

export async function run(): Promise<object> {
  const limit = process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-health-'));
  const cases: Case[] = [
    { name: 'notebook MLP, fused kernel 1 thread, batch 32', text: fs.readFileSync(MLP, 'utf8'), variant: 'glorot_normal', over: { engine: 'kernel', threads: 1 }, limit, every: fullEpochEvery(32, 'kernel') },
    // A full convnet epoch on tfjs takes minutes: a slice sampled every 4 steps gives the cost of a
    // sample, projected onto a full epoch at the default cadence.
    { name: 'Keras convnet, tfjs wasm, batch 128', text: CONVNET, over: { engine: 'tfjs' }, limit: 4000, every: 4, projectTo: fullEpochEvery(128, 'tfjs') },
  ];
  console.log(`Training health on vs off, one epoch, ${RUNS} runs each, alternating; ${os.cpus().length} cores\n`);
  console.log('| model | examples | health off (samples/s) | health on | cost |');
  console.log('|---|---|---|---|---|');
  const out: object[] = [];
  for (const c of cases) {
    const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const mode of ['off', 'on'] as const) {
        const file = path.join(dir, `${mode}.model.json`);
        const text = withHealth(c.text, mode === 'on' ? c.every : false);
        fs.writeFileSync(file, text);
        const t = await trainOne(path.join(dir, 'runs'), c.variant, 'wasm', { epochs: 1, ...(c.limit ? { limit: c.limit } : {}), ...c.over }, { path: file, text });
        runs[mode].push(t.trainCount / t.loopSeconds);
      }
    }
    const off = median(runs.off), on = median(runs.on);
    const cost = projectedCost(c, off, on);
    console.log(`| ${c.name}, health every ${c.every} steps | ${(c.limit ?? 55000).toLocaleString('en-US')} | ${Math.round(off).toLocaleString('en-US')} | ${Math.round(on).toLocaleString('en-US')} | ${cost.toFixed(1)}% ${cost <= 5 ? '(within 5%)' : '(OVER 5%)'} |`);
    out.push({ case: c.name, off, on, costPercent: cost, runs });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { health: out };
}
