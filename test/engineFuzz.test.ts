/**
 * Differential fuzz test of the fused kernel against TensorFlow.js: random small specs (random
 * stacks, activations, BatchNormalization, a random convolutional front on some, every
 * optimizer, every registry loss (the cross-entropies with and without logits), on its own output activation or another),
 * a few steps on both engines from the same weights. Both must give the same numbers, or both
 * must reach a non-finite loss at the same step. In extreme cases too (initializers with large
 * stddevs, learning rate 1, inputs in the thousands) a cross-entropy is never negative.
 *
 * Seeded (mulberry32), so a failure repeats: ENGINE_FUZZ_SEED=<seed>, ENGINE_FUZZ_COUNT=<specs>.
 */
import * as assert from 'assert';
import type { Split } from '../src/core/data/load';
import { ACTIVATIONS, LOSSES, lookupLoss } from '../src/core/registry';
import type { ResolvedSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { compare, denseSpec, randomSplit, type Comparison } from './kernelCompare';
import { mulberry32 } from './helpers';

const SEED = Number(process.env.ENGINE_FUZZ_SEED ?? 0x0f0220) >>> 0;
const COUNT = Number(process.env.ENGINE_FUZZ_COUNT ?? 200);
const STEPS = 3;
/** Relative: float32 rounding through a few steps of a small random network. */
const TOLERANCE = 3e-3;
const BATCH = 8;

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

/** Hidden activations whose gradient is smooth enough to compare after large steps (relu's kinks too). */
const HIDDEN_ACTIVATIONS = ACTIVATIONS.map((a) => a.name).filter((a) => a !== 'softmax');

/**
 * Every optimizer the kernel has. The adaptive ones get epsilon 1e-3: with the default 1e-7, a
 * gradient of 1e-8 (a saturated tanh, whose 1 - a^2 each engine rounds its own way) becomes a
 * step of lr / 10 whose size is rounding noise, and the weights part ways by more than any
 * tolerance that would still catch a wrong formula.
 */
const OPTIMIZERS = [
  (r: Rand) => ({ type: 'SGD', learning_rate: pick(r, [0.01, 0.1, 1]) }),
  (r: Rand) => ({ type: 'SGD', learning_rate: pick(r, [0.01, 0.1]), momentum: 0.9, nesterov: r() < 0.5 }),
  (r: Rand) => ({ type: 'Adam', learning_rate: pick(r, [0.001, 0.05]), epsilon: 1e-3 }),
  (r: Rand) => ({ type: 'RMSprop', learning_rate: pick(r, [0.001, 0.01]), epsilon: 1e-3 }),
  // TensorFlow.js's Adagrad has no epsilon (it adds the backend's, 1e-7): the default only.
  (r: Rand) => ({ type: 'Adagrad', learning_rate: pick(r, [0.01, 0.1]) }),
  () => ({ type: 'Adadelta', learning_rate: 1, epsilon: 1e-3 }),
  (r: Rand) => ({ type: 'Adamax', learning_rate: pick(r, [0.002, 0.05]), epsilon: 1e-3 }),
];

const CROSS_ENTROPIES = ['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy'];
const OTHER_LOSSES = LOSSES.map((l) => l.name).filter((n) => !CROSS_ENTROPIES.includes(n));
/** The other losses' output activations: those they are used with (positive ones for targets of 0 and up). */
const OUTPUTS_FOR: Record<string, string[]> = { categorical: ['softmax', 'sigmoid'], binary: ['tanh', 'linear'], regression: ['linear', 'tanh'], positive: ['softplus', 'relu'] };
const POSITIVE_LOSSES = ['poisson', 'mean_squared_logarithmic_error', 'mean_absolute_percentage_error'];

/**
 * Losses whose gradient can be steep where the exact one is 0 or flips: MAPE's is 100 sign(e) / |y|,
 * cosine similarity's up to 1 / sqrt(eps) on outputs near 0. An adaptive optimizer scales their
 * rounding noise into whole steps, so outside the extreme cases they get plain SGD.
 */
const STEEP_LOSSES = ['mean_absolute_percentage_error', 'cosine_similarity'];

/** A loss with an output layer (mostly the one that suits it), and whether it takes logits. */
function lossAndOutput(rand: Rand): { loss: string; units: number; output: string; logits: boolean } {
  const loss = rand() < 0.6 ? pick(rand, CROSS_ENTROPIES) : pick(rand, OTHER_LOSSES);
  if (!CROSS_ENTROPIES.includes(loss)) {
    const family = lookupLoss(loss)?.family ?? 'regression';
    const units = family === 'binary' ? pick(rand, [1, 3]) : 2 + Math.floor(rand() * 4);
    return { loss, units, output: pick(rand, OUTPUTS_FOR[POSITIVE_LOSSES.includes(loss) ? 'positive' : family]), logits: false };
  }
  const logits = rand() < 0.3;
  const units = loss === 'binary_crossentropy' ? pick(rand, [1, 3]) : 2 + Math.floor(rand() * 4);
  let output = logits ? 'linear' : loss === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
  // Sometimes an output the loss does not take in (the kernel then takes the activation's gradient after the loss's).
  if (rand() < 0.25) output = pick(rand, logits ? ['relu', 'tanh', 'softmax'] : ['sigmoid', 'softplus', 'relu', 'hard_sigmoid', ...(loss === 'binary_crossentropy' ? ['softmax'] : [])]);
  return { loss, units, output, logits };
}

/**
 * A random stack of 1 to 3 hidden Dense layers, some normalized, some followed by a second
 * Activation (an order the Dense stack cannot hold: the layers before it train in the kernel's
 * front), then the output layer; `extreme`: large initial weights.
 */
function randomLayers(rand: Rand, units: number, output: string, extreme: boolean): object[] {
  const layers: object[] = [];
  for (let depth = Math.floor(rand() * 4); depth > 0; depth--) {
    const init = { type: 'RandomNormal', stddev: extreme ? pick(rand, [1, 3, 10]) : pick(rand, [0.05, 0.3, 0.7]) };
    const width = 1 + Math.floor(rand() * 12);
    const act = pick(rand, HIDDEN_ACTIVATIONS);
    const norm = rand() < 0.25;
    if (norm && rand() < 0.5) {
      layers.push({ type: 'Dense', units: width, use_bias: false, kernel_initializer: init }, { type: 'BatchNormalization' }, { type: 'Activation', activation: act });
    } else {
      layers.push({ type: 'Dense', units: width, activation: act, kernel_initializer: init }, ...(norm ? [{ type: 'BatchNormalization' }] : []));
    }
    if (rand() < 0.2) layers.push({ type: 'Activation', activation: pick(rand, HIDDEN_ACTIVATIONS) });
  }
  layers.push({ type: 'Dense', units, activation: output, kernel_initializer: { type: 'RandomNormal', stddev: extreme ? 3 : pick(rand, [0.05, 0.3]) } });
  return layers;
}

/**
 * A random convolutional front on an h x w x c image: 1 to 3 ops (Conv2D of random geometry and
 * activation, max or average pooling, BatchNormalization, an Activation, a Dense layer on the
 * image's last axis), then Flatten or
 * global average pooling. Shapes are tracked so every op has an image of at least 1 x 1.
 */
function randomFront(rand: Rand, image: [number, number, number]): object[] {
  let [h, w] = image;
  const layers: object[] = [];
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const kind = pick(rand, ['conv', 'conv', 'pool', 'norm', 'act', 'dense']);
    if (kind === 'conv') {
      const [k, strides, padding] = [1 + Math.floor(rand() * Math.min(3, h, w)), pick(rand, [1, 1, 2]), pick(rand, ['valid', 'same'])];
      layers.push({ type: 'Conv2D', filters: 1 + Math.floor(rand() * 5), kernel_size: k, strides, padding, activation: pick(rand, HIDDEN_ACTIVATIONS) });
      [h, w] = padding === 'same' ? [Math.ceil(h / strides), Math.ceil(w / strides)] : [Math.floor((h - k) / strides) + 1, Math.floor((w - k) / strides) + 1];
    } else if (kind === 'pool' && h >= 2 && w >= 2) {
      const padding = pick(rand, ['valid', 'same']);
      layers.push({ type: pick(rand, ['MaxPooling2D', 'AveragePooling2D']), pool_size: 2, padding });
      [h, w] = padding === 'same' ? [Math.ceil(h / 2), Math.ceil(w / 2)] : [Math.floor(h / 2), Math.floor(w / 2)];
    } else if (kind === 'norm') {
      layers.push({ type: 'BatchNormalization' });
    } else if (kind === 'act') {
      layers.push({ type: 'Activation', activation: pick(rand, HIDDEN_ACTIVATIONS) });
    } else if (kind === 'dense') {
      layers.push({ type: 'Dense', units: 1 + Math.floor(rand() * 5), activation: pick(rand, HIDDEN_ACTIVATIONS) });
    }
  }
  layers.push({ type: rand() < 0.7 ? 'Flatten' : 'GlobalAveragePooling2D' });
  return layers;
}

