import type { ActivationEntry } from './types';

/**
 * Activation functions, under their Keras names, that TensorFlow.js can train with. Adding one is
 * an entry here plus its maths (tfjs has it; for the fused kernel, a dense.c case and a code).
 */
export const ACTIVATIONS: readonly ActivationEntry[] = [
  { name: 'linear', aliases: [], tfjs: 'linear', family: 'other', fusedKernel: { code: 0 }, commutesWithDropout: true, args: [], doc: 'Identity: returns its input unchanged (no activation).' },
  { name: 'relu', aliases: [], tfjs: 'relu', family: 'relu', fusedKernel: { code: 1 }, commutesWithDropout: true, args: [], doc: 'Rectified linear unit: max(x, 0). The default choice for hidden layers; pair with he_normal.' },
  { name: 'relu6', aliases: [], tfjs: 'relu6', family: 'relu', fusedKernel: { code: 8 }, args: [], doc: 'ReLU capped at 6: min(max(x, 0), 6).' },
  { name: 'elu', aliases: [], tfjs: 'elu', family: 'relu', fusedKernel: { code: 2 }, args: [], doc: 'Exponential linear unit: x if x > 0 else exp(x) - 1. Smooth, negative outputs push mean activations towards 0.' },
  { name: 'selu', aliases: [], tfjs: 'selu', family: 'selu', fusedKernel: { code: 3 }, args: [], doc: 'Scaled ELU: self-normalizing when paired with lecun_normal initialization (and AlphaDropout).', detail: 'scale * (x if x > 0 else alpha * (exp(x) - 1)), alpha = 1.67326, scale = 1.05070.' },
  { name: 'sigmoid', aliases: [], tfjs: 'sigmoid', family: 'saturating', fusedKernel: { code: 4 }, args: [], doc: 'Logistic sigmoid: 1 / (1 + exp(-x)). Saturates for large |x|, so gradients vanish in deep stacks; use for a binary output.' },
  { name: 'hard_sigmoid', aliases: [], tfjs: 'hardSigmoid', family: 'other', fusedKernel: { code: 9 }, args: [], doc: 'Piecewise-linear approximation of sigmoid.', detail: 'TensorFlow.js computes the Keras 2 form clip(0.2 x + 0.5, 0, 1); Keras 3 uses relu6(x + 3) / 6.' },
  { name: 'tanh', aliases: [], tfjs: 'tanh', family: 'saturating', fusedKernel: { code: 5 }, args: [], doc: 'Hyperbolic tangent, output in (-1, 1). Saturates like sigmoid; pair with glorot initializers.' },
  { name: 'softmax', aliases: [], tfjs: 'softmax', family: 'other', fusedKernel: { code: 6 }, args: [], doc: 'Normalizes the last axis into class probabilities that sum to 1. Use on the output layer with categorical cross-entropy.' },
  { name: 'softplus', aliases: [], tfjs: 'softplus', family: 'relu', fusedKernel: { code: 10 }, args: [], doc: 'log(exp(x) + 1): a smooth ReLU.' },
  { name: 'softsign', aliases: [], tfjs: 'softsign', family: 'other', fusedKernel: { code: 11 }, args: [], doc: 'x / (|x| + 1).' },
  { name: 'swish', aliases: ['silu'], tfjs: 'swish', family: 'relu', fusedKernel: { code: 12 }, args: [], doc: 'Swish / SiLU: x * sigmoid(x).' },
  { name: 'mish', aliases: [], tfjs: 'mish', family: 'relu', fusedKernel: { code: 13 }, args: [], doc: 'Mish: x * tanh(softplus(x)).' },
  { name: 'gelu', aliases: [], tfjs: 'gelu', family: 'relu', fusedKernel: { code: 14 }, args: [], doc: 'Gaussian error linear unit: x * P(X <= x) for X ~ N(0, 1).' },
];
