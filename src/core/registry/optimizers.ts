import type { Field, OptimizerEntry } from './types';

const lr = (d: number): Field => ({
  name: 'learning_rate',
  type: { kind: 'oneOf', options: [{ kind: 'number', min: 0, exclusiveMin: true }, { kind: 'ref', ref: 'schedule' }] },
  default: d,
  doc: `Step size (Keras default ${d}), or a learning-rate schedule such as { "type": "ExponentialDecay", ... }.`,
});
const eps: Field = { name: 'epsilon', type: { kind: 'number', min: 0 }, default: 1e-7, doc: 'Small constant for numerical stability.' };
const beta1: Field = { name: 'beta_1', type: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, default: 0.9, doc: 'Decay rate of the first-moment estimates.' };
const beta2: Field = { name: 'beta_2', type: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, default: 0.999, doc: 'Decay rate of the second-moment estimates.' };

/** Optimizers under their Keras names (`SGD` or `sgd`); a string or `{ "type": "SGD", ...args }`. */
export const OPTIMIZERS: readonly OptimizerEntry[] = [
  {
    name: 'SGD', aliases: ['sgd'], tfjs: 'sgd', slots: 0, slotArgs: ['momentum'], fusedKernel: { code: 0, momentumCode: 1 },
    doc: 'Stochastic gradient descent, with optional momentum and Nesterov momentum.',
    args: [
      lr(0.01),
      { name: 'momentum', type: { kind: 'number', min: 0 }, default: 0, doc: 'Momentum (0 = plain SGD).' },
      { name: 'nesterov', type: { kind: 'bool' }, default: false, doc: 'Use Nesterov momentum.' },
    ],
  },
  {
    name: 'RMSprop', aliases: ['rmsprop'], tfjs: 'rmsprop', slots: 1, slotArgs: ['momentum', 'centered'], fusedKernel: { code: 3, centeredCode: 7 },
    doc: 'RMSprop: divides the gradient by a running average of its magnitude.',
    args: [
      lr(0.001),
      { name: 'rho', type: { kind: 'number', min: 0, max: 1 }, default: 0.9, doc: 'Discounting factor for the gradient history.' },
      { name: 'momentum', type: { kind: 'number', min: 0 }, default: 0, doc: 'Momentum.' },
      eps,
      { name: 'centered', type: { kind: 'bool' }, default: false, doc: 'Normalize by the estimated variance of the gradient.' },
    ],
  },
  { name: 'Adam', aliases: ['adam'], tfjs: 'adam', slots: 2, slotArgs: [], fusedKernel: { code: 2 }, doc: 'Adam: adaptive moment estimation.', args: [lr(0.001), beta1, beta2, eps] },
  { name: 'Adamax', aliases: ['adamax'], tfjs: 'adamax', slots: 2, slotArgs: [], fusedKernel: { code: 4 }, doc: 'Adamax: Adam with the infinity norm.', args: [lr(0.001), beta1, beta2, eps] },
  {
    name: 'Adagrad', aliases: ['adagrad'], tfjs: 'adagrad', slots: 1, slotArgs: [], fusedKernel: { code: 5 }, doc: 'Adagrad: per-parameter rates adapted to how often each is updated.',
    args: [lr(0.001), { name: 'initial_accumulator_value', type: { kind: 'number', min: 0 }, default: 0.1, doc: 'Starting value of the accumulators.' }, eps],
  },
  {
    name: 'Adadelta', aliases: ['adadelta'], tfjs: 'adadelta', slots: 2, slotArgs: [], fusedKernel: { code: 6 }, doc: 'Adadelta: adaptive learning rate from a moving window of updates.',
    args: [lr(0.001), { name: 'rho', type: { kind: 'number', min: 0, max: 1 }, default: 0.95, doc: 'Decay rate.' }, eps],
  },
  // Keras 3's AdamW and Nadam: TensorFlow.js has neither (no `tfjs`), so only the fused kernel trains them.
  {
    name: 'AdamW', aliases: ['adamw'], slots: 2, slotArgs: [], fusedKernel: { code: 8 },
    doc: 'AdamW: Adam with decoupled weight decay (Keras 3). Trains on the fused WebAssembly engine only.',
    detail: 'Each step first decays every trainable weight, `w -= learning_rate * weight_decay * w`, then takes the Adam step. TensorFlow.js has no AdamW: specs using it train on the fused engine (Dense stacks and convnets).',
    args: [
      lr(0.001),
      { name: 'weight_decay', type: { kind: 'number', min: 0 }, default: 0.004, doc: 'Decoupled weight decay: each step subtracts learning_rate * weight_decay * w from every weight.' },
      beta1, beta2, eps,
    ],
  },
  {
    name: 'Nadam', aliases: ['nadam'], slots: 2, slotArgs: [], fusedKernel: { code: 9 },
    doc: 'Nadam: Adam with Nesterov momentum (Keras 3). Trains on the fused WebAssembly engine only.',
    detail: "Adam whose first moment looks one step ahead, with Keras's momentum schedule `beta_1 * (1 - 0.5 * 0.96^t)`. TensorFlow.js has no Nadam: specs using it train on the fused engine (Dense stacks and convnets).",
    args: [lr(0.001), beta1, beta2, eps],
  },
];