/**
 * A random case. Extreme ones (a third) have large initial weights, inputs in the thousands and
 * learning rates of 1: there float32 rounding decides on which side of a clip (a sigmoid at
 * 1 - 1e-7) or a kink each engine lands, so only the invariants hold, not the same numbers.
 */
export function randomCase(rand: Rand, index: number): { spec: ResolvedSpec; split: Split; label: string; loss: string; extreme: boolean } {
  const extreme = rand() < 1 / 3;
  const { loss, units, output, logits } = lossAndOutput(rand);
  let optimizer = extreme ? { type: 'SGD', learning_rate: 1 } : pick(rand, OPTIMIZERS)(rand);
  if (!extreme && STEEP_LOSSES.includes(loss)) optimizer = { type: 'SGD', learning_rate: 0.01 };
  // randomSplit zeroes the first 4 features: at least one more, or a BatchNormalization sees a
  // batch of zero variance, where rounding noise picks a side of selu's kink at 0 for each engine.
  const image: [number, number, number] | undefined = rand() < 0.3 ? [3 + Math.floor(rand() * 5), 3 + Math.floor(rand() * 5), 1 + Math.floor(rand() * 3)] : undefined;
  const inputs = image ? image[0] * image[1] * image[2] : 5 + Math.floor(rand() * 8);
  const front = image ? randomFront(rand, image) : [];
  const spec = denseSpec(image ?? inputs, [...front, ...randomLayers(rand, units, output, extreme)], loss, optimizer, { seed: index });
  if (logits) spec.compile.loss = { ...spec.compile.loss, from_logits: true };
  const split = randomSplit(4 * BATCH, inputs, units, loss, index);
  const scale = extreme ? pick(rand, [1, 1e3]) : 1;
  if (scale !== 1) split.x.forEach((v, i) => (split.x[i] = v * scale));
  const label = `#${index}${extreme ? ' (extreme)' : ''} ${loss}${logits ? ' (logits)' : ''}, ${JSON.stringify(optimizer)}, inputs x${scale}, ${JSON.stringify(spec.layers.map((l) => [l.type, l.args.units ?? l.args.filters, l.args.activation, l.args.kernel_size, l.args.strides, l.args.padding]))}`;
  return { spec, split, label, loss, extreme };
}

