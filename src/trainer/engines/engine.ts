/**
 * The seam between the training loop and what runs the training steps: the stock TensorFlow.js
 * path (tfjsEngine.ts) or the fused WebAssembly kernel (fusedEngine.ts). The loop only trains
 * batches, evaluates splits and asks for the weights to be in the TensorFlow.js model when
 * something there reads them (callbacks, checkpoints, the classification report, saving).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedData, Split } from '../../core/data/load';
import type { ResolvedSpec } from '../../core/resolve';
import type { Metrics } from '../../shared/trainerProtocol';
import type { LayerHealth } from '../../core/health/types';
import type { Block } from '../../core/health/stats';
import { METRIC_MATH } from '../../core/metricMath';

/** Sees a batch of the model's outputs (probabilities, or logits with from_logits) for a split's rows from `first`. */
export type OutputVisitor = (out: Block, first: number) => void;

/** A measured training step: its values as `trainBatch` returns them, and each weighted layer's health. */
export interface MeasuredBatch {
  values: readonly number[];
  layers: LayerHealth[];
}

/** What an engine trains: the compiled TensorFlow.js model (the reference copy of the weights) and its data. */
export interface EngineSetup {
  spec: ResolvedSpec;
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  data: LoadedData;
}

/** Trains and evaluates one model; created per run by `EngineSelection.create`. */
export interface Engine {
  /**
   * One training step on `rows` of the training set at `learningRate`: the batch's loss and
   * metrics in log-key order (`loss`, then the spec's metrics), then each ratio metric's counts
   * (`ratioMetrics`). The array may be reused by the next call. Synchronous where the engine is,
   * so the hot loop awaits only when it must.
   */
  trainBatch(rows: Int32Array, learningRate: number): readonly number[] | Promise<readonly number[]>;
  /**
   * `trainBatch`, measuring every weighted layer for training health (core/health/layers.ts's
   * order): gradient and weight norms, update ratio, output statistics. Slower; sampled steps only.
   */
  measureBatch(rows: Int32Array, learningRate: number): Promise<MeasuredBatch>;
  /**
   * After a step whose loss went NaN or infinite: each weighted layer's outputs for that batch
   * (`rows`) and its current weight norm, to find the layer that went first. No gradients.
   */
  inspectBatch(rows: Int32Array): Promise<LayerHealth[]>;
  /**
   * Loss and metrics on `split`, forward only in inference mode, keyed by Keras names.
   * `onOutputs` also sees the model's outputs batch by batch (the classification report), from the
   * same pass where the engine computes them.
   */
  evaluate(split: Split, onOutputs?: OutputVisitor): Promise<Metrics>;
  /** The TensorFlow.js model's weights were changed (a callback restored a snapshot): train from them next. */
  loadWeights(): void;
  /** Puts the engine's current weights into the TensorFlow.js model, when they differ, before anything reads them there. */
  storeWeights(): void;
  /** Frees what the engine holds (tensors, kernel threads); the model stays the caller's. */
  /** The thread counts it used, when it chose them by measuring (the fused kernel); else undefined. */
  threadUse?(): string | undefined;
  dispose(): void;
}

/** The engine chosen for a run: its name and reason (reported before training starts), and how to make it. */
export interface EngineSelection {
  /** What runs the training steps: "wasm-simd fused kernel" or "tfjs (<backend>)". */
  name: string;
  /** Why that engine. */
  reason: string;
  /** How it measures training health, for the run header: "in the fused kernel". */
  measuredBy: string;
  /** Health samples per epoch by default (fit.health without `every`), as the cost of a sample allows. */
  healthSamplesPerEpoch: number;
  create(setup: EngineSetup): Engine;
}

/** Keras's log keys for `[loss, ...metrics]`, in the order engines return values. */
export function logKeys(spec: ResolvedSpec): string[] {
  return ['loss', ...spec.compile.metrics.map((m) => m.name)];
}

/**
 * The spec's ratio metrics (precision, recall) by their index in `[loss, ...metrics]`. A step's
 * values end with each one's batch counts, numerator then denominator, so the epoch's value is
 * Keras's: the ratio of the counts summed over its batches, not a mean of batch ratios.
 */
export function ratioMetrics(spec: ResolvedSpec): number[] {
  return spec.compile.metrics.flatMap((m, i) => (METRIC_MATH[m.type]?.counts ? [i + 1] : []));
}
