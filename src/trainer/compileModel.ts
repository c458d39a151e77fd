/** Keras `compile` arguments -> TensorFlow.js optimizer, loss and metrics. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lookup } from '../core/registry';
import type { ResolvedRef, ResolvedSpec } from '../core/resolve';
import { scheduleOf, type Schedule } from './schedules';

type Optimizer = ReturnType<typeof tf.train.sgd> | tf.Optimizer;
type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** A TensorFlow.js optimizer with Keras's arguments. */
export function makeOptimizer(o: ResolvedRef): tf.Optimizer {
  // A schedule starts at its step-0 rate; the training loop sets it before every batch.
  const lr = typeof o.learning_rate === 'number' ? o.learning_rate : (scheduleOf(o.learning_rate) as Schedule)(0);
  const n = (k: string): number => o[k] as number;
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
  if (l.from_logits !== true) return tfjs;
  switch (l.type) {
    case 'sparse_categorical_crossentropy':
      return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), yPred.shape[yPred.shape.length - 1] as number), yPred, undefined, tf.Reduction.NONE);
    case 'categorical_crossentropy':
      return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, tf.Reduction.NONE);
    case 'binary_crossentropy':
      return (yTrue, yPred) => tf.mean(tf.losses.sigmoidCrossEntropy(yTrue, yPred, undefined, 0, tf.Reduction.NONE), -1);
    default: return tfjs;
  }
}

type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * tfjs metrics, in the order of the spec's metrics (their logs keep the spec's names). Passed as
 * functions from `tf.metrics`: tfjs resolves only a few metric names from strings (not recall,
 * binaryCrossentropy, sparseCategoricalAccuracy, meanSquaredError, ...).
 */
export function makeMetrics(spec: ResolvedSpec): (string | MetricFn)[] {
  return spec.compile.metrics.map((m) => {
    if (m.type === 'accuracy') return 'accuracy';
    const name = lookup('metric', m.type)?.tfjs ?? m.type;
    const fn = (tfl.metrics as unknown as Record<string, MetricFn | undefined>)[name];
    return typeof fn === 'function' ? fn : name;
  });
}

/** Compiles `model` as Keras `compile(loss, optimizer, metrics)` would. */
export function compileModel(model: tfl.LayersModel, spec: ResolvedSpec): tf.Optimizer {
  const optimizer = makeOptimizer(spec.compile.optimizer);
  model.compile({ optimizer, loss: makeLoss(spec.compile.loss) as string, metrics: makeMetrics(spec) });
  return optimizer;
}