/** Every disagreement of the two engines' runs that matters for this case. */
function problems(got: Comparison, label: string, loss: string, extreme: boolean): string[] {
  const out: string[] = [];
  const [stopK, stopT] = [firstInvalid(got.kernel), firstInvalid(got.tfjs)];
  if (loss.endsWith('crossentropy') && got.kernel.some(([l]) => l < 0)) out.push(`${label}: a negative cross-entropy ${got.kernel.map(([l]) => l)}`);
  if (extreme) return out;
  if (stopK !== stopT) out.push(`${label}: kernel losses ${got.kernel.map(([l]) => l)}, tfjs ${got.tfjs.map(([l]) => l)}`);
  if (stopK < STEPS) return out;
  got.tfjs.forEach(([t], s) => {
    const k = got.kernel[s][0];
    if (Math.abs(t - k) > TOLERANCE * Math.max(1, Math.abs(t))) out.push(`${label}: step ${s} loss ${k} vs tfjs ${t}`);
  });
  if (got.maxDiff > TOLERANCE * Math.max(1, got.maxScale)) out.push(`${label}: weights differ by ${got.maxDiff} (largest weight ${got.maxScale})`);
  return out;
}

/** The first step whose loss is not finite, or the step count. */
const firstInvalid = (losses: number[][]): number => {
  const i = losses.findIndex(([l]) => !Number.isFinite(l));
  return i < 0 ? losses.length : i;
};

describe('differential fuzz: the fused kernel and TensorFlow.js on random specs', function () {
  this.timeout(600000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  it(`${COUNT} random specs, ${STEPS} steps each: the same numbers, or the same step stops on an invalid loss (seed ${SEED})`, async () => {
    const rand = mulberry32(SEED);
    const failures: string[] = [];
    let compared = 0;
    for (let i = 0; i < COUNT; i++) {
      const { spec, split, label, loss, extreme } = randomCase(rand, i);
      const got = await compare(spec, split, BATCH, STEPS);
      failures.push(...problems(got, label, loss, extreme));
      if (!extreme && firstInvalid(got.kernel) === STEPS) compared++;
    }
    assert.deepStrictEqual(failures, []);
    assert.ok(compared > COUNT / 2, `only ${compared} of ${COUNT} specs were compared over all ${STEPS} steps`);
  });
});
