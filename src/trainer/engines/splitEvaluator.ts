/**
 * Evaluation of the TensorFlow.js model on a data split, the notebook's `model.evaluate(x, y)`:
 * one place for validation at each epoch end, the test split after fitting, and
 * `modelspec evaluate`. Each split becomes tensors once and stays so until `dispose`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../core/data/load';
import type { ResolvedSpec } from '../../core/resolve';
import type { Metrics } from '../../shared/trainerProtocol';
import { splitTensors } from '../splitTensors';
import { logKeys } from './engine';
import { METRIC_MATH, SplitMetric } from '../../core/metricMath';
import { predictBatches } from '../classification';

export class SplitEvaluator {
  private readonly tensors = new Map<Split, { x: tf.Tensor; y: tf.Tensor }>();

  constructor(private readonly model: tfl.LayersModel, private readonly spec: ResolvedSpec) {}

  /** `split` as tensors shaped for the model, made on first use. */
  tensorsOf(split: Split): { x: tf.Tensor; y: tf.Tensor } {
    let t = this.tensors.get(split);
    if (!t) {
      t = splitTensors(split, this.spec);
      this.tensors.set(split, t);
    }
    return t;
  }

  /**
   * Loss and metrics of the model on `split` (inference mode), keyed by Keras names. The loss
   * includes the regularizers' penalty, as Keras's evaluate reports it (tfjs's leaves it out).
   */
  async evaluate(split: Split): Promise<Metrics> {
    const { x, y } = this.tensorsOf(split);
    // Larger batches than training: evaluation holds no gradients, and fewer calls are faster.
    const ev = this.model.evaluate(x, y, { batchSize: Math.max(this.spec.fit.batch_size, 256) });
    const vs = Array.isArray(ev) ? ev : [ev];
    const got = await Promise.all(vs.map((t) => t.data()));
    tf.dispose(vs);
    const values = logKeys(this.spec).map((k, i) => [k, got[i][0]] as [string, number]);
    values[0][1] += this.penalty() + this.activityPenalty(x);
    this.ratioMetrics(split, values);
    return Object.fromEntries(values);
  }

  /**
   * Precision and recall over the whole split, as Keras's stateful metrics give them (evaluate
   * averages their batch values): counts summed from the model's predictions.
   */
  private ratioMetrics(split: Split, values: [string, number][]): void {
    const ratios = this.spec.compile.metrics.flatMap((m, i) => (METRIC_MATH[m.type]?.counts ? [{ at: i + 1, sum: new SplitMetric(), math: METRIC_MATH[m.type] }] : []));
    if (!ratios.length) return;
    const width = split.labelShape.reduce((a, b) => a * b, 1);
    predictBatches(this.model, split, this.spec, (out, first) => {
      for (const r of ratios) r.sum.add(r.math, out, (row, j) => split.y[(first + row) * width + j]);
    });
    for (const r of ratios) values[r.at][1] = r.sum.value();
  }

  /** The sum of the model's regularization losses on its current weights (0 without regularizers). */
  private penalty(): number {
    const losses = (this.model as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses();
    if (!losses.length) return 0;
    const sum = tf.tidy(() => tf.addN(losses));
    const value = sum.dataSync()[0];
    tf.dispose([sum, ...losses]);
    return value;
  }

  /**
   * The activity regularizers' penalty (fused-engine specs only: the TensorFlow.js model is built
   * without them) as Keras's evaluate adds it: each batch of the fit's batch size adds its sum
   * l1 |y| + l2 y^2 over the outputs of the regularized layers, weighted by its size.
   */
  private activityPenalty(x: tf.Tensor): number {
    type Factors = { l1?: number; l2?: number };
    const factors = new Map(this.spec.layers.filter((l) => l.args.activity_regularizer).map((l) => [l.name, l.args.activity_regularizer as Factors]));
    if (!factors.size) return 0;
    const count = x.shape[0];
    const size = this.spec.fit.batch_size;
    let total = 0;
    for (let start = 0; start < count; start += size) {
      const m = Math.min(size, count - start);
      const batch = tf.tidy(() => {
        let y = tf.slice(x, start, m);
        let sum: tf.Tensor = tf.scalar(0);
        for (const layer of this.model.layers.filter((l) => l.getClassName() !== 'InputLayer')) {
          y = layer.apply(y, { training: false }) as tf.Tensor;
          const f = factors.get(layer.name);
          if (f) sum = tf.addN([sum, tf.mul(tf.sum(tf.abs(y)), f.l1 ?? 0), tf.mul(tf.sum(tf.square(y)), f.l2 ?? 0)]);
        }
        return sum;
      });
      total += batch.dataSync()[0] * m;
      batch.dispose();
    }
    return total / count;
  }

  /** Frees every split's tensors. */
  dispose(): void {
    for (const t of this.tensors.values()) tf.dispose([t.x, t.y]);
    this.tensors.clear();
  }
}
