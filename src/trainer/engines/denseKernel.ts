/**
 * The fused training kernel (src/kernel/dense.c, built to dist/kernel.wasm): which specs it can
 * train, and a typed wrapper that holds the training set and the weights in its memory and runs
 * one whole training step per call. The fused engine (fusedEngine.ts) drives it; everything else
 * (validation, callbacks, checkpoints, test evaluation, export) reads the TensorFlow.js model,
 * which that engine syncs from the kernel.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import { kernelPlan as planKernel, type KernelPlan } from '../../core/kernelPlan';
import type { ResolvedSpec } from '../../core/resolve';
import { deriveSeed, randomSeed } from '../random';
import type { HealthLayer } from '../../core/health/layers';
import { canDie, l2Norm, saturationOf, statsFromSums, type Block, type OutputStats } from '../../core/health/stats';
import { HEALTH_HISTOGRAM } from '../../core/health/types';
import type { LayerHealth } from '../../core/health/types';
import { ConvFront, syncNorms, type FrontExports, type HeldNorm, type KernelLayerView } from './convFront';

/** The engine names runs report. */
export const KERNEL_ENGINE = 'wasm-simd fused kernel';

export type { KernelPlan } from '../../core/kernelPlan';

/** The plan for `spec` (core/kernelPlan.ts), its Dropout masks seeded for this run, or why the kernel cannot train it. */
export function kernelPlan(spec: ResolvedSpec): { plan: KernelPlan } | { reason: string } {
  return planKernel(spec, (index) => dropoutSeed(spec, index));
}

/**
 * The seed of a Dropout layer's masks: its own, else derived from the spec seed and its position,
 * else random. The kernel mixes in the step, so every batch gets a fresh, reproducible mask.
 */
function dropoutSeed(spec: ResolvedSpec, index: number): number {
  const own = spec.layers[index].args.seed;
  if (typeof own === 'number') return own;
  return spec.seed === undefined ? randomSeed() : deriveSeed(spec.seed, 'dropout', index);
}

/** The slice of the WebAssembly JS API used here (the tsconfig has no DOM library to declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports extends FrontExports {
  k_init(nl: number, dims: number, acts: number, alphas: number, biases: number, batch: number, loss: number, acc: number, ydim: number): number;
  k_set_optimizer(kind: number, momentum: number, nesterov: number, p1: number, p2: number, epsilon: number): number;
  k_freeze(i: number): void;
  k_set_norm(i: number, position: number, momentum: number, epsilon: number, center: number, scale: number, frozen: number): number;
  k_norm_param(i: number, which: number): number;
  k_set_weight_decay(v: number): void;
  k_set_from_logits(on: number): void;
  k_set_dropout(i: number, rate: number, seed: number): number;
  k_dropout_mask(i: number): number;
  k_set_alpha_dropout(i: number): void;
  k_set_regularizers(i: number, kl1: number, kl2: number, bl1: number, bl2: number): number;
  k_set_activity(i: number, l1: number, l2: number): void;
  k_set_lr(lr: number): void;
  k_weights(i: number): number;
  k_bias(i: number): number;
  k_ld(i: number): number;
  k_alloc_data(n: number): number;
  k_labels(): number;
  k_alloc_indices(n: number): number;
  k_train_batch(idx: number, m: number): number;
  k_batch_accuracy(): number;
  k_penalty(): number;
  k_eval_input(): number;
  k_eval_labels(): number;
  k_eval_batch(m: number): number;
  k_set_workers(n: number): number;
  k_set_active(n: number): void;
  k_measure(on: number): void;
  k_grad_sq(i: number): number;
  k_delta_sq(i: number): number;
  k_weight_sq(i: number): number;
  k_activations(i: number): number;
  k_last_output(): number;
  k_output_ld(): number;
  k_deltas(i: number): number;
  k_output_stats(x: number, rows: number, cols: number, stride: number, low: number, high: number, inclusive: number, hmin: number, hmax: number, bins: number, out: number, alive: number): void;
  k_count_nonfinite(x: number, rows: number, cols: number, stride: number): number;
}

/** A worker thread: instantiates the kernel on the shared memory with its own stack and serves jobs. */
const WORKER_SOURCE = `
const { workerData: d } = require('worker_threads');
const k = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
k.__stack_pointer.value = d.stackTop;
k.k_worker(d.thread);
`;
const WORKER_STACK = 65536;

