/**
 * The fused-kernel engine: training steps and split evaluation in the WebAssembly kernel
 * (denseKernel.ts), which holds its own copy of the weights. The TensorFlow.js model gets them
 * only when something reads them there (callbacks, checkpoints, the classification report, the
 * saved model).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import type { Metrics } from '../../shared/trainerProtocol';
import { DenseKernel, type KernelPlan } from './denseKernel';
import { healthLayers, type HealthLayer } from '../../core/health/layers';
import type { LayerHealth } from '../../core/health/types';
import { logKeys, ratioMetrics, type Engine, type EngineSetup, type MeasuredBatch, type OutputVisitor } from './engine';
import { ThreadTuner } from './threadTuner';
import { machineLoad } from './loadMeter';
import { METRIC_MATH, ratio, SplitMetric, type LabelAt, type MetricMath } from '../../core/metricMath';
import type { Block } from '../../core/health/stats';
import type { ResolvedSpec } from '../../core/resolve';

export class FusedEngine implements Engine {
  private readonly model: tfl.LayersModel;
  private readonly kernel: DenseKernel;
  private readonly spec: ResolvedSpec;
  /** Rows per evaluated batch: the training batch size the kernel's buffers hold. */
  private readonly batchSize: number;
  /** The batch's loss and metrics in logKeys order, reused: no allocation per step beyond the kernel's own. */
  private readonly values: number[];
  /** Each metric of the spec: the kernel's accuracy, or its formula over the kernel's outputs. */
  private readonly metrics: (MetricMath | 'accuracy')[];
  private readonly train: Split;
  private readonly labelWidth: number;
  /** The model's weights are newer than the kernel's (at start, and after a callback restored some). */
  private kernelStale = true;
  /** The kernel trained since the model last got its weights. */
  private modelStale = false;
  /** The weighted layers training health reports: the kernel's Conv2D, then Dense layers, in order. */
  private readonly health: HealthLayer[];
  /** Chooses the thread count step by step, when the host left it to the engine. */
  private readonly tuner: ThreadTuner | undefined;
  private active: number;

  /** `tune`: choose 1 up to `threads` threads by measuring; else always `threads`. */
  constructor(setup: EngineSetup, plan: KernelPlan, threads: number, tune = false) {
    // Tuned, the workers start when the tuner first wants them: beside a busy process, maybe never.
    const kernel = DenseKernel.create(plan, setup.data.train, setup.spec.fit.batch_size, threads, undefined, tune ? 1 : threads);
    if (!kernel) throw new Error('The fused kernel is missing from this build (dist/kernel.wasm): run npm run build, or train with --engine tfjs.');
    this.kernel = kernel;
    this.model = setup.model;
    this.spec = setup.spec;
    this.batchSize = setup.spec.fit.batch_size;
    this.values = new Array<number>(logKeys(setup.spec).length + 2 * ratioMetrics(setup.spec).length).fill(0);
    this.metrics = setup.spec.compile.metrics.map((m) => (m.type === 'accuracy' ? 'accuracy' : METRIC_MATH[m.type]));
    this.train = setup.data.train;
    this.labelWidth = plan.labelWidth;
    this.health = healthLayers(setup.spec);
    this.tuner = tune && kernel.threads > 1 ? new ThreadTuner(kernel.threads, () => machineLoad.freeCores()) : undefined;
    this.active = this.tuner ? 1 : kernel.threads;
    // Not held on 1 thread by the machine's load: the workers start now, while the data settles.
    if (this.tuner && this.tuner.threads > 1) kernel.setActiveThreads((this.active = this.tuner.threads));
  }

  trainBatch(rows: Int32Array, learningRate: number): readonly number[] {
    this.syncKernel();
    return this.record(this.timed(rows.length, () => this.kernel.trainBatch(rows, learningRate)), rows);
  }

  measureBatch(rows: Int32Array, learningRate: number): Promise<MeasuredBatch> {
    this.syncKernel();
    // Not timed for the tuner: a measured step does more work than the steps it chooses for.
    const measured = this.timed(rows.length, () => this.kernel.measureBatch(rows, learningRate, this.health), false);
    return Promise.resolve({ values: this.record(measured.values, rows).slice(), layers: measured.layers });
  }

  /** Runs a step on the tuner's thread count and, when `record`, tells it how long the step took. */
  private timed<T>(samples: number, step: () => T, record = true): T {
    if (!this.tuner) return step();
    const threads = this.tuner.threads;
    if (threads !== this.active) this.kernel.setActiveThreads((this.active = threads));
    const start = performance.now();
    const out = step();
    if (record) this.tuner.record((performance.now() - start) / 1000, samples);
    else this.tuner.skip();
    return out;
  }

  /** The thread counts the run used, when the engine chose them (e.g. `2 threads for 1,510 steps, 1 thread for 209`). */
  threadUse(): string | undefined {
    return this.tuner?.describe();
  }

  /** The kernel still holds the batch's outputs: no step needed. */
  inspectBatch(rows: Int32Array): Promise<LayerHealth[]> {
    return Promise.resolve(this.kernel.inspectLastBatch(rows.length, this.health));
  }

  private syncKernel(): void {
    if (!this.kernelStale) return;
    this.kernel.loadWeights(this.model);
    this.kernelStale = false;
  }

  /** The step's loss and metrics (the kernel's accuracy, the others from its outputs for `rows`), then the ratio metrics' counts. */
  private record([loss, accuracy]: [number, number], rows: Int32Array): readonly number[] {
    const values = this.values;
    values[0] = loss;
    const [y, w] = [this.train.y, this.labelWidth];
    let out: Block | undefined;
    const label: LabelAt = (r, j) => y[rows[r] * w + j];
    let extra = this.metrics.length + 1;
    this.metrics.forEach((m, i) => {
      if (m === 'accuracy') {
        values[i + 1] = accuracy;
      } else if (m.counts) {
        const counts = m.counts((out ??= this.kernel.outputs(rows.length)), label);
        values[i + 1] = ratio(counts);
        [values[extra], values[extra + 1]] = counts;
        extra += 2;
      } else {
        values[i + 1] = m.batchMean((out ??= this.kernel.outputs(rows.length)), label);
      }
    });
    this.modelStale = true;
    return values;
  }

  /** The split's loss and metrics from the kernel, keyed as the TensorFlow.js path keys them. */
  evaluate(split: Split, onOutputs?: OutputVisitor): Promise<Metrics> {
    this.syncKernel();
    const sums = this.metrics.map(() => new SplitMetric());
    const w = this.labelWidth;
    const [loss, accuracy] = this.kernel.evaluate(split, this.batchSize, (out, first) => {
      this.metrics.forEach((m, i) => { if (m !== 'accuracy') sums[i].add(m, out, (r, j) => split.y[(first + r) * w + j]); });
      onOutputs?.(out, first);
    });
    const values = [loss, ...this.metrics.map((m, i) => (m === 'accuracy' ? accuracy : sums[i].value()))];
    return Promise.resolve(Object.fromEntries(logKeys(this.spec).map((k, i) => [k, values[i]])));
  }

  loadWeights(): void {
    this.kernelStale = true;
    this.modelStale = false;
  }

  storeWeights(): void {
    if (!this.modelStale) return;
    this.kernel.storeWeights(this.model);
    this.modelStale = false;
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
