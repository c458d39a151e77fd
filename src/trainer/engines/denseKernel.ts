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
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import type { ResolvedRef, ResolvedSpec } from '../../core/resolve';
import { ACTIVATIONS as REGISTRY_ACTIVATIONS, LAYERS, LOSSES as REGISTRY_LOSSES, METRICS as REGISTRY_METRICS, OPTIMIZERS as REGISTRY_OPTIMIZERS, lookupLayer, lookupOptimizer } from '../../core/registry';
import type { Json } from '../../core/registry';
import { deriveSeed, randomSeed } from '../random';
import type { HealthLayer } from '../../core/health/layers';
import { countNonFinite, kernelChange, l2Norm, outputStats, type Block } from '../../core/health/stats';
import type { LayerHealth } from '../../core/health/types';

/** The engine names runs report. */
export const KERNEL_ENGINE = 'wasm-simd fused kernel';

/** Name -> dense.c code of the registry entries the kernel trains, in code order. */
function kernelCodes(entries: readonly { name: string; fusedKernel?: { code: number } }[]): Record<string, number> {
  const coded = entries.flatMap((e) => (e.fusedKernel ? [[e.name, e.fusedKernel.code] as const] : []));
  return Object.fromEntries(coded.sort((a, b) => a[1] - b[1]));
}

/** A registry code the kernel cannot do without (a test checks the registry has each). */
function required(code: number | undefined, what: string): number {
  if (code === undefined) throw new Error(`the registry has no fused-kernel code for ${what}`);
  return code;
}

// Codes shared with dense.c, from the registry (a test compares them with dense.c's enums).
const ACTIVATIONS = kernelCodes(REGISTRY_ACTIVATIONS);
const LEAKY_RELU = required(lookupLayer('LeakyReLU')?.fusedKernel?.activationCode, 'LeakyReLU');
const LOSSES = kernelCodes(REGISTRY_LOSSES);
const OPTIMIZERS = kernelCodes(REGISTRY_OPTIMIZERS);
// The kernel's accuracy variants (of the one `accuracy` metric it computes), as in dense.c.
const ACC = { none: 0, sparse: 1, categorical: 2, binary: 3 };
const OPT = {
  sgd: required(OPTIMIZERS.SGD, 'SGD'),
  momentum: required(lookupOptimizer('SGD')?.fusedKernel?.momentumCode, 'SGD with momentum'),
  adam: required(OPTIMIZERS.Adam, 'Adam'),
  rmsprop: required(OPTIMIZERS.RMSprop, 'RMSprop'),
  adamax: required(OPTIMIZERS.Adamax, 'Adamax'),
  adagrad: required(OPTIMIZERS.Adagrad, 'Adagrad'),
  adadelta: required(OPTIMIZERS.Adadelta, 'Adadelta'),
  rmspropCentered: required(lookupOptimizer('RMSprop')?.fusedKernel?.centeredCode, 'centered RMSprop'),
  // Keras 3's AdamW and Nadam: in the kernel (dense.c), not yet in the registry.
  adamw: 8,
  nadam: 9,
};
/** What the "supported: ..." reasons list. */
const KERNEL_LAYERS = LAYERS.filter((l) => l.fusedKernel).map((l) => l.name);
const KERNEL_ACTIVATIONS = [...Object.keys(ACTIVATIONS), ...LAYERS.filter((l) => l.fusedKernel?.activationCode !== undefined).map((l) => l.name)];
const KERNEL_METRICS = REGISTRY_METRICS.filter((m) => m.fusedKernel).map((m) => m.name);

/** What the kernel trains: a stack of Dense layers, the loss, metric and optimizer codes. */
export interface KernelPlan {
  /** Layer widths, input first. */
  dims: number[];
  activations: number[];
  /** Negative slope per Dense layer (LeakyReLU only). */
  alphas: number[];
  biases: boolean[];
  /** Dense layers with `trainable: false`: never updated, no optimizer slots. */
  frozen: boolean[];
  /** Per Dense layer: the kernel regularizer's [l1, l2] factors, then the bias regularizer's. */
  regularizers: [number, number, number, number][];
  /** Per Dense layer: the rate of a Dropout layer after it (0: none), and the seed of its masks. */
  dropout: { rate: number; seed: number }[];
  loss: number;
  accuracy: number;
  /** Label floats per example (1 for class ids). */
  labelWidth: number;
  /** p1/p2: betas, rho, or Adagrad's initial accumulator value (see k_set_optimizer); weightDecay: AdamW's. */
  optimizer: { kind: number; momentum: number; nesterov: boolean; p1: number; p2: number; epsilon: number; weightDecay?: number };
}