/** Kernel threads when the host does not say: every core, at most 4 (the batch splits no finer usefully). */
export function defaultKernelThreads(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 4));
}

/** dist/kernel.wasm beside the trainer bundle, or from a checkout (tests and benches run from out/). */
export function kernelWasmPath(name = 'kernel.wasm'): string | undefined {
  const candidates = [path.join(__dirname, name), path.resolve(__dirname, '..', '..', '..', '..', 'dist', name), path.resolve(__dirname, '..', '..', '..', 'dist', name)];
  return candidates.find((p) => fs.existsSync(p));
}

/** Which build of the kernel runs, and why. */
export interface KernelBuild {
  bytes: Buffer;
  /** `relaxed SIMD (fused multiply-add)` or `SIMD128`, with the reason when relaxed is not used. */
  simd: string;
}

let build: KernelBuild | undefined;

/**
 * The kernel build this runtime runs: kernel-relaxed.wasm where the runtime validates relaxed
 * SIMD (Node 20 behind a V8 flag, which this turns on; newer V8 by default), else kernel.wasm.
 * MODELSPEC_KERNEL_SIMD=plain insists on kernel.wasm (benchmarks compare the two).
 */
export function kernelBuild(): KernelBuild | undefined {
  if (build) return build;
  const plain = kernelWasmPath();
  if (!plain) return undefined;
  const relaxed = kernelWasmPath('kernel-relaxed.wasm');
  let why = 'relaxed SIMD not built (it needs clang 19)';
  if (process.env.MODELSPEC_KERNEL_SIMD === 'plain') why = 'MODELSPEC_KERNEL_SIMD=plain';
  else if (relaxed) {
    // Must precede the first compile of a relaxed module; a V8 that has no such flag ignores it.
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    const bytes = fs.readFileSync(relaxed);
    if (Wasm.validate(bytes)) return (build = { bytes, simd: 'relaxed SIMD (fused multiply-add)' });
    why = 'this runtime has no relaxed SIMD';
  }
  return (build = { bytes: fs.readFileSync(plain), simd: `SIMD128 (${why})` });
}

/** The model's Dense layers of the kernel's Dense stack (the last ones; any before them are front ops), in order. */
function denseLayers(model: tfl.LayersModel, plan: KernelPlan): tfl.layers.Layer[] {
  const n = plan.activations.length;
  return n ? model.layers.filter((l) => l.getClassName() === 'Dense').slice(-n) : [];
}

/** A kernel instance holding one model's weights, optimizer state and training set. */
export class DenseKernel {
  private readonly k: KernelExports;
  private readonly memory: { buffer: ArrayBuffer };
  private readonly idx: number;
  private readonly workers: Worker[] = [];
  /** Threads the kernel has room for, and what starting a worker needs. */
  private readonly capacity: number;
  private readonly spawn: { module: object; memory: { buffer: ArrayBuffer } };
  private readonly front: ConvFront;
  /** The weighted layers in model order (the front's Conv2D layers, then the Dense layers), as training health reads them. */
  private readonly views: KernelLayerView[];
  /** k_output_stats's sums and its alive flags, allocated at the first health sample. */
  private statsOut: number | undefined;
  private aliveOut: number | undefined;

