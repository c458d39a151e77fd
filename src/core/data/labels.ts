import { NumericArray, shapeToString } from './ndarray';

/** The parts of a split that {@link checkLabelsFit} looks at. */
export interface LabelledSplit {
  y: NumericArray;
  count: number;
  labelShape: number[];
  /** The file the labels came from, named in the message. */
  labelFile: string;
  /** Index in `labelFile` of the split's first example (validation `first` shifts training). */
  firstIndex: number;
}

function normaliseLoss(loss: string): string {
  return loss.replace(/_/g, '').toLowerCase();
}

/** First label (if any) failing `bad`, and how many fail. */
function firstBad(y: NumericArray, bad: (v: number) => boolean): { index: number; value: number; count: number } | undefined {
  let index = -1;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    const v = Number(y[i]);
    if (bad(v)) {
      if (index < 0) index = i;
      count++;
    }
  }
  return index < 0 ? undefined : { index, value: Number(y[index]), count };
}

/**
 * Checks that a split's labels suit a model whose last layer has `numOutputs` units, trained
 * with the loss `lossName` (Keras spelling, e.g. `sparse_categorical_crossentropy` or
 * `SparseCategoricalCrossentropy`). Returns a message for the user naming the label file and
 * example, e.g. `label 10 out of range for a last layer of 10 units (file …, example 7) …`,
 * or undefined when the labels fit.
 */
export function checkLabelsFit(split: LabelledSplit, numOutputs: number, lossName: string): string | undefined {
  const loss = normaliseLoss(lossName);
  const perExample = split.labelShape.reduce((a, b) => a * b, 1);
  const where = (i: number): string => `file ${split.labelFile}, example ${split.firstIndex + Math.floor(i / perExample)}`;
  const more = (n: number): string => (n > 1 ? ` (${n - 1} more label values like it)` : '');
  const scalarLabels = split.labelShape.length === 0 || (split.labelShape.length === 1 && split.labelShape[0] === 1);

  if (loss === 'sparsecategoricalcrossentropy') {
    if (!scalarLabels) {
      return (
        `${lossName} needs one class id per example, but the labels have shape ${shapeToString(split.labelShape)} per example ` +
        `(file ${split.labelFile}); for one-hot labels use categorical_crossentropy`
      );
    }
    const frac = firstBad(split.y, (v) => !Number.isInteger(v));
    if (frac) {
      return `label ${frac.value} is not a whole number (${where(frac.index)})${more(frac.count)}; ${lossName} needs class ids 0..${numOutputs - 1}`;
    }
    const neg = firstBad(split.y, (v) => v < 0);
    if (neg) {
      return `label ${neg.value} is negative (${where(neg.index)})${more(neg.count)}; ${lossName} needs class ids 0..${numOutputs - 1}`;
    }
    const big = firstBad(split.y, (v) => v >= numOutputs);
    if (big) {
      let max = 0;
      for (let i = 0; i < split.y.length; i++) max = Math.max(max, Number(split.y[i]));
      return (
        `label ${big.value} out of range for a last layer of ${numOutputs} units (${where(big.index)})${more(big.count)}; ` +
        `class ids must be 0..${numOutputs - 1}: give the last layer ${max + 1} units, or fix the labels`
      );
    }
    return undefined;
  }

  if (loss === 'categoricalcrossentropy') {
    if (scalarLabels && numOutputs > 1) {
      return (
        `${lossName} needs one-hot labels of length ${numOutputs}, but the labels are class ids (one number per example, ` +
        `file ${split.labelFile}); use sparse_categorical_crossentropy, or one-hot encode the labels`
      );
    }
    if (perExample !== numOutputs) {
      return `the labels have shape ${shapeToString(split.labelShape)} per example (file ${split.labelFile}) but the last layer has ${numOutputs} units`;
    }
    return undefined;
  }

  if (perExample !== numOutputs) {
    return (
      `the labels have ${perExample} value(s) per example (shape ${shapeToString(split.labelShape)}, file ${split.labelFile}) ` +
      `but the last layer has ${numOutputs} unit(s)${loss === 'binarycrossentropy' && numOutputs > 1 && scalarLabels ? '; for several classes use sparse_categorical_crossentropy with a softmax layer' : ''}`
    );
  }
  if (loss === 'binarycrossentropy') {
    const out = firstBad(split.y, (v) => !(v >= 0 && v <= 1));
    if (out) return `label ${out.value} is outside 0..1 (${where(out.index)})${more(out.count)}; ${lossName} needs labels 0 or 1`;
  }
  return undefined;
}
