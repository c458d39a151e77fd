import type { Direction, Field, FusedKernelCode, NamedEntry } from './types';
import { toClassName } from './names';

const fromLogits: Field = { name: 'from_logits', type: { kind: 'bool' }, default: false, doc: 'Whether predictions are logits (no softmax/sigmoid applied) rather than probabilities.' };

/**
 * How a loss relates to the model's output and labels, for shape checks:
 * `sparse` wants integer class ids and one unit per class; `categorical` wants one-hot rows;
 * `binary` wants one sigmoid unit per target; `regression` compares values.
 */
export type LossFamily = 'sparse' | 'categorical' | 'binary' | 'regression';

export interface LossEntry extends NamedEntry {
  family: LossFamily;
  /** Training minimizes every loss (`cosine_similarity` is the negated similarity). */
  direction: Direction;
  fusedKernel?: FusedKernelCode;
  /** Takes any real-valued class scores (categorical_hinge), where the family's other losses take probabilities. */
  scores?: true;
}

function loss(name: string, family: LossFamily, tfjs: string, doc: string, extra: string[] = [], args: Field[] = [], kernel?: number): LossEntry {
  return { name, aliases: [toClassName(name), ...extra], tfjs, doc, args, family, direction: 'min', ...(kernel === undefined ? {} : { fusedKernel: { code: kernel } }) };
}

/** Losses under their Keras names (`sparse_categorical_crossentropy` or `SparseCategoricalCrossentropy`). */
export const LOSSES: readonly LossEntry[] = [
  loss('sparse_categorical_crossentropy', 'sparse', 'sparseCategoricalCrossentropy', 'Cross-entropy between integer class labels and predicted class probabilities (one output unit per class).', [], [fromLogits], 0),
  loss('categorical_crossentropy', 'categorical', 'categoricalCrossentropy', 'Cross-entropy between one-hot labels and predicted class probabilities.', [], [fromLogits], 1),
  loss('binary_crossentropy', 'binary', 'binaryCrossentropy', 'Cross-entropy for 0/1 targets and sigmoid outputs.', [], [fromLogits], 2),
  loss('mean_squared_error', 'regression', 'meanSquaredError', 'Mean of squared differences.', ['mse'], [], 3),
  loss('mean_absolute_error', 'regression', 'meanAbsoluteError', 'Mean of absolute differences.', ['mae'], [], 4),
  loss('mean_absolute_percentage_error', 'regression', 'meanAbsolutePercentageError', 'Mean absolute percentage error.', ['mape'], [], 5),
  loss('mean_squared_logarithmic_error', 'regression', 'meanSquaredLogarithmicError', 'Mean squared difference of log(1 + x).', ['msle'], [], 6),
  loss('hinge', 'binary', 'hinge', 'Hinge loss for -1/1 targets: mean(max(0, 1 - target * prediction)). Labels that are all 0 or 1 are taken as -1 and 1, as Keras does.', [], [], 7),
  loss('squared_hinge', 'binary', 'squaredHinge', 'Squared hinge loss for -1/1 targets: mean(max(0, 1 - target * prediction)^2). Labels that are all 0 or 1 are taken as -1 and 1, as Keras does.', [], [], 8),
  { ...loss('categorical_hinge', 'categorical', 'categoricalHinge', 'Hinge loss for one-hot targets on any class scores: mean(max(0, 1 + max(wrong class score) - true class score)).', [], [], 9), scores: true },
  loss('log_cosh', 'regression', 'logcosh', 'log(cosh(prediction - target)): like MSE for small errors, like MAE for large ones.', ['logcosh'], [], 10),
  loss('kl_divergence', 'categorical', 'kullbackLeiblerDivergence', 'Kullback-Leibler divergence between target and predicted distributions.', ['KLDivergence', 'kld', 'kullback_leibler_divergence'], [], 11),
  loss('poisson', 'regression', 'poisson', 'Poisson loss: mean(prediction - target * log(prediction)).', [], [], 12),
  loss('cosine_similarity', 'regression', 'cosineProximity', 'Negative cosine similarity between targets and predictions.', [], [], 13),
];
