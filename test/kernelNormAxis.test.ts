import * as assert from 'assert';
import * as tfl from '@tensorflow/tfjs-layers';
import { kernelOnly, kernelPlan } from '../src/core/kernelPlan';
import type { ResolvedSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { assertClose, compare, denseSpec, randomSplit } from './kernelCompare';

/**
 * BatchNormalization on an axis other than the channels: TensorFlow.js's training step cannot
 * broadcast it, so the reference is the same model with the axis moved last by Permute layers
 * around a BatchNormalization on the last axis (the same statistics, over the batch and the
 * other axes), and the kernel trains the spec itself.
 */
function permuted(spec: ResolvedSpec, axis: number): tfl.LayersModel {
  const [input, ...layers] = spec.layers;
  const rank = input.outputShape.length - 1;
  const order = [...Array.from({ length: rank }, (_, i) => i + 1).filter((a) => a !== axis), axis];
  const back = Array.from({ length: rank }, (_, i) => order.indexOf(i + 1) + 1);
  const model = tfl.sequential();
  model.add(tfl.layers.inputLayer({ inputShape: input.outputShape.slice(1) as number[] }));
  for (const l of layers) {
    if (l.type === 'Conv2D') model.add(tfl.layers.conv2d({ name: l.name, filters: l.args.filters as number, kernelSize: l.args.kernel_size as number, activation: 'relu' }));
    else if (l.type === 'BatchNormalization') {
      model.add(tfl.layers.permute({ dims: order }));
      model.add(tfl.layers.batchNormalization({ name: l.name, axis: -1, momentum: l.args.momentum as number, epsilon: l.args.epsilon as number }));
      model.add(tfl.layers.permute({ dims: back }));
    } else if (l.type === 'Flatten') model.add(tfl.layers.flatten({ name: l.name }));
    else model.add(tfl.layers.dense({ name: l.name, units: l.args.units as number, activation: 'softmax' }));
  }
  return model;
}

const CASES: { shape: number[]; axis: number; conv: boolean }[] = [
  { shape: [6, 6, 1], axis: 1, conv: true },
  { shape: [6, 6, 1], axis: 2, conv: true },
  { shape: [7, 5], axis: 1, conv: false },
];

describe('BatchNormalization on any axis in the fused kernel', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  for (const { shape, axis, conv } of CASES) {
    it(`axis ${axis} of a ${conv ? 'Conv2D output' : `${shape.length}-D input`}: 6 steps as the same model with that axis permuted last`, async () => {
      const layers = [
        ...(conv ? [{ type: 'Conv2D', filters: 3, kernel_size: 3, activation: 'relu' }] : []),
        { type: 'BatchNormalization', axis, momentum: 0.9 },
        { type: 'Flatten' },
        { type: 'Dense', units: 4, activation: 'softmax' },
      ];
      const spec = denseSpec(shape, layers, 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.1 });
      assert.ok('plan' in kernelPlan(spec), 'the kernel trains it');
      assert.match(kernelOnly(spec)?.why ?? '', /cannot broadcast/, 'and only the kernel');
      const got = await compare(spec, randomSplit(48, shape.reduce((a, b) => a * b, 1), 4, 'sparse_categorical_crossentropy', 3), 8, 6, 1, permuted(spec, axis));
      assertClose(got, `axis ${axis}`);
      // The moving statistics (the last two of the BatchNormalization's weights) moved in both.
      const bn = conv ? 2 : 0;
      assert.ok(got.weights.kernel[bn + 2].some((v, i) => v !== got.weights.initial[bn + 2][i]), 'the moving mean moved');
      assert.strictEqual(got.weights.kernel[bn].length, conv ? shape[axis - 1] - 2 : shape[axis - 1], 'one gamma per position along the axis');
    });
  }
});
