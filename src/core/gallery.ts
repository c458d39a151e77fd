/**
 * The examples gallery: the only list of the specs in `examples/`. New Model Spec and Open
 * Example offer it, the README's table shows it, and a test trains every entry.
 */

/** One example spec of the gallery. */
export interface GalleryExample {
  /** The spec's file in `examples/`. */
  file: string;
  /** A short title for the quick pick. */
  title: string;
  /** One line: what the example shows. */
  description: string;
  /** Files under `examples/` the spec reads by a relative path; they are copied beside it. */
  dataFiles?: readonly string[];
  /** Its built-in dataset is downloaded on first use (the others train offline). */
  downloads?: boolean;
}

/** The gallery, in the order the quick pick lists it. */
export const GALLERY: readonly GalleryExample[] = [
  {
    file: 'mnist-initializers.model.json',
    title: 'Weight initializers',
    description: 'The notebook: one MNIST MLP, five initializer and activation variants, compared.',
  },
  {
    file: 'mnist-early-stopping.model.json',
    title: 'Early stopping and checkpoints',
    description: 'The notebook\'s model_3: stops when val_loss stops improving, keeps the best weights.',
  },
  {
    file: 'mnist-convnet.model.json',
    title: 'MNIST convnet',
    description: 'The Keras MNIST convnet example: Conv2D, MaxPooling2D and Dropout.',
  },
  {
    file: 'regularized-mlp.model.json',
    title: 'Regularized MLP',
    description: 'Dropout, L2 and BatchNormalization against overfitting.',
  },
  {
    file: 'vanishing-gradients.model.json',
    title: 'Vanishing gradients',
    description: 'Sigmoids with large random_normal weights against ReLU, SELU and tanh: what the Health view diagnoses.',
  },
  {
    file: 'fashion-mnist.model.json',
    title: 'Fashion-MNIST',
    description: 'Clothes instead of digits; downloaded on first use (about 30 MB).',
    downloads: true,
  },
  {
    file: 'iris.model.json',
    title: 'Iris from a CSV file',
    description: 'A small classifier on a CSV table shipped with it: how to train on your own data.',
    dataFiles: ['data/iris.csv'],
  },
];
