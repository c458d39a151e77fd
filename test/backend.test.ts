import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { BackendInfo, initBackend, probeTfjsNode, RequireLike } from '../src/trainer/backend';
import {
  FastMatMulPlan,
  installFastWasmMatMul,
  isFastWasmMatMulInstalled,
  planFastMatMul,
  uninstallFastWasmMatMul,
} from '../src/trainer/wasmMatMul';

/** Deterministic uniform(-1, 1) values (LCG), so failures reproduce. */
function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Float64 reference for op(A)·op(B) over the last two axes, batch dims broadcast. */
function referenceMatMul(
  a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean,
): Float64Array {
  const ra = aShape.length;
  const rb = bShape.length;
  const [ar, ac] = [aShape[ra - 2], aShape[ra - 1]];
  const [br, bc] = [bShape[rb - 2], bShape[rb - 1]];
  const m = tA ? ac : ar;
  const k = tA ? ar : ac;
  const n = tB ? br : bc;
  const batchA = a.length / (ar * ac);
  const batchB = b.length / (br * bc);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const aOff = (batchA === 1 ? 0 : p) * ar * ac;
    const bOff = (batchB === 1 ? 0 : p) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) {
          const av = tA ? a[aOff + q * ac + i] : a[aOff + i * ac + q];
          const bv = tB ? b[bOff + j * bc + q] : b[bOff + q * bc + j];
          sum += av * bv;
        }
        out[p * m * n + i * n + j] = sum;
      }
    }
  }
  return out;
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= tol * (1 + Math.abs(expected[i])))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (diff ${diff})`);
    }
  }
}

/** Runs `f` with the stock or the fast kernel, leaving the fast one installed afterwards. */
function withKernel<T>(which: 'stock' | 'fast', f: () => T): T {
  if (which === 'stock') uninstallFastWasmMatMul();
  else installFastWasmMatMul();
  try {
    return f();
  } finally {
    installFastWasmMatMul();
  }
}

/** [a shape, b shape as given to matMul with transposeA = transposeB = false]. */
const CASES: Array<{ m: number; k: number; n: number; batchA?: number[]; batchB?: number[] }> = [
  { m: 1, k: 7, n: 1 },
  { m: 1, k: 7, n: 5 },
  { m: 7, k: 1, n: 3 },
  { m: 33, k: 65, n: 17 },
  { m: 4, k: 65, n: 33 },
  { m: 65, k: 33, n: 2 },
  { m: 32, k: 50, n: 300 },
  { m: 33, k: 65, n: 17, batchA: [1], batchB: [1] },
  { m: 5, k: 9, n: 7, batchA: [1], batchB: [] },
  { m: 5, k: 9, n: 7, batchA: [3], batchB: [3] }, // real batch: delegated to the stock kernel
  { m: 6, k: 4, n: 3, batchA: [2], batchB: [1] },
];

describe('trainer backend', function () {
  this.timeout(30000);
  let previousBackend: string | undefined;
  let wasmInfo: BackendInfo;
  let tfjsNodeLoads = false;

  before(async () => {
    previousBackend = tf.engine().backendName ?? undefined;
    tfjsNodeLoads = probeTfjsNode().status === 'loaded';
    // 2 threads exercises the threaded-SIMD path (our own emscripten setup) whatever the
    // machine's default; the kernel comparisons below then run on it too.
    wasmInfo = await initBackend('wasm', { wasmThreads: 2 });
  });

  after(async () => {
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  describe('initBackend', () => {
    it("'wasm' runs wasm with the fast matmul and says how", async () => {
      assert.equal(wasmInfo.name, 'wasm');
      assert.equal(tf.getBackend(), 'wasm');
      assert.ok(isFastWasmMatMulInstalled());
      assert.equal(typeof wasmInfo.simd, 'boolean');
      assert.match(wasmInfo.reason, /^wasm requested: using wasm \((no )?SIMD, \d+ threads?\)/);
      // Either the threaded build started, or the reason says why not.
      if (wasmInfo.threads !== 2) assert.match(wasmInfo.reason, /threads unavailable: /);
    });

    it("'cpu' gives cpu", async () => {
      const info = await initBackend('cpu');
      assert.equal(info.name, 'cpu');
      assert.equal(tf.getBackend(), 'cpu');
      assert.match(info.reason, /cpu/);
      await tf.setBackend('wasm');
    });

    it("'tensorflow' throws a clear error when tfjs-node is unavailable", async function () {
      if (tfjsNodeLoads) this.skip();
      await assert.rejects(initBackend('tensorflow'), (e: Error) => {
        assert.match(e.message, /@tensorflow\/tfjs-node/);
        assert.match(e.message, /not installed|failed to load/);
        assert.match(e.message, /npm install @tensorflow\/tfjs-node/);
        assert.match(e.message, /--backend wasm/);
        return true;
      });
      assert.equal(tf.getBackend(), 'wasm', 'a failed request must not switch backends');
    });

    it("'auto' falls back to wasm and the reason mentions tfjs-node", async function () {
      if (tfjsNodeLoads) this.skip();
      const info = await initBackend('auto');
      assert.equal(info.name, 'wasm');
      assert.match(info.reason, /^tfjs-node (not installed|installed but failed to load)/);
      assert.match(info.reason, /using wasm \((no )?SIMD, \d+ threads?\)/);
      assert.ok(isFastWasmMatMulInstalled());
    });

    it('tells "not installed" from "installed but failed to load"', () => {
      const missing: RequireLike = Object.assign(
        (id: string): unknown => {
          throw new Error(`Cannot find module '${id}'`);
        },
        {
          resolve: (id: string): string => {
            throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
          },
        },
      );
      assert.deepEqual(probeTfjsNode(missing), { status: 'missing' });
      const broken: RequireLike = Object.assign(
        (): unknown => {
          throw new Error('libtensorflow.so.2: cannot open shared object file\n    at Module._load');
        },
        { resolve: (id: string): string => `/fake/node_modules/${id}/dist/index.js` },
      );
      assert.deepEqual(probeTfjsNode(broken), {
        status: 'failed',
        message: 'libtensorflow.so.2: cannot open shared object file',
      });
    });
  });

  describe('fast wasm BatchMatMul', () => {
    it('install is idempotent and uninstall restores the stock kernel', () => {
      installFastWasmMatMul();
      const fast = tf.getKernel(tf.BatchMatMul, 'wasm');
      installFastWasmMatMul();
      assert.equal(tf.getKernel(tf.BatchMatMul, 'wasm'), fast);
      uninstallFastWasmMatMul();
      assert.ok(!isFastWasmMatMulInstalled());
      assert.notEqual(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc, fast?.kernelFunc);
      uninstallFastWasmMatMul(); // no-op when not installed
      installFastWasmMatMul();
      assert.ok(isFastWasmMatMulInstalled());
    });

    it('matches the stock kernel and a float64 reference for all transpose combinations', () => {
      const plans = new Set<FastMatMulPlan>();
      let seed = 1;
      for (const c of CASES) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const aShape = [...(c.batchA ?? []), ...(tA ? [c.k, c.m] : [c.m, c.k])];
            const bShape = [...(c.batchB ?? []), ...(tB ? [c.n, c.k] : [c.k, c.n])];
            const aVals = randomValues(aShape.reduce((p, d) => p * d, 1), seed++);
            const bVals = randomValues(bShape.reduce((p, d) => p * d, 1), seed++);
            const what = `a[${aShape}]${tA ? 'ᵀ' : ''} · b[${bShape}]${tB ? 'ᵀ' : ''}`;
            plans.add(planFastMatMul(aShape, bShape, tA, tB));
            const run = (which: 'stock' | 'fast'): { shape: number[]; values: Float32Array } =>
              withKernel(which, () =>
                tf.tidy(() => {
                  const r = tf.matMul(tf.tensor(aVals, aShape), tf.tensor(bVals, bShape), tA, tB);
                  return { shape: r.shape, values: r.dataSync() as Float32Array };
                }),
              );
            const stock = run('stock');
            const fast = run('fast');
            assert.deepEqual(fast.shape, stock.shape, `${what}: shape`);
            assertAllClose(fast.values, stock.values, `${what} fast vs stock`);
            const ref = referenceMatMul(aVals, aShape, bVals, bShape, tA, tB);
            assertAllClose(fast.values, ref, `${what} fast vs float64 reference`);
          }
        }
      }
      // The shapes must exercise every code path of the override.
      assert.deepEqual([...plans].sort(), ['direct', 'stock', 'swapped']);
    });

    it('frees its temporaries', () => {
      const backend = tf.backend();
      const a = tf.tensor(randomValues(33 * 65, 7), [33, 65]);
      const b = tf.tensor(randomValues(65 * 17, 8), [65, 17]);
      const c = tf.tensor(randomValues(17 * 65, 9), [17, 65]);
      const tensorsBefore = tf.memory().numTensors;
      const dataBefore = backend.numDataIds();
      for (const [x, y, tA, tB] of [
        [a, b, false, false], [a, c, false, true], [a, a, true, false], [b, a, true, true],
      ] as Array<[tf.Tensor, tf.Tensor, boolean, boolean]>) {
        tf.matMul(x, y, tA, tB).dispose();
      }
      assert.equal(tf.memory().numTensors, tensorsBefore);
      assert.equal(backend.numDataIds(), dataBefore);
      tf.dispose([a, b, c]);
    });

    it('gives the same Dense-model gradients and SGD step as the stock kernel', async () => {
      const batch = 11;
      const x = randomValues(batch * 37, 101);
      const y = Float32Array.from({ length: batch }, (_, i) => (i * 7) % 5);
      const build = (): tfl.LayersModel => {
        const model = tfl.sequential({
          layers: [
            tfl.layers.dense({ inputShape: [37], units: 29, activation: 'relu' }),
            tfl.layers.dense({ units: 13, activation: 'relu' }),
            tfl.layers.dense({ units: 5, activation: 'softmax' }),
          ],
        });
        // Same deterministic weights for both runs.
        model.setWeights(model.getWeights().map((w, i) => tf.tensor(randomValues(w.size, 500 + i), w.shape)));
        model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
        return model;
      };
      const step = async (which: 'stock' | 'fast'): Promise<{ grads: Float32Array[]; weights: Float32Array[] }> => {
        if (which === 'stock') uninstallFastWasmMatMul();
        else installFastWasmMatMul();
        try {
          const model = build();
          const xs = tf.tensor2d(x, [batch, 37]);
          const ys = tf.tensor2d(y, [batch, 1]);
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(
            () =>
              tf.tidy(() => {
                // Sparse categorical crossentropy, written out so the tape sees every op.
                const probs = model.apply(xs) as tf.Tensor;
                const oneHot = tf.oneHot(tf.cast(tf.reshape(ys, [-1]), 'int32'), 5);
                return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(probs)), 1))) as tf.Scalar;
              }),
            vars,
          );
          value.dispose();
          const gradValues = vars.map((v) => grads[v.name].dataSync() as Float32Array);
          tf.dispose(grads);
          await model.trainOnBatch(xs, ys);
          const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
          tf.dispose([xs, ys]);
          model.dispose();
          return { grads: gradValues, weights };
        } finally {
          installFastWasmMatMul();
        }
      };
      const stock = await step('stock');
      const fast = await step('fast');
      assert.equal(fast.grads.length, 6);
      fast.grads.forEach((g, i) => assertAllClose(g, stock.grads[i], `gradient ${i}`));
      fast.weights.forEach((w, i) => assertAllClose(w, stock.weights[i], `weights ${i} after one SGD step`));
      assert.ok(fast.grads.some((g) => g.some((v) => v !== 0)), 'gradients must not be all zero');
    });
  });
});
