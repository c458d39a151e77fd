/** A data split as tensors shaped for the model's input (labels as float32, as tfjs losses want). */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../core/data/load';
import type { ResolvedSpec } from '../core/resolve';

/** The split's examples as `x` (batch + the model's input shape) and its labels as `y`. */
export function splitTensors(split: Split, spec: ResolvedSpec): { x: tf.Tensor; y: tf.Tensor } {
  const inputShape = spec.layers[0].inputShape.slice(1) as number[];
  const x = tf.tensor(split.x, [split.count, ...inputShape], 'float32');
  const y = tf.tensor(split.y instanceof Int32Array ? Float32Array.from(split.y) : split.y, [split.count, ...(split.labelShape.length ? split.labelShape : [1])], 'float32');
  return { x, y };
}
