/**
 * The fused-kernel engine: training steps in the WebAssembly kernel (denseKernel.ts), which holds
 * its own copy of the weights. The TensorFlow.js model gets them only when something reads them
 * there; splits are evaluated by TensorFlow.js for now, so evaluating syncs first.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import type { Metrics } from '../../shared/trainerProtocol';
import { DenseKernel, type KernelPlan } from './denseKernel';
import { healthLayers, type HealthLayer } from '../../core/health/layers';
import type { LayerHealth } from '../../core/health/types';
import { logKeys, type Engine, type EngineSetup, type MeasuredBatch } from './engine';
import { SplitEvaluator } from './splitEvaluator';

export class FusedEngine implements Engine {
  private readonly model: tfl.LayersModel;
  private readonly kernel: DenseKernel;
  private readonly evaluator: SplitEvaluator;
  /** The batch's [loss, accuracy], reused: no allocation per step beyond the kernel's own. */
  private readonly values: number[];
  /** The model's weights are newer than the kernel's (at start, and after a callback restored some). */
  private kernelStale = true;
  /** The kernel trained since the model last got its weights. */
  private modelStale = false;
  /** The weighted layers training health reports: the kernel's Conv2D, then Dense layers, in order. */
  private readonly health: HealthLayer[];

  constructor(setup: EngineSetup, plan: KernelPlan, threads: number) {
    const kernel = DenseKernel.create(plan, setup.data.train, setup.spec.fit.batch_size, threads);
    if (!kernel) throw new Error('The fused kernel is missing from this build (dist/kernel.wasm): run npm run build, or train with --engine tfjs.');
    this.kernel = kernel;
    this.model = setup.model;
    this.evaluator = new SplitEvaluator(setup.model, setup.spec);
    // The kernel reports loss and accuracy; a spec without metrics logs only the loss.
    this.values = new Array<number>(Math.min(2, logKeys(setup.spec).length)).fill(0);
    this.health = healthLayers(setup.spec);
  }

  trainBatch(rows: Int32Array, learningRate: number): readonly number[] {
    this.syncKernel();
    return this.record(this.kernel.trainBatch(rows, learningRate));
  }

  measureBatch(rows: Int32Array, learningRate: number): Promise<MeasuredBatch> {
    this.syncKernel();
    const measured = this.kernel.measureBatch(rows, learningRate, this.health);
    return Promise.resolve({ values: this.record(measured.values).slice(), layers: measured.layers });
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

  private record([loss, accuracy]: [number, number]): readonly number[] {
    this.values[0] = loss;
    if (this.values.length > 1) this.values[1] = accuracy;
    this.modelStale = true;
    return this.values;
  }

  evaluate(split: Split): Promise<Metrics> {
    this.storeWeights();
    return this.evaluator.evaluate(split);
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
    this.evaluator.dispose();
  }
}
