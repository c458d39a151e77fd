/** The stock TensorFlow.js engine: `trainOnBatch` on gathered rows, `model.evaluate` for splits. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import { getLearningRate, setLearningRate } from '../compileModel';
import type { Metrics } from '../../shared/trainerProtocol';
import type { Engine, EngineSetup } from './engine';
import { SplitEvaluator } from './splitEvaluator';

export class TfjsEngine implements Engine {
  private readonly model: tfl.LayersModel;
  private readonly optimizer: tf.Optimizer;
  private readonly evaluator: SplitEvaluator;
  private readonly train: { x: tf.Tensor; y: tf.Tensor };

  constructor(setup: EngineSetup) {
    this.model = setup.model;
    this.optimizer = setup.optimizer;
    this.evaluator = new SplitEvaluator(setup.model, setup.spec);
    this.train = this.evaluator.tensorsOf(setup.data.train);
  }

  async trainBatch(rows: Int32Array, learningRate: number): Promise<readonly number[]> {
    // The loop keeps the rate in this optimizer already; only a caller with another rate changes it.
    if (getLearningRate(this.optimizer) !== learningRate) setLearningRate(this.optimizer, learningRate);
    const idx = tf.tensor1d(rows, 'int32');
    const xb = tf.gather(this.train.x, idx);
    const yb = tf.gather(this.train.y, idx);
    const out = await this.model.trainOnBatch(xb, yb);
    tf.dispose([idx, xb, yb]);
    return Array.isArray(out) ? out : [out];
  }

  evaluate(split: Split): Promise<Metrics> {
    return this.evaluator.evaluate(split);
  }

  /** The model is where this engine trains: nothing to move. */
  loadWeights(): void {}

  /** The model is where this engine trains: nothing to move. */
  storeWeights(): void {}

  dispose(): void {
    this.evaluator.dispose();
  }
}
