/**
 * Keras metrics Model Spec has no entry for, with the direction Keras 3 gives them
 * (`Metric._direction`). A monitor, or a past run's history, may still name one (`val_auc`), and
 * it is judged the way Keras judges it. The directions of Model Spec's own metrics are on their
 * registry entries; a test checks that no name here is also a registry metric.
 */
import type { Direction } from './types';
import { toSnakeCase } from './names';

/** Keras metric classes whose `_direction` is "up" (better when larger). */
const UP_CLASSES = [
  'TopKCategoricalAccuracy',
  'SparseTopKCategoricalAccuracy',
  'PrecisionAtRecall',
  'RecallAtPrecision',
  'SensitivityAtSpecificity',
  'SpecificityAtSensitivity',
  'AUC',
  'PearsonCorrelation',
  'ConcordanceCorrelation',
  'FBetaScore',
  'F1Score',
  'IoU',
  'BinaryIoU',
  'MeanIoU',
  'OneHotIoU',
  'OneHotMeanIoU',
  'CosineSimilarity',
  'R2Score',
];

/** Keras metric classes whose `_direction` is "down", set directly or because they wrap a Keras loss. */
const DOWN_CLASSES = [
  'Hinge',
  'SquaredHinge',
  'CategoricalHinge',
  'KLDivergence',
  'Poisson',
  'MeanSquaredLogarithmicError',
  'RootMeanSquaredError',
  'LogCoshError',
];

/** Short aliases of keras.metrics.get (case-sensitive, as in Keras) that are not registry spellings. */
const DOWN_ALIASES = ['bce', 'BCE', 'MSE', 'MAE', 'MAPE', 'msle', 'MSLE'];

/** Keras class name and its snake_case identifier, both with `direction`. */
const both = (direction: Direction) => (c: string): [string, Direction][] => [[c, direction], [toSnakeCase(c), direction]];

/** Keras-only metric spellings -> direction. */
export const KERAS_ONLY_METRICS: ReadonlyMap<string, Direction> = new Map<string, Direction>([
  ...UP_CLASSES.flatMap(both('max')),
  ...DOWN_CLASSES.flatMap(both('min')),
  ...DOWN_ALIASES.map((a): [string, Direction] => [a, 'min']),
]);
