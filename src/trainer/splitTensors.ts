/** A data split as tensors shaped for the model's input (labels as float32, as tfjs losses want). */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../core/data/load';
import type { ResolvedSpec } from '../core/resolve';

/** The split's examples as `x` (batch + the model's input shape) and its labels as `y`. */
export function splitTensors(split: Split, spec: ResolvedSpec): { x: tf.Tensor; y: tf.Tensor } {
  const inputShape = spec.layers[0].inputShape.slice(1) as number[];
  const x = tf.tensor(split.x, [split.count, ...inputShape], 'float32');
  const y = tf.tensor(split.y instanceof Int32Array ? Float32Array.from(split.y) : split.y, [split.count, ...(split.labelShape.length ? split.labelShape : [1])], 'float32');
  if (!sparseFromLogits(spec)) return { x, y };
  // tfjs accepts [batch, 1] class ids only for its own sparse loss, not for a loss function, so
  // a from_logits sparse loss trains on one-hot rows (makeLoss computes the same cross-entropy).
  const last = spec.layers[spec.layers.length - 1].outputShape;
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32'), last[last.length - 1] as number), 'float32'));
  y.dispose();
  return { x, y: oneHot };
}

/** Whether the spec's loss is sparse categorical cross-entropy on logits. */
export function sparseFromLogits(spec: ResolvedSpec): boolean {
  return spec.compile.loss.type === 'sparse_categorical_crossentropy' && spec.compile.loss.from_logits === true;
}
