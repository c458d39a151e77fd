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
import type { Block } from '../core/health/stats';
import type { Classification, Misclassified } from '../shared/trainerProtocol';

/** How many misclassified examples to keep. */
export const MISCLASSIFIED_KEPT = 24;

/**
 * The test split's confusion matrix and worst mistakes, built from the model's outputs batch by
 * batch (whoever computes them: TensorFlow.js's predict, or the fused kernel's evaluation).
 */
export class Classifier {
  private readonly matrix: number[][];
  private readonly mistakes: Misclassified[] = [];

  private constructor(private readonly spec: ResolvedSpec, private readonly split: Split, private readonly classes: number, private readonly binary: boolean, private readonly logits: boolean, private readonly labels: Int32Array) {
    this.matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  /** A classifier for `split`, or undefined when the model is not a classifier. */
  static for(spec: ResolvedSpec, split: Split): Classifier | undefined {
    const family = lookupLoss(spec.compile.loss.type)?.family;
    const last = spec.layers[spec.layers.length - 1].outputShape;
    const units = last[last.length - 1] as number;
    if (last.length !== 2 || !family || family === 'regression') return undefined;
    const binary = family === 'binary';
    if (binary !== (units === 1)) return undefined;
    const classes = binary ? 2 : units;
    const labels = trueClasses(split, classes, binary);
    return labels ? new Classifier(spec, split, classes, binary, spec.compile.loss.from_logits === true, labels) : undefined;
  }

  /** The model's outputs (probabilities, or logits with from_logits) for the split's rows from `first`. */
  add(out: Block, first: number): void {
    for (let r = 0; r < out.rows; r++) {
      const [predicted, confidence] = this.predict(out.data, r * out.stride, out.cols);
      const label = this.labels[first + r];
      this.matrix[label][predicted]++;
      if (label !== predicted) keepWorst(this.mistakes, { index: first + r, label, predicted, confidence });
    }
  }

  /** The class and its probability from one row of outputs at `at`. */
  private predict(p: ArrayLike<number>, at: number, width: number): [number, number] {
    if (this.binary) {
      const prob = this.logits ? 1 / (1 + Math.exp(-p[at])) : p[at];
      return prob >= 0.5 ? [1, prob] : [0, 1 - prob];
    }
    let best = 0;
    for (let c = 1; c < width; c++) if (p[at + c] > p[at + best]) best = c;
    if (!this.logits) return [best, p[at + best]];
    let sum = 0;
    for (let c = 0; c < width; c++) sum += Math.exp(p[at + c] - p[at + best]);
    return [best, 1 / sum];
  }

  result(): Classification {
    for (const m of this.mistakes) {
      const image = toImage(this.split, m.index);
      if (image) m.image = image;
    }
    return { matrix: this.matrix, classNames: classNames(this.spec, this.classes), misclassified: this.mistakes };
  }
}

/** The TensorFlow.js model's outputs for `split`, 1,024 rows at a time. */
export function predictBatches(model: tfl.LayersModel, split: Split, spec: ResolvedSpec, visit: (out: Block, first: number) => void): void {
  const inputShape = spec.layers[0].inputShape.slice(1) as number[];
  const stride = split.exampleShape.reduce((a, b) => a * b, 1);
  const chunk = 1024;
  for (let start = 0; start < split.count; start += chunk) {
    const end = Math.min(split.count, start + chunk);
    const y = tf.tidy(() => model.predict(tf.tensor(split.x.subarray(start * stride, end * stride), [end - start, ...inputShape], 'float32')) as tf.Tensor);
    const data = y.dataSync() as Float32Array;
    const cols = data.length / (end - start);
    y.dispose();
    visit({ data, rows: end - start, cols, stride: cols }, start);
  }
}

/** The test split's confusion matrix and worst mistakes from the TensorFlow.js model, or undefined when it is not a classifier. */
export function classify(model: tfl.LayersModel, split: Split, spec: ResolvedSpec): Classification | undefined {
  const classifier = Classifier.for(spec, split);
  if (!classifier) return undefined;
  predictBatches(model, split, spec, (out, first) => classifier.add(out, first));
  return classifier.result();
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
