/** Test helpers for the fused kernel: small Dense specs, random data, and a step-by-step comparison with tfjs. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../src/core/data/load';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { lookupLoss } from '../src/core/registry';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { DenseKernel, kernelPlan, type KernelPlan } from '../src/trainer/engines/denseKernel';
import { splitTensors } from '../src/trainer/splitTensors';
import type { FromTrainer, RunResult, StartMessage } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { mulberry32 } from './helpers';

/** A resolved spec of layers over a flat input of `inputs` features, or an input of that shape (`extra`: more top-level fields, e.g. a seed). */
export function denseSpec(inputs: number | number[], layers: object[], loss: string | object, optimizer: object, extra: object = {}): ResolvedSpec {
  const text = JSON.stringify({
    name: 'k', seed: 3,
    layers: [{ type: 'Input', shape: typeof inputs === 'number' ? [inputs] : inputs }, ...layers],
    compile: { loss, optimizer, metrics: ['accuracy'] },
    fit: { batch_size: 8 },
    ...extra,
  });
  const r = resolveSpec(text);
  if (!r.ok) throw new Error(r.message + JSON.stringify(r.diagnostics));
  return r.spec;
}

export function planOf(spec: ResolvedSpec): KernelPlan {
  const p = kernelPlan(spec);
  if ('reason' in p) throw new Error(p.reason);
  return p.plan;
}

/** Regression losses made for targets of 0 and up (counts, log-scale values, percentages of a magnitude). */
const POSITIVE_TARGETS = ['poisson', 'mean_squared_logarithmic_error', 'mean_absolute_percentage_error'];

/**
 * Random inputs and labels that suit `loss`'s family for a model with `units` outputs. Like
 * images, the inputs are sparse (the kernel skips zeros): 40% zeros, and the first 4 features always zero.
 */
export function randomSplit(count: number, inputs: number, units: number, loss: string, seed: number): Split {
  const rand = mulberry32(seed);
  const x = Float32Array.from({ length: count * inputs }, (_, i) => (i % inputs < 4 || rand() < 0.4 ? 0 : rand() * 2 - 1));
  let y: Int32Array | Float32Array;
  let labelShape: number[] = [units];
  if (loss === 'sparse_categorical_crossentropy') {
    y = Int32Array.from({ length: count }, () => Math.floor(rand() * units));
    labelShape = [];
  } else if (lookupLoss(loss)?.family === 'categorical') {
    y = new Float32Array(count * units);
    for (let i = 0; i < count; i++) y[i * units + Math.floor(rand() * units)] = 1;
  } else if (lookupLoss(loss)?.family === 'binary') {
    y = Float32Array.from({ length: count * units }, () => (rand() < 0.5 ? 0 : 1));
  } else if (POSITIVE_TARGETS.includes(loss)) {
    // MAPE divides by the target: targets near 0, where it means nothing, make its steps huge.
    const least = loss === 'mean_absolute_percentage_error' ? 0.5 : 0;
    y = Float32Array.from({ length: count * units }, () => least + rand() * 3);
  } else {
    y = Float32Array.from({ length: count * units }, () => rand() * 2 - 1);
  }
  return { x, y, count, exampleShape: [inputs], labelShape, source: 'random', labelFile: 'random', labelOffset: 0 } as unknown as Split;
}

/** Every weight in layer order (tfjs's `getWeights` lists trainable weights first, frozen ones last). */
function layerWeights(model: tfl.LayersModel): tf.Tensor[] {
  return model.layers.flatMap((l) => l.getWeights());
}

/** What `compare` returns: the largest weight difference, the per-step [loss, accuracy] of both engines, and every weight before and after. */
export interface Comparison {
  maxDiff: number;
  maxScale: number;
  tfjs: number[][];
  kernel: number[][];
  /** In layer order: each Dense layer's kernel, then its bias. */
  weights: { initial: Float32Array[]; tfjs: Float32Array[]; kernel: Float32Array[] };
}

