import * as assert from 'assert';
import * as fs from 'fs';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { DenseKernel, kernelBuild, kernelWasmPath } from '../src/trainer/engines/denseKernel';
import { selectEngine } from '../src/trainer/engines';
import { denseSpec, planOf, randomSplit } from './kernelCompare';

const LOSS = 'sparse_categorical_crossentropy';
const OUT = { type: 'Dense', units: 4, activation: 'softmax' };
describe('the fused kernel\'s builds', function () {
  this.timeout(60000);
  before(() => initBackend('cpu'));

  it('runs the relaxed-SIMD build where the runtime has it, and says which build ran', () => {
    const build = kernelBuild();
    assert.ok(build);
    const relaxed = kernelWasmPath('kernel-relaxed.wasm');
    if (relaxed && process.env.MODELSPEC_KERNEL_SIMD !== 'plain') assert.strictEqual(build.simd, 'relaxed SIMD (fused multiply-add)');
    else assert.match(build.simd, /^SIMD128 \(.+\)$/);
    const spec = denseSpec(12, [{ type: 'Dense', units: 9, activation: 'relu' }, OUT], LOSS, { type: 'SGD', learning_rate: 0.1 });
    const selected = selectEngine({ engine: 'kernel', backendChoice: 'auto', backendName: 'cpu' }, spec, randomSplit(8, 12, 4, LOSS, 1));
    assert.ok(selected.reason.includes(build.simd), selected.reason);
  });

  it('trains the same numbers with fused multiply-adds as without, within float32 rounding', function () {
    const relaxed = kernelWasmPath('kernel-relaxed.wasm');
    const plain = kernelWasmPath();
    if (!relaxed || !plain || !kernelBuild()?.simd.startsWith('relaxed')) this.skip();
    const spec = denseSpec(40, [{ type: 'Dense', units: 33, activation: 'relu' }, { type: 'Dense', units: 17, activation: 'tanh' }, OUT], LOSS, { type: 'Adam', learning_rate: 0.01 });
    const train = randomSplit(64, 40, 4, LOSS, 9);
    const weights = [plain, relaxed].map((file) => {
      const model = buildModel(spec);
      const kernel = DenseKernel.create(planOf(spec), train, 16, 1, fs.readFileSync(file as string));
      assert.ok(kernel);
      kernel.loadWeights(model);
      for (let s = 0; s < 8; s++) kernel.trainBatch(Int32Array.from({ length: 16 }, (_, i) => (s * 16 + i * 5) % 64), 0.01);
      kernel.storeWeights(model);
      kernel.dispose();
      const out = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
      model.dispose();
      return out;
    });
    const worst = Math.max(...weights[0].map((v, i) => Math.abs(v - weights[1][i]) / Math.max(1, Math.abs(v))));
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    assert.ok(weights[0].some((v, i) => v !== weights[1][i]), 'the builds really differ (fused rounding)');
  });
});
