/**
 * Training health: what the engine measures per weighted layer at a sampled step, and the
 * diagnoses drawn from those samples. The trainer sends each sample as a `health` message, writes
 * it to the run's `health.jsonl`, and puts a summary in `result.json`; the CLI, the panel's
 * Health view and the editor read these shapes. Pure data, no code.
 */
import type { Json } from '../registry/types';

/** The signed range and bin count of every activation histogram, so heatmaps over time line up. */
export const HEALTH_HISTOGRAM = { min: -3, max: 3, bins: 40 } as const;

/** One weighted layer's statistics at one sampled step; null where a statistic does not apply. */
export interface LayerHealth {
  /** The Keras layer name, as in the summary. */
  name: string;
  /** Its Keras class: Dense, Conv2D, ... */
  type: string;
  /** The activation its output goes through (a following Activation/LeakyReLU layer folded in): `relu`, `sigmoid`, `linear`, ... */
  activation: string;
  /** L2 norm of the loss gradient with respect to the layer's kernel for the sampled batch (without regularization terms). */
  gradientNorm: number | null;
  /** L2 norm of the kernel before the step. */
  weightNorm: number | null;
  /** ||Δkernel|| / ||kernel|| for the step (about 1e-3 is healthy); null when the layer is frozen. */
  updateRatio: number | null;
  /** Mean and standard deviation of the layer's output (after its activation) over the batch. */
  activationMean: number | null;
  activationStd: number | null;
  /**
   * Fraction of outputs in the flat part of a saturating activation: sigmoid < 0.02 or > 0.98,
   * hard_sigmoid 0 or 1, tanh and softsign |a| > 0.97; null for other activations.
   */
  saturation: number | null;
  /** ReLU family (relu, relu6, elu is not): fraction of units that output 0 for every example of the sampled batch; null for other activations. */
  deadFraction: number | null;
  /** NaN or infinite values in the layer's outputs and gradients. */
  nonFinite: number;
  /** How many of `nonFinite` are outputs (a NaN flows back into every layer's gradient, so outputs say where it began). */
  nonFiniteOutputs?: number;
  /** Counts of the outputs in HEALTH_HISTOGRAM's bins (values outside the range go to the end bins). */
  histogram: number[];
}

/** What a softmax classifier's first batch says about its initialization. */
export interface InitialLoss {
  /** The first batch's loss. */
  loss: number;
  /** ln(number of classes): the loss of a classifier that predicts every class equally. */
  expected: number;
}

/** One sampled step: every weighted layer's statistics, in model order. */
export interface HealthSample {
  /** 0-based epoch, and the 1-based count of batches done in it (this step included). */
  epoch: number;
  step: number;
  /** Batches trained since the run began (this one included). */
  globalStep: number;
  /** This batch's loss. */
  loss: number;
  /** The learning rate the step used. */
  learningRate: number;
  layers: LayerHealth[];
  /** The first sample of a softmax classifier: its loss against ln(classes). */
  initialLoss?: InitialLoss;
}

/** Stable codes of the health diagnoses. */
export type HealthCode =
  | 'vanishing-gradients'
  | 'exploding-gradients'
  | 'saturation'
  | 'dead-units'
  | 'learning-rate-high'
  | 'learning-rate-low'
  | 'initial-loss';

/**
 * A fix as edits to the spec file's JSON: each sets the value at a JSON path (object keys and
 * array indices from the root of the spec file, e.g. `["layers", 2, "kernel_initializer"]`, or
 * `["variants", 1, "layer_defaults", "Dense", "activation"]` for a variant's run), creating
 * missing objects on the way. The editor applies them as one workspace edit.
 */
export interface HealthFix {
  /** What the fix does, as a quick-fix title: `Use he_normal for dense_1`. */
  title: string;
  edits: { path: (string | number)[]; value: Json }[];
}

/** One problem found in the samples, in the notebook's terms. */
export interface HealthDiagnosis {
  code: HealthCode;
  /** `warning` for a real problem, `info` for a hint. */
  severity: 'warning' | 'info';
  /** The layer it is about, or null for the whole model (learning rate, initial loss). */
  layer: string | null;
  /** 1-based epoch in which it was first seen. */
  epoch: number;
  /** What is wrong and why, e.g. "dense_1's gradient is 1e-6 of the output layer's: the sigmoids above it are saturated, so it barely learns." */
  message: string;
  /** The change to the spec that addresses it, when there is one. */
  fix: HealthFix | null;
}

/** `result.json`'s `health`: each layer as of the last sample, and every diagnosis of the run. */
export interface HealthSummary {
  /** The last sample's layers, without histograms. */
  layers: Omit<LayerHealth, 'histogram'>[];
  diagnoses: HealthDiagnosis[];
  /** The layer whose outputs or gradients went NaN/Inf first, when any did. */
  firstNonFinite?: { layer: string; epoch: number; step: number };
}