/** The plan for `spec`, or why the kernel cannot train it (said to the user as the engine reason). */
export function kernelPlan(spec: ResolvedSpec): { plan: KernelPlan } | { reason: string } {
  const dims: number[] = [];
  const activations: number[] = [];
  const alphas: number[] = [];
  const biases: boolean[] = [];
  const frozen: boolean[] = [];
  const regularizers: KernelPlan['regularizers'] = [];
  const dropout: KernelPlan['dropout'] = [];
  for (const [index, layer] of spec.layers.entries()) {
    const a = layer.args;
    switch (layer.type) {
      case 'Input':
        break;
      case 'Flatten':
        if (dims.length) return { reason: `Flatten after a Dense layer (${layer.name})` };
        break;
      case 'Dense': {
        if (layer.inputShape.length !== 2) return { reason: `Dense layer ${layer.name} gets a ${layer.inputShape.length - 1}-D input; add Flatten first` };
        for (const k of ['activity_regularizer', 'kernel_constraint', 'bias_constraint']) {
          if (a[k]) return { reason: `Dense layer ${layer.name} has a ${k.replace(/_/g, ' ')}` };
        }
        const act = ACTIVATIONS[String(a.activation ?? 'linear')];
        if (act === undefined) return { reason: `activation ${String(a.activation)} (supported: ${KERNEL_ACTIVATIONS.join(', ')})` };
        if (!dims.length) dims.push(layer.inputShape[1] as number);
        dims.push(a.units as number);
        activations.push(act);
        alphas.push(0);
        biases.push(a.use_bias !== false);
        frozen.push(a.trainable === false);
        regularizers.push([...penaltyFactors(a.kernel_regularizer), ...penaltyFactors(a.bias_regularizer)]);
        dropout.push({ rate: 0, seed: 0 });
        break;
      }
      case 'Dropout': {
        const last = dropout.length - 1;
        if (last < 0) return { reason: `Dropout before the first Dense layer (${layer.name})` };
        if (dropout[last].rate > 0) return { reason: `two Dropout layers in a row (${layer.name})` };
        dropout[last] = { rate: a.rate as number, seed: dropoutSeed(spec, index) };
        break;
      }
      case 'Activation':
      case 'LeakyReLU': {
        // Folded into the Dense layer before it, which must be linear.
        const last = activations.length - 1;
        if (last < 0 || activations[last] !== ACTIVATIONS.linear || dropout[last].rate > 0) return { reason: `${layer.type} layer ${layer.name} does not follow a linear Dense layer` };
        if (layer.type === 'LeakyReLU') {
          activations[last] = LEAKY_RELU;
          alphas[last] = a.negative_slope as number;
        } else {
          const act = ACTIVATIONS[String(a.activation)];
          if (act === undefined) return { reason: `activation ${String(a.activation)} (supported: ${KERNEL_ACTIVATIONS.join(', ')})` };
          activations[last] = act;
        }
        break;
      }
      default:
        return { reason: `layer type ${layer.type} (supported: ${KERNEL_LAYERS.join(', ')})` };
    }
  }
  if (!dims.length) return { reason: 'no Dense layer' };
  if (dropout[dropout.length - 1].rate > 0) return { reason: 'Dropout after the output layer' };
  const out = activations[activations.length - 1];
  const lossType = spec.compile.loss.type;
  const loss = LOSSES[lossType];
  if (loss === undefined) return { reason: `loss ${lossType} (supported: ${Object.keys(LOSSES).join(', ')})` };
  if (spec.compile.loss.from_logits === true) return { reason: 'from_logits losses' };
  if (loss <= 1 && out !== ACTIVATIONS.softmax) return { reason: `${lossType} needs a softmax output layer in the kernel` };
  if (loss === 2 && out !== ACTIVATIONS.sigmoid) return { reason: 'binary_crossentropy needs a sigmoid output layer in the kernel' };
  const other = spec.compile.metrics.find((m) => !KERNEL_METRICS.includes(m.type));
  if (other) return { reason: `metric ${other.name} (supported: ${KERNEL_METRICS.join(', ')})` };
  const units = dims[dims.length - 1];
  // TensorFlow.js's choice of accuracy for "accuracy" (training.js): binary for one output or BCE.
  const accuracy = !spec.compile.metrics.length ? ACC.none : units === 1 || loss === 2 ? ACC.binary : loss === 0 ? ACC.sparse : ACC.categorical;
  const optimizer = kernelOptimizer(spec.compile.optimizer);
  if ('reason' in optimizer) return optimizer;
  return { plan: { dims, activations, alphas, biases, frozen, regularizers, dropout, loss, accuracy, labelWidth: loss === 0 ? 1 : units, optimizer } };
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

/** A resolved l1 / l2 / l1_l2 regularizer's [l1, l2] factors ([0, 0] without one). */
function penaltyFactors(ref: Json | undefined): [number, number] {
  if (!ref || typeof ref !== 'object' || Array.isArray(ref)) return [0, 0];
  const r = ref as ResolvedRef;
  return [r.type === 'l2' ? 0 : (r.l1 as number), r.type === 'l1' ? 0 : (r.l2 as number)];
}

/** The kernel's optimizer code and parameters for the spec's optimizer, or why it has none. */
function kernelOptimizer(o: ResolvedSpec['compile']['optimizer']): KernelPlan['optimizer'] | { reason: string } {
  const n = (k: string): number => o[k] as number;
  const betas = (kind: number): KernelPlan['optimizer'] => ({ kind, momentum: 0, nesterov: false, p1: n('beta_1'), p2: n('beta_2'), epsilon: n('epsilon') });
  let optimizer: KernelPlan['optimizer'];
  switch (o.type) {
    case 'SGD':
      optimizer = { kind: n('momentum') > 0 ? OPT.momentum : OPT.sgd, momentum: n('momentum'), nesterov: o.nesterov === true, p1: 0, p2: 0, epsilon: 0 };
      break;
    case 'Adam':
      optimizer = betas(OPT.adam);
      break;
    case 'RMSprop':
      optimizer = { kind: o.centered === true ? OPT.rmspropCentered : OPT.rmsprop, momentum: n('momentum'), nesterov: false, p1: n('rho'), p2: 0, epsilon: n('epsilon') };
      break;
    case 'Adamax':
      optimizer = betas(OPT.adamax);
      break;
    case 'Adagrad':
      optimizer = { kind: OPT.adagrad, momentum: 0, nesterov: false, p1: n('initial_accumulator_value'), p2: 0, epsilon: n('epsilon') };
      break;
    case 'Adadelta':
      optimizer = { kind: OPT.adadelta, momentum: 0, nesterov: false, p1: n('rho'), p2: 0, epsilon: n('epsilon') };
      break;
    // Keras 3's AdamW and Nadam: the kernel is their only engine (TensorFlow.js has neither).
    case 'AdamW':
      optimizer = { ...betas(OPT.adamw), weightDecay: n('weight_decay') };
      break;
    case 'Nadam':
      optimizer = betas(OPT.nadam);
      break;
    default:
      return { reason: `optimizer ${o.type} (supported: ${Object.keys(OPTIMIZERS).join(', ')})` };
  }
  return optimizer;
}

/** The slice of the WebAssembly JS API used here (the tsconfig has no DOM library to declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  k_alloc(bytes: number): number;
  k_init(nl: number, dims: number, acts: number, alphas: number, biases: number, batch: number, loss: number, acc: number, ydim: number): number;
  k_set_optimizer(kind: number, momentum: number, nesterov: number, p1: number, p2: number, epsilon: number): number;
  k_freeze(i: number): void;
  k_set_weight_decay(v: number): void;
  k_set_dropout(i: number, rate: number, seed: number): number;
  k_dropout_mask(i: number): number;
  k_set_regularizers(i: number, kl1: number, kl2: number, bl1: number, bl2: number): number;
  k_set_lr(lr: number): void;
  k_weights(i: number): number;
  k_bias(i: number): number;
  k_ld(i: number): number;
  k_alloc_data(n: number): number;
  k_labels(): number;
  k_alloc_indices(n: number): number;
  k_train_batch(idx: number, m: number): number;
  k_batch_accuracy(): number;
  k_set_workers(n: number): number;
  k_measure(on: number): void;
  k_grad_sq(i: number): number;
  k_activations(i: number): number;
  k_deltas(i: number): number;
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
export function kernelWasmPath(): string | undefined {
  const candidates = [path.join(__dirname, 'kernel.wasm'), path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'kernel.wasm'), path.resolve(__dirname, '..', '..', '..', 'dist', 'kernel.wasm')];
  return candidates.find((p) => fs.existsSync(p));
}

/** The model's Dense layers in order: the kernel's layers. */
function denseLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'Dense');
}

