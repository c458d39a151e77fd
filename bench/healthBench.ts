/**
 * What training health costs: samples/s of one epoch with health at its default cadence against
 * `fit.health: false`, on the notebook MLP (fused kernel, batch 32) and the Keras MNIST convnet
 * (tfjs, batch 128). Runs alternate on and off, three each, and the medians are compared; the
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Case { name: string; text: string; variant?: string; over: Partial<StartMessage>; limit?: number }

/** The spec text with `fit.health` set to `value`. */
function withHealth(text: string, value: boolean): string {
  return applyEdits(text, modify(text, ['fit', 'health'], value, {}));
}

export async function run(): Promise<object> {
  const limit = process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-health-'));
  const cases: Case[] = [
    { name: 'notebook MLP, fused kernel 1 thread, batch 32', text: fs.readFileSync(MLP, 'utf8'), variant: 'glorot_normal', over: { engine: 'kernel', threads: 1 }, limit },
    { name: 'Keras convnet, tfjs wasm, batch 128', text: CONVNET, over: { engine: 'tfjs' }, limit: Math.min(limit ?? 6000, 6000) },
  ];
  console.log(`Training health on vs off, one epoch, 3 runs each, alternating; ${os.cpus().length} cores\n`);
  console.log('| model | examples | health off (samples/s) | health on | cost |');
  console.log('|---|---|---|---|---|');
  const out: object[] = [];
  for (const c of cases) {
    const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let i = 0; i < 3; i++) {
      for (const mode of ['off', 'on'] as const) {
        const file = path.join(dir, `${mode}.model.json`);
        const text = withHealth(c.text, mode === 'on');
        fs.writeFileSync(file, text);
        const t = await trainOne(path.join(dir, 'runs'), c.variant, 'wasm', { epochs: 1, ...(c.limit ? { limit: c.limit } : {}), ...c.over }, { path: file, text });
        runs[mode].push(t.trainCount / t.loopSeconds);
      }
    }
    const off = median(runs.off), on = median(runs.on);
    const cost = (1 - on / off) * 100;
    console.log(`| ${c.name} | ${(c.limit ?? 55000).toLocaleString('en-US')} | ${Math.round(off).toLocaleString('en-US')} | ${Math.round(on).toLocaleString('en-US')} | ${cost.toFixed(1)}% ${cost <= 5 ? '(within 5%)' : '(OVER 5%)'} |`);
    out.push({ case: c.name, off, on, costPercent: cost, runs });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { health: out };
}
