/** Keras `compile` arguments -> TensorFlow.js optimizer, loss and metrics. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lookup, lookupOptimizer } from '../core/registry';
import { METRIC_MATH } from '../core/metricMath';
import type { ResolvedRef, ResolvedSpec } from '../core/resolve';
import { scheduleOf, type Schedule } from './schedules';
import { sparseFromLogits } from './splitTensors';

type Optimizer = ReturnType<typeof tf.train.sgd> | tf.Optimizer;
type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** A TensorFlow.js optimizer with Keras's arguments. */
export function makeOptimizer(o: ResolvedRef): tf.Optimizer {
  // A schedule starts at its step-0 rate; the training loop sets it before every batch.
  const lr = typeof o.learning_rate === 'number' ? o.learning_rate : (scheduleOf(o.learning_rate) as Schedule)(0);
  const n = (k: string): number => o[k] as number;
  // AdamW and Nadam train only in the fused kernel (selectEngine refuses the tfjs engine for them):
  // the model's optimizer then only carries the learning rate that callbacks read and set.
  const entry = lookupOptimizer(o.type);
  if (entry?.fusedKernel && !entry.tfjs) return tf.train.sgd(lr);
  switch (o.type) {
    case 'SGD': return n('momentum') > 0 ? tf.train.momentum(lr, n('momentum'), o.nesterov === true) : tf.train.sgd(lr);
    case 'RMSprop': return tf.train.rmsprop(lr, n('rho'), n('momentum'), n('epsilon'), o.centered === true);
    case 'Adam': return tf.train.adam(lr, n('beta_1'), n('beta_2'), n('epsilon'));
    case 'Adamax': return tf.train.adamax(lr, n('beta_1'), n('beta_2'), n('epsilon'), 0);
    case 'Adagrad': return tf.train.adagrad(lr, n('initial_accumulator_value'));
    case 'Adadelta': return tf.train.adadelta(lr, n('rho'), n('epsilon'));
    default: throw new Error(`Optimizer ${o.type} has no TensorFlow.js implementation.`);
  }
}

/** The current learning rate of a tfjs optimizer (they all keep it in `learningRate`). */
export function getLearningRate(opt: Optimizer): number {
  return (opt as unknown as { learningRate: number }).learningRate;
}

/** Changes the learning rate in place, as Keras callbacks do. */
export function setLearningRate(opt: Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The loss: a tfjs name, or a function when `from_logits` is set (tfjs names cannot say it). */
export function makeLoss(l: ResolvedRef): string | LossFn {
  const tfjs = lookup('loss', l.type)?.tfjs;
  if (!tfjs) throw new Error(`Loss ${l.type} has no TensorFlow.js implementation.`);
  if (l.type === 'hinge' || l.type === 'squared_hinge') return kerasHinge(l.type === 'squared_hinge');
  if (l.from_logits !== true) return tfjs;
  switch (l.type) {
    // Sparse labels arrive one-hot for this loss (splitTensors), so it is the categorical one.
    case 'sparse_categorical_crossentropy':
    case 'categorical_crossentropy':
      return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, tf.Reduction.NONE);
    case 'binary_crossentropy':
      return (yTrue, yPred) => tf.mean(tf.losses.sigmoidCrossEntropy(yTrue, yPred, undefined, 0, tf.Reduction.NONE), -1);
    default: return tfjs;
  }
}

/**
 * Keras's hinge and squared hinge: mean(max(0, 1 - y a)) (squared), with labels that are all 0 or
 * 1 in a batch taken as -1 and 1 (tfjs's own take 0 as 0, so a 0 label never moves the output).
 */
function kerasHinge(squared: boolean): LossFn {
  return (yTrue, yPred) => tf.tidy(() => {
    const binary = tf.cast(tf.all(tf.logicalOr(tf.equal(yTrue, 0), tf.equal(yTrue, 1))), 'float32');
    const t = tf.add(yTrue, tf.mul(binary, tf.sub(yTrue, 1)));
    const r = tf.relu(tf.sub(1, tf.mul(t, yPred)));
    return tf.mean(squared ? tf.square(r) : r, -1);
  });
}

type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Integer class labels of any shape ([batch] or [batch, 1]) as one-hot rows like `yPred`. */
function oneHotLike(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), yPred.shape[yPred.shape.length - 1] as number);
}

/**
 * tfjs-layers resolves only a few metric strings (`Unknown metric recall`), so every metric is
 * passed as its function from `tfl.metrics`; sparse cross-entropy, which tfjs exports only as a
 * loss, is the categorical one on one-hot labels.
 */
