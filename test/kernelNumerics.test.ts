import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../src/core/data/load';
import { resolveSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import { DenseKernel, kernelPlan, kernelWasmPath } from '../src/trainer/engines/denseKernel';
import type { FromTrainer, RunResult } from '../src/shared/trainerProtocol';
import { splitTensors } from '../src/trainer/splitTensors';
import { train } from '../src/trainer/train';
import { mulberry32 } from './helpers';

/** Trains `spec` (an object) in-process with the given engine on an MNIST slice: the result and every message. */
async function trainOn(spec: object, engine: 'kernel' | 'tfjs'): Promise<{ result: RunResult; messages: FromTrainer[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-numerics-'));
  const specPath = path.join(dir, 'spec.model.json');
  const text = JSON.stringify(spec);
  fs.writeFileSync(specPath, text);
  const messages: FromTrainer[] = [];
  try {
    await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'wasm', engine, threads: 1, limit: 640 }, { emit: (m) => messages.push(m), cancelled: () => false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const done = messages.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
  assert.ok(done, JSON.stringify(messages.filter((m) => m.type === 'error')));
  return { result: done.result, messages };
}

describe('fused kernel numerics', function () {
  this.timeout(120000);
  before(async function () {
    if (!kernelWasmPath()) throw new Error('dist/kernel.wasm is missing: run node esbuild.js (it compiles the kernel with clang)');
    await initBackend('cpu');
  });

  it('never reports a negative cross-entropy: an exploding ReLU stack stops on an invalid loss, as tfjs does', async () => {
    const spec = {
      name: 'exploding', seed: 7,
      data: { dataset: 'mnist', scale: 255 },
      layers: [
        { type: 'Flatten', input_shape: [28, 28] },
        { type: 'Dense', units: 300, activation: 'relu', kernel_initializer: { type: 'RandomNormal', stddev: 0.5 } },
        { type: 'Dense', units: 200, activation: 'relu', kernel_initializer: { type: 'RandomNormal', stddev: 0.5 } },
        { type: 'Dense', units: 100, activation: 'relu', kernel_initializer: { type: 'RandomNormal', stddev: 0.5 } },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: 0.1 }, metrics: ['accuracy'] },
      fit: { epochs: 2, batch_size: 32 },
    };
    const kernel = await trainOn(spec, 'kernel');
    const stock = await trainOn(spec, 'tfjs');
    for (const run of [kernel, stock]) {
      for (const m of run.messages) {
        if (m.type === 'batch' || m.type === 'epoch') {
          const loss = m.metrics.loss;
          assert.ok(Number.isNaN(loss) || loss >= 0, `${run.result.engine}: a ${m.type} message reports loss ${loss}`);
        }
      }
    }
    assert.strictEqual(kernel.result.stoppedEarly, stock.result.stoppedEarly, 'both engines stop on the same invalid loss, or neither does');
  });

  it('trains a stack deeper than 32 Dense layers, step for step as tfjs does', async () => {
    const depth = 40;
    const text = JSON.stringify({
      name: 'deep', seed: 5,
      layers: [{ type: 'Input', shape: [6] }, ...Array.from({ length: depth }, () => ({ type: 'Dense', units: 8, activation: 'tanh' })), { type: 'Dense', units: 3, activation: 'softmax' }],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: 0.05 }, metrics: ['accuracy'] },
      fit: { batch_size: 4 },
    });
    const r = resolveSpec(text);
    assert.ok(r.ok);
    const planned = kernelPlan(r.spec);
    assert.ok('plan' in planned, 'reason' in planned ? planned.reason : '');
    const rand = mulberry32(11);
    const split = { x: Float32Array.from({ length: 16 * 6 }, () => rand() * 2 - 1), y: Int32Array.from({ length: 16 }, (_, i) => i % 3), count: 16, exampleShape: [6], labelShape: [] } as unknown as Split;
    const reference = buildModel(r.spec);
    compileModel(reference, r.spec);
    const kernel = DenseKernel.create(planned.plan, split, 4, 1);
    assert.ok(kernel);
    kernel.loadWeights(reference);
    const { x, y } = splitTensors(split, r.spec);
    for (let step = 0; step < 3; step++) {
      const rows = Int32Array.from({ length: 4 }, (_, i) => (step * 4 + i) % 16);
      const idx = tf.tensor1d(rows, 'int32');
      const [xb, yb] = [tf.gather(x, idx), tf.gather(y, idx)];
      const [want] = (await reference.trainOnBatch(xb, yb)) as number[];
      tf.dispose([idx, xb, yb]);
      const [got] = kernel.trainBatch(rows, 0.05);
      assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, want), `step ${step}: loss ${got} vs tfjs ${want}`);
    }
    kernel.dispose();
    tf.dispose([x, y]);
    reference.dispose();
  });
});
