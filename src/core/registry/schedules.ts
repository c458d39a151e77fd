import type { Field, NamedEntry } from './types';

const initial: Field = { name: 'initial_learning_rate', type: { kind: 'number', min: 0, exclusiveMin: true }, required: true, doc: 'The learning rate at step 0.' };
const decaySteps: Field = { name: 'decay_steps', type: { kind: 'int', min: 1 }, required: true, doc: 'Steps (batches) over which the rate decays.' };
const staircase: Field = { name: 'staircase', type: { kind: 'bool' }, default: false, doc: 'Decay in whole steps of `decay_steps` instead of continuously.' };

/**
 * Keras learning-rate schedules (`keras.optimizers.schedules`), used as an optimizer's
 * `learning_rate`. Keras evaluates them at the optimizer's step count (batches applied so far);
 * the trainer sets the rate before every batch the same way.
 */
export const SCHEDULES: readonly NamedEntry[] = [
  {
    name: 'ExponentialDecay', aliases: [], doc: 'initial_learning_rate * decay_rate ^ (step / decay_steps).',
    args: [initial, decaySteps, { name: 'decay_rate', type: { kind: 'number', min: 0, exclusiveMin: true }, required: true, doc: 'Factor per `decay_steps` steps.' }, staircase],
  },
  {
    name: 'InverseTimeDecay', aliases: [], doc: 'initial_learning_rate / (1 + decay_rate * step / decay_steps).',
    args: [initial, decaySteps, { name: 'decay_rate', type: { kind: 'number', min: 0 }, required: true, doc: 'How fast the rate falls.' }, staircase],
  },
  {
    name: 'PiecewiseConstantDecay', aliases: [], doc: 'values[i] while step <= boundaries[i]; the last value after the last boundary.',
    args: [
      { name: 'boundaries', type: { kind: 'array', items: { kind: 'int', min: 0 }, minItems: 1 }, required: true, doc: 'Increasing step numbers where the rate changes.' },
      { name: 'values', type: { kind: 'array', items: { kind: 'number', min: 0, exclusiveMin: true }, minItems: 2 }, required: true, doc: 'One more rate than there are boundaries.' },
    ],
  },
  {
    name: 'PolynomialDecay', aliases: [], doc: 'Decays from initial_learning_rate to end_learning_rate over decay_steps as (1 - step / decay_steps) ^ power.',
    args: [
      initial, decaySteps,
      { name: 'end_learning_rate', type: { kind: 'number', min: 0 }, default: 0.0001, doc: 'The rate after `decay_steps`.' },
      { name: 'power', type: { kind: 'number', min: 0 }, default: 1, doc: 'Power of the polynomial (1 = linear).' },
      { name: 'cycle', type: { kind: 'bool' }, default: false, doc: 'Restart the decay every `decay_steps` (with a longer period) instead of staying at the end rate.' },
    ],
  },
  {
    name: 'CosineDecay', aliases: [], doc: 'Optional linear warmup, then a cosine curve from the rate down to alpha times it over decay_steps.',
    args: [
      initial, decaySteps,
      { name: 'alpha', type: { kind: 'number', min: 0, max: 1 }, default: 0, doc: 'Final rate as a fraction of the starting rate.' },
      { name: 'warmup_target', type: { kind: 'number', min: 0, exclusiveMin: true }, default: null, doc: 'Rate reached at the end of the warmup (null: no warmup).' },
      { name: 'warmup_steps', type: { kind: 'int', min: 0 }, default: 0, doc: 'Steps of linear warmup from initial_learning_rate to warmup_target.' },
    ],
  },
];