function metricFunction(tfjsName: string): MetricFn | undefined {
  if (tfjsName === 'sparseCategoricalCrossentropy') return (yTrue, yPred) => tfl.metrics.categoricalCrossentropy(oneHotLike(yTrue, yPred), yPred);
  if (tfjsName === 'precision' || tfjsName === 'recall') return (yTrue, yPred) => kerasPositives(yTrue, yPred, tfjsName === 'precision');
  return (tfl.metrics as unknown as Record<string, MetricFn | undefined>)[tfjsName];
}

/**
 * Keras's precision or recall of a batch: a prediction above 0.5 and a nonzero label are
 * positive; true positives over predicted (precision) or actual (recall) positives, 0 for none
 * (tfjs's own versions count only predictions exactly equal to 1). metricMath.ts has the same.
 */
function kerasPositives(yTrue: tf.Tensor, yPred: tf.Tensor, precision: boolean): tf.Tensor {
  return tf.tidy(() => {
    const [p, t] = positives(yTrue, yPred);
    return tf.divNoNan(tf.sum(tf.mul(p, t)), tf.sum(precision ? p : t));
  });
}

/** Keras's positives as 0/1: predictions above 0.5, and nonzero labels. */
function positives(yTrue: tf.Tensor, yPred: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return [tf.cast(tf.greater(yPred, 0.5), 'float32'), tf.cast(tf.notEqual(yTrue, 0), 'float32')];
}

/**
 * "accuracy" for a `from_logits` loss: tfjs picks the accuracy from the loss's name, which a
 * loss function does not have, so say which (argmax of logits is argmax of probabilities).
 */
function logitsAccuracy(spec: ResolvedSpec): MetricFn | 'accuracy' {
  // Sparse labels arrive one-hot for a from_logits loss (splitTensors).
  const categorical = spec.compile.loss.type === 'sparse_categorical_crossentropy' || spec.compile.loss.type === 'categorical_crossentropy';
  return categorical ? tfl.metrics.categoricalAccuracy : 'accuracy';
}

/**
 * The batch counts of a ratio metric (precision, recall) as two more tfjs metrics, numerator
 * then denominator: `trainOnBatch` then returns what the loop's running means sum (engine.ts's
 * `ratioMetrics`).
 */
function countMetrics(type: string): MetricFn[] {
  const precision = type === 'precision';
  const hits: MetricFn = (yTrue, yPred) => tf.tidy(() => tf.sum(tf.mul(...positives(yTrue, yPred))));
  const total: MetricFn = (yTrue, yPred) => tf.tidy(() => tf.sum(positives(yTrue, yPred)[precision ? 0 : 1]));
  Object.defineProperty(hits, 'name', { value: `${type}_hits` });
  Object.defineProperty(total, 'name', { value: `${type}_total` });
  return [hits, total];
}

/** tfjs metrics, in the order of the spec's metrics (their logs keep the spec's names), then the ratio metrics' counts. */
export function makeMetrics(spec: ResolvedSpec): (string | MetricFn)[] {
  const counts = spec.compile.metrics.flatMap((m) => (METRIC_MATH[m.type]?.counts ? countMetrics(m.type) : []));
  return [...specMetrics(spec), ...counts];
}

function specMetrics(spec: ResolvedSpec): (string | MetricFn)[] {
  return spec.compile.metrics.map((m) => {
    if (m.type === 'accuracy') return spec.compile.loss.from_logits === true ? logitsAccuracy(spec) : 'accuracy';
    const tfjs = lookup('metric', m.type)?.tfjs;
    // Sparse labels arrive one-hot for a from_logits loss (splitTensors).
    const name = tfjs && sparseFromLogits(spec) ? tfjs.replace(/^sparseCategorical/, 'categorical') : tfjs;
    const fn = name && metricFunction(name);
    if (!fn) throw new Error(`Metric ${m.type} has no TensorFlow.js implementation.`);
    return fn;
  });
}

/** Compiles `model` as Keras `compile(loss, optimizer, metrics)` would. */
export function compileModel(model: tfl.LayersModel, spec: ResolvedSpec): tf.Optimizer {
  const optimizer = makeOptimizer(spec.compile.optimizer);
  model.compile({ optimizer, loss: makeLoss(spec.compile.loss) as string, metrics: makeMetrics(spec) as string[] });
  return optimizer;
}
