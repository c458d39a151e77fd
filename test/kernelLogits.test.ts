import * as assert from 'assert';
import { kernelPlan } from '../src/core/kernelPlan';
import { initBackend } from '../src/trainer/backend';
import { kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { assertClose, compare, denseSpec, randomSplit } from './kernelCompare';

/** The standard Keras pattern: a linear output layer and a loss that takes logits. */
const CASES: { loss: string; units: number }[] = [
  { loss: 'sparse_categorical_crossentropy', units: 5 },
  { loss: 'categorical_crossentropy', units: 5 },
  { loss: 'binary_crossentropy', units: 1 },
];

describe('losses from logits in the fused kernel', function () {
  this.timeout(60000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  for (const { loss, units } of CASES) {
    for (const stddev of [0.05, 3]) {
      it(`${loss} with from_logits: 6 steps as TensorFlow.js takes them (initial weights stddev ${stddev})`, async () => {
        // stddev 3 makes logits in the tens: a clipped loss would differ, an unstable one overflow.
        const layers = [
          { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: { type: 'RandomNormal', stddev } },
          { type: 'Dense', units, kernel_initializer: { type: 'RandomNormal', stddev } },
        ];
        const spec = denseSpec(10, layers, loss, { type: 'SGD', learning_rate: 0.05 });
        spec.compile.loss = { ...spec.compile.loss, from_logits: true };
        const got = await compare(spec, randomSplit(48, 10, units === 1 ? 1 : units, loss, 5), 8, 6);
        assertClose(got, `${loss} from logits`);
        assert.ok(got.kernel.every(([l]) => Number.isFinite(l) && l >= 0), `losses ${got.kernel.map(([l]) => l)}`);
      });
    }
  }

  it('refuses logits from a softmax output layer (the loss would apply softmax twice)', () => {
    const spec = denseSpec(10, [{ type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' });
    spec.compile.loss = { ...spec.compile.loss, from_logits: true };
    assert.match((kernelPlan(spec) as { reason: string }).reason, /from_logits on an output layer that is not linear/);
  });
});
