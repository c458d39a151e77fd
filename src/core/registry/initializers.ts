import type { Field, InitializerEntry, VarianceScalingPreset } from './types';
import { toClassName } from './names';

const seed: Field = { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed for this initializer; by default it is derived from the spec `seed`.' };

/** A VarianceScaling preset: std or limit from `scale / n`, n from the fans. */
function preset(name: string, varianceScaling: VarianceScalingPreset, doc: string, detail: string): InitializerEntry {
  return { name, aliases: [toClassName(name)], tfjs: name, doc, detail, args: [seed], varianceScaling };
}

/** Weight initializers under their Keras names (Keras accepts `he_normal` and `HeNormal`). */
export const INITIALIZERS: readonly InitializerEntry[] = [
  preset('glorot_uniform', { scale: 1, mode: 'fan_avg', distribution: 'uniform' }, 'Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)). The Keras default for Dense and Conv2D kernels.', 'VarianceScaling(scale=1, mode="fan_avg", distribution="uniform").'),
  preset('glorot_normal', { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' }, 'Glorot (Xavier) normal: truncated normal with std sqrt(2 / (fan_in + fan_out)).', 'VarianceScaling(scale=1, mode="fan_avg", distribution="truncated_normal"): drawn with stddev sqrt(1 / fan_avg) / 0.8796 and cut at 2 stddev, so the result has std sqrt(2 / (fan_in + fan_out)).'),
  preset('he_normal', { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' }, 'He normal: truncated normal with std sqrt(2 / fan_in). Made for ReLU-family activations.', 'VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal"): drawn with stddev sqrt(2 / fan_in) / 0.8796 and cut at 2 stddev, so the result has std sqrt(2 / fan_in). (TensorFlow.js\'s own heNormal omits the 0.8796 correction; Model Spec draws the Keras distribution.)'),
  preset('he_uniform', { scale: 2, mode: 'fan_in', distribution: 'uniform' }, 'He uniform: U(-limit, limit), limit = sqrt(6 / fan_in). Made for ReLU-family activations.', 'VarianceScaling(scale=2, mode="fan_in", distribution="uniform").'),
  preset('lecun_normal', { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' }, 'LeCun normal: truncated normal with std sqrt(1 / fan_in). Pair with selu for self-normalizing networks.', 'VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal"), corrected so the result has std sqrt(1 / fan_in).'),
  preset('lecun_uniform', { scale: 1, mode: 'fan_in', distribution: 'uniform' }, 'LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in).', 'VarianceScaling(scale=1, mode="fan_in", distribution="uniform").'),
  {
    name: 'variance_scaling', aliases: ['VarianceScaling'], tfjs: 'varianceScaling',
    doc: 'Variance scaling: std or limit from scale / n, where n is fan_in, fan_out or their average.',
    args: [
      { name: 'scale', type: { kind: 'number', min: 0, exclusiveMin: true }, default: 1, doc: 'Scaling factor (positive).' },
      { name: 'mode', type: { kind: 'enum', values: ['fan_in', 'fan_out', 'fan_avg'] }, default: 'fan_in', doc: 'Which fan n is: fan_in, fan_out or fan_avg.' },
      { name: 'distribution', type: { kind: 'enum', values: ['truncated_normal', 'untruncated_normal', 'uniform', 'normal'] }, default: 'truncated_normal', doc: 'truncated_normal (alias normal), untruncated_normal or uniform.' },
      seed,
    ],
  },
  {
    name: 'random_normal', aliases: ['RandomNormal'], tfjs: 'randomNormal', doc: 'Normal distribution N(mean, stddev).',
    args: [
      { name: 'mean', type: { kind: 'number' }, default: 0, doc: 'Mean of the distribution.' },
      { name: 'stddev', type: { kind: 'number', min: 0 }, default: 0.05, doc: 'Standard deviation.' },
      seed,
    ],
  },
  {
    name: 'random_uniform', aliases: ['RandomUniform'], tfjs: 'randomUniform', doc: 'Uniform distribution U(minval, maxval).',
    args: [
      { name: 'minval', type: { kind: 'number' }, default: -0.05, doc: 'Lower bound.' },
      { name: 'maxval', type: { kind: 'number' }, default: 0.05, doc: 'Upper bound.' },
      seed,
    ],
  },
  {
    name: 'truncated_normal', aliases: ['TruncatedNormal'], tfjs: 'truncatedNormal', doc: 'Normal N(mean, stddev) with values beyond 2 stddev re-drawn.',
    args: [
      { name: 'mean', type: { kind: 'number' }, default: 0, doc: 'Mean of the distribution.' },
      { name: 'stddev', type: { kind: 'number', min: 0 }, default: 0.05, doc: 'Standard deviation before truncation.' },
      seed,
    ],
  },
  { name: 'zeros', aliases: ['Zeros'], tfjs: 'zeros', args: [], doc: 'All zeros. The Keras default for biases.' },
  { name: 'ones', aliases: ['Ones'], tfjs: 'ones', args: [], doc: 'All ones.' },
  {
    name: 'constant', aliases: ['Constant'], tfjs: 'constant', doc: 'A constant value.',
    args: [{ name: 'value', type: { kind: 'number' }, default: 0, doc: 'The value.' }],
  },
  {
    name: 'orthogonal', aliases: ['Orthogonal'], tfjs: 'orthogonal', doc: 'A random orthogonal matrix (times gain).',
    args: [{ name: 'gain', type: { kind: 'number' }, default: 1, doc: 'Multiplicative factor.' }, seed],
  },
  {
    name: 'identity', aliases: ['Identity'], tfjs: 'identity', doc: 'The identity matrix (times gain); 2-D kernels only.',
    args: [{ name: 'gain', type: { kind: 'number' }, default: 1, doc: 'Multiplicative factor.' }],
  },
];