/**
 * Trains `steps` batches of `batch` rows with tfjs and with the kernel from the same initial
 * weights (those of `model` when given, else of the spec's model); returns the largest weight difference and the per-step [loss, accuracy] pairs of both.
 */
export async function compare(spec: ResolvedSpec, split: Split, batch: number, steps: number, threads = 1, model?: tfl.LayersModel): Promise<Comparison> {
  const plan = planOf(spec);
  // `model`: a TensorFlow.js model of its own as the reference, with the spec's layer names and weights in the same order.
  const reference = model ?? buildModel(spec);
  compileModel(reference, spec);
  const kernel = DenseKernel.create(plan, split, batch, threads);
  assert.ok(kernel, 'dist/kernel.wasm is built');
  kernel.loadWeights(reference);
  const initial = layerWeights(reference).map((w) => w.dataSync().slice() as Float32Array);
  const { x, y } = splitTensors(split, spec);
  const out = { tfjs: [] as number[][], kernel: [] as number[][] };
  const lr = spec.compile.optimizer.learning_rate as number;
  for (let s = 0; s < steps; s++) {
    const rows = Int32Array.from({ length: batch }, (_, i) => (s * batch + i * 7) % split.count);
    const idx = tf.tensor1d(rows, 'int32');
    const xb = tf.gather(x, idx);
    const yb = tf.gather(y, idx);
    out.tfjs.push((await reference.trainOnBatch(xb, yb)) as number[]);
    tf.dispose([idx, xb, yb]);
    out.kernel.push(kernel.trainBatch(rows, lr));
  }
  const fromKernel = buildModel(spec);
  kernel.storeWeights(fromKernel);
  let maxDiff = 0;
  let maxScale = 0;
  const weights = { initial, tfjs: [] as Float32Array[], kernel: [] as Float32Array[] };
  const kernelWeights = layerWeights(fromKernel);
  layerWeights(reference).forEach((w, i) => {
    const a = w.dataSync() as Float32Array;
    const b = kernelWeights[i].dataSync() as Float32Array;
    weights.tfjs.push(a.slice());
    weights.kernel.push(b.slice());
    for (let j = 0; j < a.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
      maxScale = Math.max(maxScale, Math.abs(a[j]));
    }
  });
  kernel.dispose();
  tf.dispose([x, y]);
  reference.dispose();
  fromKernel.dispose();
  return { maxDiff, maxScale, ...out, weights };
}

/** Asserts both engines agree to float32 rounding: weights, and every step's loss and accuracy. */
export function assertClose(got: Comparison, label: string): void {
  assert.ok(got.maxDiff <= 2e-5 * Math.max(1, got.maxScale), `${label}: weights differ by ${got.maxDiff}`);
  got.tfjs.forEach((t, s) => {
    assert.ok(Math.abs(t[0] - got.kernel[s][0]) <= 1e-4 * Math.max(1, Math.abs(t[0])), `${label}: step ${s} loss ${got.kernel[s][0]} vs tfjs ${t[0]}`);
    assert.ok(Math.abs(t[1] - got.kernel[s][1]) <= 1e-6, `${label}: step ${s} accuracy ${got.kernel[s][1]} vs tfjs ${t[1]}`);
  });
}

/** Trains `text` once with the kernel and once with tfjs, in a fresh folder: [kernel result, tfjs result]. */
export async function trainBoth(text: string, over: Partial<StartMessage>): Promise<[RunResult, RunResult]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-kernel-'));
  const specPath = path.join(dir, 'spec.model.json');
  fs.writeFileSync(specPath, text);
  const results: RunResult[] = [];
  for (const engine of ['kernel', 'tfjs'] as const) {
    const msgs: FromTrainer[] = [];
    await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'wasm', engine, ...over }, { emit: (m) => msgs.push(m), cancelled: () => false });
    const done = msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.ok(done, JSON.stringify(msgs.filter((m) => m.type === 'error')));
    results.push(done.result);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return [results[0], results[1]];
}
