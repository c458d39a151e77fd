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

  // Any output activation with any loss, as Keras and TensorFlow.js take it: a cross-entropy on
  // outputs no softmax made divides them by their sum and clips; binary cross-entropy on outputs
  // no sigmoid made clips; logits from a non-linear layer are that layer's outputs. The loss
  // gives dL/da and the output activation's own backward follows.
  const OUTPUTS: [string, string, number, boolean][] = [
    ['sparse_categorical_crossentropy', 'sigmoid', 4, false],
    ['categorical_crossentropy', 'softplus', 3, false],
    ['sparse_categorical_crossentropy', 'relu', 4, false],
    ['binary_crossentropy', 'softmax', 3, false],
    ['binary_crossentropy', 'hard_sigmoid', 2, false],
    ['sparse_categorical_crossentropy', 'softmax', 4, true],
    ['binary_crossentropy', 'tanh', 1, true],
  ];
  for (const [loss, activation, units, logits] of OUTPUTS) {
    it(`${loss}${logits ? ' with from_logits' : ''} on a ${activation} output layer: 6 steps as TensorFlow.js takes them`, async () => {
      const layers = [{ type: 'Dense', units: 12, activation: 'tanh' }, { type: 'Dense', units, activation, kernel_initializer: { type: 'RandomNormal', stddev: 0.5 } }];
      const spec = denseSpec(10, layers, logits ? { type: loss, from_logits: true } : loss, { type: 'SGD', learning_rate: 0.1 });
      assert.ok('plan' in kernelPlan(spec), 'the kernel trains it');
      const got = await compare(spec, randomSplit(48, 10, units, loss, 7), 8, 6);
      assertClose(got, `${loss} on ${activation}`);
      assert.ok(got.kernel.every(([l]) => Number.isFinite(l) && l >= 0), `losses ${got.kernel.map(([l]) => l)}`);
    });
  }
});
