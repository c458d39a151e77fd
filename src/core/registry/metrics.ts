import type { MetricEntry } from './types';

/**
 * Metrics under their Keras names. As in Keras, a metric is logged under the name the user
 * wrote (`accuracy`, `val_accuracy`); the trainer maps TensorFlow.js's names (`acc`) back.
 */
export const METRICS: readonly MetricEntry[] = [
  { name: 'accuracy', aliases: ['acc'], direction: 'max', fusedKernel: true, args: [], doc: 'Fraction of correct predictions; Keras picks the binary, categorical or sparse variant from the loss.' },
  { name: 'sparse_categorical_accuracy', aliases: ['SparseCategoricalAccuracy'], tfjs: 'sparseCategoricalAccuracy', direction: 'max', fusedKernel: true, args: [], doc: 'Accuracy for integer class labels against class probabilities.' },
  { name: 'categorical_accuracy', aliases: ['CategoricalAccuracy'], tfjs: 'categoricalAccuracy', direction: 'max', fusedKernel: true, args: [], doc: 'Accuracy for one-hot labels against class probabilities.' },
  { name: 'binary_accuracy', aliases: ['BinaryAccuracy'], tfjs: 'binaryAccuracy', direction: 'max', fusedKernel: true, args: [], doc: 'Accuracy for 0/1 targets, thresholding predictions at 0.5.' },
  { name: 'precision', aliases: ['Precision'], tfjs: 'precision', direction: 'max', fusedKernel: true, args: [], doc: 'Precision for binary targets: true positives / predicted positives, a prediction above 0.5 counting as positive.' },
  { name: 'recall', aliases: ['Recall'], tfjs: 'recall', direction: 'max', fusedKernel: true, args: [], doc: 'Recall for binary targets: true positives / actual positives, a prediction above 0.5 counting as positive.' },
  { name: 'mean_squared_error', aliases: ['mse', 'MeanSquaredError'], tfjs: 'meanSquaredError', direction: 'min', fusedKernel: true, args: [], doc: 'Mean of squared differences.' },
  { name: 'mean_absolute_error', aliases: ['mae', 'MeanAbsoluteError'], tfjs: 'meanAbsoluteError', direction: 'min', fusedKernel: true, args: [], doc: 'Mean of absolute differences.' },
  { name: 'mean_absolute_percentage_error', aliases: ['mape', 'MeanAbsolutePercentageError'], tfjs: 'meanAbsolutePercentageError', direction: 'min', fusedKernel: true, args: [], doc: 'Mean absolute percentage error.' },
  { name: 'sparse_categorical_crossentropy', aliases: ['SparseCategoricalCrossentropy'], tfjs: 'sparseCategoricalCrossentropy', direction: 'min', fusedKernel: true, args: [], doc: 'Cross-entropy for integer class labels, as a metric.' },
  { name: 'categorical_crossentropy', aliases: ['CategoricalCrossentropy'], tfjs: 'categoricalCrossentropy', direction: 'min', fusedKernel: true, args: [], doc: 'Cross-entropy for one-hot labels, as a metric.' },
  { name: 'binary_crossentropy', aliases: ['BinaryCrossentropy'], tfjs: 'binaryCrossentropy', direction: 'min', fusedKernel: true, args: [], doc: 'Binary cross-entropy, as a metric.' },
];