  private constructor(private readonly plan: KernelPlan, wasm: Buffer, train: Split, batchSize: number, threads: number, active: number | undefined) {
    const module = new Wasm.Module(wasm);
    // Shared, so worker threads can compute on the same weights; 4 GiB maximum (wasm32's limit).
    const memory = new Wasm.Memory({ initial: 64, maximum: 65536, shared: true });
    this.memory = memory;
    this.k = new Wasm.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    const k = this.k;
    const nl = plan.activations.length;
    const ints = (v: number[]): number => { const p = k.k_alloc(v.length * 4); new Int32Array(memory.buffer, p, v.length).set(v); return p; };
    const floats = (v: number[]): number => { const p = k.k_alloc(v.length * 4); new Float32Array(memory.buffer, p, v.length).set(v); return p; };
    const ok = k.k_init(nl, ints(plan.dims), ints(plan.activations), floats(plan.alphas), ints(plan.biases.map(Number)), batchSize, plan.loss, plan.accuracy, plan.labelWidth);
    if (ok) plan.frozen.forEach((f, i) => f && k.k_freeze(i));
    const normed = plan.norms.every((n, i) => !n || k.k_set_norm(i, n.position, n.momentum, n.epsilon, +n.center, +n.scale, +n.frozen));
    this.front = new ConvFront(k, memory, plan.front);
    if (ok) this.front.init(batchSize, plan.dims[0]);
    const o = plan.optimizer;
    if (!ok || !normed || !k.k_set_optimizer(o.kind, o.momentum, o.nesterov ? 1 : 0, o.p1, o.p2, o.epsilon)) throw new Error('The training kernel ran out of memory for the model.');
    this.front.slots();
    k.k_set_weight_decay(o.weightDecay ?? 0);
    k.k_set_from_logits(plan.fromLogits ? 1 : 0);
    plan.regularizers.forEach((r, i) => {
      if (r.some((f) => f > 0) && !k.k_set_regularizers(i, ...r)) throw new Error('The training kernel ran out of memory for the model.');
    });
    plan.activity.forEach(([l1, l2], i) => k.k_set_activity(i, l1, l2));
    plan.dropout.forEach(({ rate, seed, alpha }, i) => {
      if (rate > 0 && !k.k_set_dropout(i, rate, seed | 0)) throw new Error('The training kernel ran out of memory for the model.');
      if (rate > 0 && alpha) k.k_set_alpha_dropout(i);
    });
    const xs = k.k_alloc_data(train.count);
    if (!xs) throw new Error('The training kernel ran out of memory for the training set.');
    new Float32Array(memory.buffer, xs, train.x.length).set(train.x);
    new Float32Array(memory.buffer, k.k_labels(), train.y.length).set(train.y);
    this.views = [...this.front.views(), ...plan.dims.slice(1).map((_, i) => this.denseView(i))];
    this.idx = k.k_alloc_indices(batchSize);
    const workers = k.k_set_workers(threads - 1);
    if (workers < 0) throw new Error('The training kernel ran out of memory for its threads.');
    this.capacity = workers + 1;
    this.spawn = { module, memory };
    this.setActiveThreads(active ?? this.capacity);
  }

  /** Threads that can compute each step (the caller's and the workers), started or not. */
  get threads(): number {
    return this.capacity;
  }

  /** The threads started so far: the caller's and the workers that setActiveThreads needed. */
  get startedThreads(): number {
    return this.workers.length + 1;
  }