/** A kernel instance holding one model's weights, optimizer state and training set. */
export class DenseKernel {
  private readonly k: KernelExports;
  private readonly memory: { buffer: ArrayBuffer };
  private readonly idx: number;
  private readonly workers: Worker[] = [];
  /** Each Dense kernel as it was before the last measured step. */
  private readonly snapshots: Float32Array[] = [];

  private constructor(private readonly plan: KernelPlan, wasm: Buffer, train: Split, batchSize: number, threads: number) {
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
    const o = plan.optimizer;
    if (!ok || !k.k_set_optimizer(o.kind, o.momentum, o.nesterov ? 1 : 0, o.p1, o.p2, o.epsilon)) throw new Error('The training kernel ran out of memory for the model.');
    k.k_set_weight_decay(o.weightDecay ?? 0);
    plan.regularizers.forEach((r, i) => {
      if (r.some((f) => f > 0) && !k.k_set_regularizers(i, ...r)) throw new Error('The training kernel ran out of memory for the model.');
    });
    plan.dropout.forEach(({ rate, seed }, i) => {
      if (rate > 0 && !k.k_set_dropout(i, rate, seed | 0)) throw new Error('The training kernel ran out of memory for the model.');
    });
    const xs = k.k_alloc_data(train.count);
    if (!xs) throw new Error('The training kernel ran out of memory for the training set.');
    new Float32Array(memory.buffer, xs, train.x.length).set(train.x);
    new Float32Array(memory.buffer, k.k_labels(), train.y.length).set(train.y);
    this.idx = k.k_alloc_indices(batchSize);
    const workers = k.k_set_workers(threads - 1);
    if (workers < 0) throw new Error('The training kernel ran out of memory for its threads.');
    for (let thread = 1; thread <= workers; thread++) {
      const stackTop = k.k_alloc(WORKER_STACK) + WORKER_STACK;
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, stackTop, thread } });
      // A worker never finishes on its own; it must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Threads that compute each step (the caller's and the workers). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Stops the worker threads. */
  dispose(): void {
    for (const w of this.workers) void w.terminate();
  }

  /** A kernel for `plan` with `train` resident, computing on `threads` threads, or undefined when dist/kernel.wasm was not built. */
  static create(plan: KernelPlan, train: Split, batchSize: number, threads = 1): DenseKernel | undefined {
    const file = kernelWasmPath();
    return file ? new DenseKernel(plan, fs.readFileSync(file), train, batchSize, threads) : undefined;
  }

  /** Copies the tfjs model's Dense weights into the kernel (at start, and after a callback restored weights). */
  loadWeights(model: tfl.LayersModel): void {
    denseLayers(model).forEach((layer, i) => {
      const [kernel, bias] = layer.getWeights();
      const [rows, cols] = kernel.shape as [number, number];
      const ld = this.k.k_ld(i);
      const src = kernel.dataSync() as Float32Array;
      const dst = new Float32Array(this.memory.buffer, this.k.k_weights(i), rows * ld);
      for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), r * ld);
      if (bias) new Float32Array(this.memory.buffer, this.k.k_bias(i), cols).set(bias.dataSync() as Float32Array);
    });
  }

  /** Copies the kernel's weights into the tfjs model, before anything reads them there. */
  storeWeights(model: tfl.LayersModel): void {
    denseLayers(model).forEach((layer, i) => {
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
  }

  /** The last step's dropout mask after Dense layer `i`, [rows][units]: 0 where dropped, 1 / (1 - rate) where kept. */
  dropoutMask(i: number, rows: number): Float32Array {
    const [units, ld] = [this.plan.dims[i + 1], this.k.k_ld(i)];
    const all = new Float32Array(this.memory.buffer, this.k.k_dropout_mask(i), rows * ld);
    return Float32Array.from({ length: rows * units }, (_, e) => all[Math.floor(e / units) * ld + (e % units)]);
  }

  /** Layer i's kernel [in][units] (stride ld) in the kernel's memory, or a [rows][units] buffer at `ptr`. */
  private block(i: number, ptr = this.k.k_weights(i), rows = this.plan.dims[i]): Block {
    const ld = this.k.k_ld(i);
    return { data: new Float32Array(this.memory.buffer, ptr, rows * ld), rows, cols: this.plan.dims[i + 1], stride: ld };
  }

  /**
   * A training step that also measures each Dense layer (`layers` in the same order): the
   * kernel's gradient norm (summed inside the fused update), the weight norm and update ratio
   * (from a copy of the kernel before the step), and the statistics of the batch's outputs.
   */
  measureBatch(rows: Int32Array, learningRate: number, layers: readonly HealthLayer[]): { values: [number, number]; layers: LayerHealth[] } {
    // The copies are kept for the next sample: no allocation per measured step.
    const before = layers.map((_, i) => {
      const b = this.block(i);
      const copy = (this.snapshots[i] ??= new Float32Array(b.data.length));
      copy.set(b.data);
      return { ...b, data: copy };
    });
    this.k.k_measure(1);
    let values: [number, number];
    try {
      values = this.trainBatch(rows, learningRate);
    } finally {
      this.k.k_measure(0);
    }
    const m = rows.length;
    return { values, layers: layers.map((l, i) => this.layerHealth(l, i, before[i], m)) };
  }

  /** The last step's outputs of each Dense layer (m rows) and the weights as they are now: no gradients, no update ratio. */
  inspectLastBatch(m: number, layers: readonly HealthLayer[]): LayerHealth[] {
    // Outputs only: a NaN flows back into every layer's gradient, so gradients cannot say which layer went first.
    return layers.map((l, i) => {
      const out = outputStats(this.block(i, this.k.k_activations(i), m), l.activation);
      return { name: l.name, type: l.type, activation: l.activation, gradientNorm: null, weightNorm: l2Norm(this.block(i)), updateRatio: null, ...out };
    });
  }

  private layerHealth(layer: HealthLayer, i: number, before: Block, m: number): LayerHealth {
    const frozen = this.plan.frozen[i];
    const out = outputStats(this.block(i, this.k.k_activations(i), m), layer.activation);
    const change = kernelChange(before, this.block(i));
    return {
      name: layer.name, type: layer.type, activation: layer.activation,
      gradientNorm: frozen ? null : Math.sqrt(this.k.k_grad_sq(i)),
      weightNorm: change.weightNorm,
      updateRatio: frozen ? null : change.updateRatio,
      ...out,
      nonFinite: out.nonFinite + countNonFinite(this.block(i, this.k.k_deltas(i), m)),
    };
  }

  /** One training step on the given rows of the training set: [mean loss, mean accuracy]. */
  trainBatch(rows: Int32Array, learningRate: number): [number, number] {
    new Int32Array(this.memory.buffer, this.idx, rows.length).set(rows);
    this.k.k_set_lr(learningRate);
    const loss = this.k.k_train_batch(this.idx, rows.length);
    return [loss, this.k.k_batch_accuracy()];
  }
}
