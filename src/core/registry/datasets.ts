/**
 * The built-in datasets (`"dataset": "mnist"`), like `tf.keras.datasets`: the only list of their
 * names (each entry is keyed by one). The spec schema, validation, the loader and the trainer's class names read it; the
 * download sources in core/data/builtin.ts are keyed by the same names (the type checks they match).
 */

/** The names `"dataset"` accepts, in the order the schema lists them. */
export const BUILTIN_DATASET_NAMES = ['mnist', 'fashion_mnist'] as const;

/** A built-in dataset's name. */
export type BuiltinDatasetName = (typeof BUILTIN_DATASET_NAMES)[number];

/** What the core knows about a built-in dataset without loading it. */
export interface BuiltinDatasetInfo {
  name: BuiltinDatasetName;
  doc: string;
  /** A few words for completion lists (`MNIST digits, 28x28 grey, 10 classes.`). */
  summary: string;
  exampleShape: number[];
  numClasses: number;
  /** Class labels in index order. */
  classNames: readonly string[];
  trainCount: number;
  testCount: number;
}

/** Each built-in dataset (a `Record`, so the type checker wants every name). */
export const BUILTIN_DATASETS: Readonly<Record<BuiltinDatasetName, BuiltinDatasetInfo>> = {
  mnist: {
    name: 'mnist',
    summary: 'MNIST digits, 28x28 grey, 10 classes.',
    doc: 'MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 grey pixels (0-255), 10 classes.',
    exampleShape: [28, 28],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 60000,
    testCount: 10000,
  },
  fashion_mnist: {
    name: 'fashion_mnist',
    summary: 'Fashion-MNIST clothing, 28x28 grey, 10 classes.',
    doc: 'Fashion-MNIST: 60,000 training and 10,000 test images of 28x28 grey clothing pictures (0-255), 10 classes.',
    exampleShape: [28, 28],
    numClasses: 10,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    trainCount: 60000,
    testCount: 10000,
  },
};
