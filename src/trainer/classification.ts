/**
 * What a classifier gets right and wrong on the test split: the confusion matrix and the most
 * confidently misclassified examples (with their images), for the panel and `result.json`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BUILTIN_DATASETS } from '../core/data/dataSpec';
import type { Split } from '../core/data/load';
import { lookupLoss } from '../core/registry';
import type { ResolvedSpec } from '../core/resolve';
import type { Classification, Misclassified } from '../shared/trainerProtocol';

/** How many misclassified examples to keep. */
export const MISCLASSIFIED_KEPT = 24;

/** The test split's confusion matrix and worst mistakes, or undefined when the model is not a classifier. */
export function classify(model: tfl.LayersModel, split: Split, spec: ResolvedSpec): Classification | undefined {
  const family = lookupLoss(spec.compile.loss.type)?.family;
  const last = spec.layers[spec.layers.length - 1].outputShape;
  const units = last[last.length - 1] as number;
  if (last.length !== 2 || !family || family === 'regression') return undefined;
  const binary = family === 'binary';
  if (binary !== (units === 1)) return undefined;
  const classes = binary ? 2 : units;
  const logits = spec.compile.loss.from_logits === true;
  const labels = trueClasses(split, classes, binary);
  if (!labels) return undefined;

  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const mistakes: Misclassified[] = [];
  const inputShape = spec.layers[0].inputShape.slice(1) as number[];
  const stride = split.exampleShape.reduce((a, b) => a * b, 1);
  const chunk = 1024;
  for (let start = 0; start < split.count; start += chunk) {
    const end = Math.min(split.count, start + chunk);
    const probs = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(start * stride, end * stride), [end - start, ...inputShape], 'float32');
      let y = model.predict(x) as tf.Tensor;
      if (logits) y = binary ? tf.sigmoid(y) : tf.softmax(y);
      return y;
    });
    const p = probs.dataSync();
    probs.dispose();
    for (let i = 0; i < end - start; i++) {
      let predicted: number;
      let confidence: number;
      if (binary) {
        predicted = p[i] >= 0.5 ? 1 : 0;
        confidence = predicted ? p[i] : 1 - p[i];
      } else {
        predicted = 0;
        for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + predicted]) predicted = c;
        confidence = p[i * classes + predicted];
      }
      const label = labels[start + i];
      matrix[label][predicted]++;
      if (label !== predicted) keepWorst(mistakes, { index: start + i, label, predicted, confidence });
    }
  }
  for (const m of mistakes) {
    const image = toImage(split, m.index);
    if (image) m.image = image;
  }
  return { matrix, classNames: classNames(spec, classes), misclassified: mistakes };
}

/** Class ids of the split's labels (argmax of one-hot rows), or undefined when they are not classes. */
function trueClasses(split: Split, classes: number, binary: boolean): Int32Array | undefined {
  if (split.y instanceof Int32Array) return split.y;
  const width = split.labelShape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(split.count);
  for (let i = 0; i < split.count; i++) {
    if (binary) {
      out[i] = split.y[i] >= 0.5 ? 1 : 0;
      continue;
    }
    if (width !== classes) return undefined;
    let best = 0;
    for (let c = 1; c < classes; c++) if (split.y[i * width + c] > split.y[i * width + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Keeps the `MISCLASSIFIED_KEPT` most confident mistakes, most confident first. */
function keepWorst(list: Misclassified[], m: Misclassified): void {
  if (list.length === MISCLASSIFIED_KEPT && m.confidence <= list[list.length - 1].confidence) return;
  let i = list.length;
  while (i > 0 && list[i - 1].confidence < m.confidence) i--;
  list.splice(i, 0, m);
  if (list.length > MISCLASSIFIED_KEPT) list.pop();
}

function classNames(spec: ResolvedSpec, classes: number): string[] {
  const builtin = spec.data?.dataset ? BUILTIN_DATASETS[spec.data.dataset]?.classNames : undefined;
  if (builtin && builtin.length === classes) return [...builtin];
  return Array.from({ length: classes }, (_, i) => String(i));
}

/**
 * The example as 8-bit pixels when it is an image: (h, w), (h, w, 1|3), or a flat square.
 * Each image is stretched to 0-255 on its own, so any `scale` or normalization displays well.
 */
function toImage(split: Split, index: number): Misclassified['image'] {
  const shape = split.exampleShape;
  let h: number; let w: number; let channels: 1 | 3 = 1;
  if (shape.length === 2) [h, w] = shape;
  else if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) { [h, w] = shape; channels = shape[2]; }
  else if (shape.length === 1 && Number.isInteger(Math.sqrt(shape[0])) && shape[0] >= 16) h = w = Math.sqrt(shape[0]);
  else return undefined;
  const size = h * w * channels;
  const px = split.x.subarray(index * size, (index + 1) * size);
  let lo = Infinity; let hi = -Infinity;
  for (const v of px) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi > lo ? hi - lo : 1;
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.round(((px[i] - lo) / span) * 255);
  return { width: w, height: h, channels, data: bytes.toString('base64') };
}
