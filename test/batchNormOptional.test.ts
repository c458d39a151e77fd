import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { summaryText } from '../src/core/summary';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { train } from '../src/trainer/train';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { mulberry32 } from './helpers';

/** A spec with a BatchNormalization (`bn`) after a Dense layer, or after a Conv2D. */
function bnSpec(bn: object, after: 'Dense' | 'Conv2D'): ResolvedSpec {
  const layers = after === 'Dense'
    ? [{ type: 'Dense', units: 6, activation: 'relu', input_shape: [5] }, { type: 'BatchNormalization', name: 'bn', ...bn }, { type: 'Dense', units: 3, activation: 'softmax' }]
    : [{ type: 'Conv2D', filters: 4, kernel_size: 3, input_shape: [6, 6, 2] }, { type: 'BatchNormalization', name: 'bn', ...bn }, { type: 'Flatten' }, { type: 'Dense', units: 3, activation: 'softmax' }];
  const r = resolveSpec(JSON.stringify({ name: 'bn', seed: 5, layers, compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: 0.1 } } }));
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

const VARIANTS: [string, object, string[]][] = [
  ['center: false', { center: false }, ['gamma', 'moving_mean', 'moving_variance']],
  ['scale: false', { scale: false }, ['beta', 'moving_mean', 'moving_variance']],
  ['center and scale false', { center: false, scale: false }, ['moving_mean', 'moving_variance']],
];

describe('BatchNormalization without offset or scale (center / scale false) trains on TensorFlow.js', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('wasm');
  });

  for (const after of ['Dense', 'Conv2D'] as const) {
    for (const [label, args, variables] of VARIANTS) {
      it(`${label} after ${after}: Keras's variables and counts, a few training steps, and batch statistics as Keras computes them`, async () => {
        const spec = bnSpec(args, after);
        const model = buildModel(spec);
        compileModel(model, spec);
        const bn = model.getLayer('bn') as tfl.layers.Layer;
        assert.deepStrictEqual(bn.weights.map((w) => w.originalName.split('/').pop()), variables);
        assert.strictEqual(model.countParams(), spec.totalParams, 'the model has the parameters the summary counts');
        const channels = after === 'Dense' ? 6 : 4;
        const bnParams = spec.layers.find((l) => l.name === 'bn')?.params;
        assert.deepStrictEqual(bnParams, { trainable: channels * (variables.length - 2), nonTrainable: 2 * channels, formula: bnParams?.formula });
        assert.match(summaryText(spec), new RegExp(`\\(BatchNor.*\\s${channels * variables.length}\\s`));

        const rand = mulberry32(9);
        const shape = spec.layers[0].inputShape.slice(1) as number[];
        const x = tf.tensor(Array.from({ length: 16 * shape.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2), [16, ...shape]);
        const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3));
        const before = bn.getWeights().map((w) => w.dataSync().slice());
        const losses: number[] = [];
        for (let step = 0; step < 4; step++) losses.push(await model.trainOnBatch(x, y) as number);
        assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
        assert.ok(losses[3] < losses[0], `the loss falls: ${losses}`);
        const weights = bn.getWeights().map((w) => w.dataSync().slice());
        assert.notDeepStrictEqual(weights[weights.length - 2], before[before.length - 2], 'the moving mean moves');

        // Training-mode output: (x - mean) / sqrt(var + eps), times gamma and plus beta only where the layer has them.
        const input = model.layers[0].apply(x) as tf.Tensor;
        const got = (bn.apply(input, { training: true }) as tf.Tensor).dataSync();
        const axes = input.shape.slice(0, -1).map((_, i) => i);
        const { mean, variance } = tf.moments(input, axes);
        let want = tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 0.001)));
        const named = Object.fromEntries(bn.weights.map((w, i) => [w.originalName.split('/').pop() as string, bn.getWeights()[i]]));
        if (named.gamma) want = tf.mul(want, named.gamma);
        if (named.beta) want = tf.add(want, named.beta);
        const wanted = want.dataSync();
        got.forEach((v, i) => assert.ok(Math.abs(v - wanted[i]) < 1e-4, `output ${i}: ${v}, want ${wanted[i]}`));
        tf.dispose([x, y, input, mean, variance, want]);
        model.dispose();
      });
    }
  }

  it('trains end to end on an MNIST slice, on both flags', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-bn-'));
    const specText = JSON.stringify({
      name: 'bn', seed: 2,
      data: { dataset: 'mnist', scale: 255, validation: { first: 100 } },
      layers: [
        { type: 'Flatten', input_shape: [28, 28] },
        { type: 'Dense', units: 16, activation: 'relu' },
        { type: 'BatchNormalization', center: false },
        { type: 'Dense', units: 16, activation: 'relu' },
        { type: 'BatchNormalization', scale: false },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] },
      fit: { epochs: 1, batch_size: 32 },
    });
    const specPath = path.join(dir, 'bn.model.json');
    fs.writeFileSync(specPath, specText);
    const msgs: FromTrainer[] = [];
    try {
      await train({ type: 'start', specPath, specText, runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 300, threads: 1 }, { emit: (m) => msgs.push(m), cancelled: () => false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepStrictEqual(msgs.filter((m) => m.type === 'error'), []);
    const done = msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.strictEqual(done?.status, 'completed');
  });
});