  /**
   * How many of the threads compute the next steps (1 up to `threads`), starting the workers this
   * needs that have not started: a worker's start costs about 70 ms of CPU, which beside a busy
   * process comes out of the training steps' core when no step uses it.
   */
  setActiveThreads(n: number): void {
    const { module, memory } = this.spawn;
    for (let thread = this.workers.length + 1; thread < Math.min(n, this.capacity); thread++) {
      const stack = this.k.k_alloc(WORKER_STACK);
      // No memory for its stack (mid-run): the threads already started carry on.
      if (!stack) break;
      const stackTop = stack + WORKER_STACK;
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, stackTop, thread } });
      // A worker never finishes on its own; it must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
    this.k.k_set_active(Math.min(n, this.workers.length + 1));
  }

  /** Stops the worker threads. */
  dispose(): void {
    for (const w of this.workers) void w.terminate();
  }

  /**
   * A kernel for `plan` with `train` resident, with room for `threads` threads of which `active`
   * compute (default all; setActiveThreads changes it), from `bytes` (default the runtime's
   * build); undefined when dist/kernel.wasm was not built.
   */
  static create(plan: KernelPlan, train: Split, batchSize: number, threads = 1, bytes = kernelBuild()?.bytes, active?: number): DenseKernel | undefined {
    return bytes ? new DenseKernel(plan, bytes, train, batchSize, threads, active) : undefined;
  }

  /** Copies the tfjs model's Conv2D and Dense weights into the kernel (at start, and after a callback restored weights). */
  loadWeights(model: tfl.LayersModel): void {
    this.front.loadWeights(model);
    denseLayers(model, this.plan).forEach((layer, i) => {
      const [kernel, bias] = layer.getWeights();
      const [rows, cols] = kernel.shape as [number, number];
      const ld = this.k.k_ld(i);
      const src = kernel.dataSync() as Float32Array;
      const dst = new Float32Array(this.memory.buffer, this.k.k_weights(i), rows * ld);
      for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), r * ld);
      if (bias) new Float32Array(this.memory.buffer, this.k.k_bias(i), cols).set(bias.dataSync() as Float32Array);
    });
    syncNorms(this.norms(), model, this.memory, 'kernel');
  }

  /** Every BatchNormalization the kernel holds: the convs', then the Dense layers'. */
  private norms(): HeldNorm[] {
    const dense = this.plan.norms.flatMap((norm, i) => (norm ? [{ norm, units: this.plan.dims[i + 1], param: (w: number) => this.k.k_norm_param(i, w) }] : []));
    return [...this.front.norms(), ...dense];
  }

  /** Copies the kernel's weights into the tfjs model, before anything reads them there. */
  storeWeights(model: tfl.LayersModel): void {
    this.front.storeWeights(model);
    denseLayers(model, this.plan).forEach((layer, i) => {
      const [rows, cols] = [this.plan.dims[i], this.plan.dims[i + 1]];
      const ld = this.k.k_ld(i);
      const src = new Float32Array(this.memory.buffer, this.k.k_weights(i), rows * ld);
      const w = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) w.set(src.subarray(r * ld, r * ld + cols), r * cols);
      const ts: tf.Tensor[] = [tf.tensor2d(w, [rows, cols])];
      if (this.plan.biases[i]) ts.push(tf.tensor1d(new Float32Array(this.memory.buffer, this.k.k_bias(i), cols).slice()));
      layer.setWeights(ts);
      tf.dispose(ts);
    });
    syncNorms(this.norms(), model, this.memory, 'model');
  }

  /** The last step's dropout mask after Dense layer `i`, [rows][units]: 0 where dropped, 1 / (1 - rate) where kept (AlphaDropout: its factor a). */
  dropoutMask(i: number, rows: number): Float32Array {
    const [units, ld] = [this.plan.dims[i + 1], this.k.k_ld(i)];
    const all = new Float32Array(this.memory.buffer, this.k.k_dropout_mask(i), rows * ld);
    return Float32Array.from({ length: rows * units }, (_, e) => all[Math.floor(e / units) * ld + (e % units)]);
  }

  /** The last step's masks of the Dropout layers before the first Dense layer, by index in `spec.layers`: [rows][size]. */
  frontDropoutMasks(rows: number): Map<number, Float32Array> {
    return this.front.dropoutMasks(rows);
  }

  /** Layer i's kernel [in][units] (stride ld) in the kernel's memory, or a [rows][units] buffer at `ptr`. */
  private block(i: number, ptr = this.k.k_weights(i), rows = this.plan.dims[i]): Block {
    const ld = this.k.k_ld(i);
    return { data: new Float32Array(this.memory.buffer, ptr, rows * ld), rows, cols: this.plan.dims[i + 1], stride: ld };
  }

  /** Dense layer i's buffers for training health. */
  private denseView(i: number): KernelLayerView {
    return {
      frozen: this.plan.frozen[i],
      weights: () => this.block(i),
      outputs: (m) => this.block(i, this.k.k_activations(i), m),
      deltas: (m) => this.block(i, this.k.k_deltas(i), m),
      gradSq: () => this.k.k_grad_sq(i),
      deltaSq: () => this.k.k_delta_sq(i),
      weightSq: () => this.k.k_weight_sq(i),
    };
  }

  /**
   * A training step that also measures each weighted layer (`layers` in the same order): the
   * kernel's gradient norm, its norm before the step and the update ratio (all summed inside the
   * fused update), and the statistics of the batch's outputs.
   */
  measureBatch(rows: Int32Array, learningRate: number, layers: readonly HealthLayer[]): { values: [number, number]; layers: LayerHealth[] } {
    this.k.k_measure(1);
    let values: [number, number];
    try {
      values = this.trainBatch(rows, learningRate);
    } finally {
      this.k.k_measure(0);
    }
    const m = rows.length;
    return { values, layers: layers.map((l, i) => this.layerHealth(l, i, m)) };
  }

  /** The last step's outputs of each weighted layer (m examples) and the weights as they are now: no gradients, no update ratio. */
  inspectLastBatch(m: number, layers: readonly HealthLayer[]): LayerHealth[] {
    // Outputs only: a NaN flows back into every layer's gradient, so gradients cannot say which layer went first.
    return layers.map((l, i) => {
      const out = this.outputStats(this.views[i].outputs(m), l.activation);
      return { name: l.name, type: l.type, activation: l.activation, gradientNorm: null, weightNorm: l2Norm(this.views[i].weights()), updateRatio: null, ...out };
    });
  }

  private layerHealth(layer: HealthLayer, i: number, m: number): LayerHealth {
    const view = this.views[i];
    const frozen = view.frozen;
    const out = this.outputStats(view.outputs(m), layer.activation);
    const [w, d] = [view.weightSq(), view.deltaSq()];
    return {
      name: layer.name, type: layer.type, activation: layer.activation,
      gradientNorm: frozen ? null : Math.sqrt(view.gradSq()),
      weightNorm: frozen ? l2Norm(view.weights()) : Math.sqrt(w),
      updateRatio: frozen || !(w > 0) ? null : Math.sqrt(d / w),
      ...out,
      nonFinite: out.nonFinite + this.countNonFinite(view.deltas(m)),
    };
  }

  /** core/health/stats.ts's outputStats of a block in the kernel's memory, summed by the kernel (k_output_stats). */
  private outputStats(b: Block, activation: string): OutputStats {
    const { min, max, bins } = HEALTH_HISTOGRAM;
    const sat = saturationOf(activation);
    this.statsOut ??= this.k.k_alloc(8 * (5 + bins));
    this.aliveOut ??= this.k.k_alloc(4 * (Math.max(...this.views.map((v) => v.weights().cols)) + 3));
    const alive = canDie(activation) ? this.aliveOut : 0;
    this.k.k_output_stats(b.data.byteOffset, b.rows, b.cols, b.stride, sat?.low ?? -Infinity, sat?.high ?? Infinity, sat?.inclusive ? 1 : 0, min, max, bins, this.statsOut, alive);
    const sums = new Float64Array(this.memory.buffer, this.statsOut, 5 + bins);
    return statsFromSums({
      finite: sums[0], sum: sums[1], sumSq: sums[2], flat: sums[3], nonFinite: sums[4], counts: sums.slice(5),
      alive: alive ? Uint8Array.from(new Int32Array(this.memory.buffer, alive, b.cols)) : undefined,
    }, b.cols, activation);
  }

  private countNonFinite(b: Block): number {
    return this.k.k_count_nonfinite(b.data.byteOffset, b.rows, b.cols, b.stride);
  }

  /**
   * The loss (the regularizers' penalty included, as Keras reports it) and the mean accuracy of
   * the current weights on `split`, in inference mode, batch by batch of at most `batchSize` rows;
   * `onBatch` sees each batch's outputs and the index of its first row.
   */
  evaluate(split: Split, batchSize: number, onBatch?: (out: Block, first: number) => void): [number, number] {
    const { count, x, y } = split;
    const [xw, yw] = [x.length / count, y.length / count];
    let [loss, correct] = [0, 0];
    for (let start = 0; start < count; start += batchSize) {
      const m = Math.min(batchSize, count - start);
      new Float32Array(this.memory.buffer, this.k.k_eval_input(), m * xw).set(x.subarray(start * xw, (start + m) * xw));
      new Float32Array(this.memory.buffer, this.k.k_eval_labels(), m * yw).set(y.subarray(start * yw, (start + m) * yw));
      loss += this.k.k_eval_batch(m) * m;
      correct += this.k.k_batch_accuracy() * m;
      onBatch?.(this.outputs(m), start);
    }
    return [loss / count + this.k.k_penalty(), correct / count];
  }

  /** The model's outputs for the last batch's m rows, trained or evaluated (probabilities, or logits with from_logits). */
  outputs(m: number): Block {
    const stride = this.k.k_output_ld();
    return { data: new Float32Array(this.memory.buffer, this.k.k_last_output(), m * stride), rows: m, cols: this.plan.dims[this.plan.dims.length - 1], stride };
  }

  /** One training step on the given rows of the training set: [mean loss, mean accuracy]. */
  trainBatch(rows: Int32Array, learningRate: number): [number, number] {
    new Int32Array(this.memory.buffer, this.idx, rows.length).set(rows);
    this.k.k_set_lr(learningRate);
    const loss = this.k.k_train_batch(this.idx, rows.length);
    return [loss, this.k.k_batch_accuracy()];
  }
}
