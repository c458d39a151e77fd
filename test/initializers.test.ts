import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  computeFans, deriveSeed, KerasIdentity, KerasOrthogonal, KerasRandomNormal, KerasRandomUniform,
  KerasTruncatedNormal, KerasVarianceScaling, kerasInitializer, KERAS_INITIALIZER_NAMES,
} from '../src/trainer/initializers';

const TRUNC = 0.87962566103423978;
// Float32 rounding may put a value half an ulp past a bound computed in double.
const F32 = 1 + 1e-6;

function values(name: string, args: Record<string, unknown>, seed: number | undefined, shape: number[]): Float32Array {
  const t = kerasInitializer(name, args, seed).apply(shape, 'float32');
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

function stats(v: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    s2 += v[i] * v[i];
    maxAbs = Math.max(maxAbs, Math.abs(v[i]));
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), maxAbs };
}

function assertClose(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relTol * Math.abs(expected), `${what}: ${actual} not within ${relTol * 100}% of ${expected}`);
}

function sameArrays(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** max |G - c*I| for the Gram matrix G = M^T M (columns) or M M^T (rows) of a rows x cols matrix. */
function gramError(m: Float32Array, rows: number, cols: number, byRows: boolean, c = 1): number {
  const k = byRows ? rows : cols;
  const inner = byRows ? cols : rows;
  const at = (p: number, i: number): number => (byRows ? m[p * cols + i] : m[i * cols + p]);
  let worst = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let dot = 0;
      for (let i = 0; i < inner; i++) dot += at(p, i) * at(q, i);
      worst = Math.max(worst, Math.abs(dot - (p === q ? c : 0)));
    }
  }
  return worst;
}

describe('initializers', () => {
  let previousBackend: string | undefined;
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend !== undefined && previousBackend !== 'cpu') await tf.setBackend(previousBackend);
  });

  describe('computeFans (Keras compute_fans)', () => {
    it('handles dense, vector, scalar and conv shapes', () => {
      assert.deepStrictEqual(computeFans([784, 300]), [784, 300]);
      assert.deepStrictEqual(computeFans([7]), [7, 7]);
      assert.deepStrictEqual(computeFans([]), [1, 1]);
      assert.deepStrictEqual(computeFans([3, 3, 16, 32]), [144, 288]);
      assert.deepStrictEqual(computeFans([5, 8, 4]), [40, 20]);
      assert.deepStrictEqual(computeFans([2, 2, 2, 2, 3, 4]), [48, 64]);
    });
  });

  describe('variance scaling presets', () => {
    const dense = [784, 300];
    const conv = [3, 3, 16, 32];
    const cases: { name: string; scale: number; n: (fi: number, fo: number) => number; uniform: boolean }[] = [
      { name: 'glorot_normal', scale: 1, n: (fi, fo) => (fi + fo) / 2, uniform: false },
      { name: 'glorot_uniform', scale: 1, n: (fi, fo) => (fi + fo) / 2, uniform: true },
      { name: 'he_normal', scale: 2, n: (fi) => fi, uniform: false },
      { name: 'he_uniform', scale: 2, n: (fi) => fi, uniform: true },
      { name: 'lecun_normal', scale: 1, n: (fi) => fi, uniform: false },
      { name: 'lecun_uniform', scale: 1, n: (fi) => fi, uniform: true },
    ];
    for (const c of cases) {
      for (const [shape, tol] of [[dense, 0.02], [conv, 0.04]] as [number[], number][]) {
        it(`${c.name} on [${shape.join(',')}] matches the Keras formula`, () => {
          const [fi, fo] = computeFans(shape);
          const target = Math.sqrt(c.scale / c.n(fi, fo)); // Keras: the result's std.
          const v = values(c.name, {}, 1234, shape);
          const s = stats(v);
          assert.strictEqual(v.length, shape.reduce((a, b) => a * b, 1));
          assert.ok(Math.abs(s.mean) < 0.05 * target, `mean ${s.mean}`);
          assertClose(s.std, target, tol, 'std');
          if (c.uniform) {
            const limit = Math.sqrt(3) * target; // sqrt(3 * scale / n), e.g. sqrt(6 / (in + out)) for glorot
            assert.ok(s.maxAbs <= limit * F32, `max |w| ${s.maxAbs} > limit ${limit}`);
            assert.ok(s.maxAbs >= 0.99 * limit, `max |w| ${s.maxAbs} does not reach limit ${limit}`);
          } else {
            const drawStd = target / TRUNC; // the corrected stddev the values are drawn with
            assert.ok(s.maxAbs <= 2 * drawStd * F32, `value beyond 2 stddev: ${s.maxAbs} > ${2 * drawStd}`);
            // The tail reaches the corrected bound, so the cut really is at 2 * drawStd, not 2 * target.
            assert.ok(s.maxAbs > 2 * target * 1.05, `max |w| ${s.maxAbs} suggests no correction`);
          }
        });
      }
    }

    it('glorot_uniform on [784, 300] stays within sqrt(6 / 1084)', () => {
      const s = stats(values('glorot_uniform', {}, 7, [784, 300]));
      const limit = Math.sqrt(6 / (784 + 300));
      assert.ok(s.maxAbs <= limit * F32);
      assertClose(s.std, limit / Math.sqrt(3), 0.02, 'std');
    });

    it('applies the 0.8796 correction that tfjs heNormal omits (tfjs gives ~0.88x)', async () => {
      const ours = stats(values('he_normal', {}, 5, [784, 300])).std;
      const t = tfl.initializers.heNormal({ seed: 5 }).apply([784, 300], 'float32');
      const theirs = stats(await t.data()).std;
      t.dispose();
      assertClose(ours, Math.sqrt(2 / 784), 0.02, 'ours vs Keras');
      assertClose(theirs / ours, TRUNC, 0.03, 'tfjs / ours');
    });

    it('presets equal variance_scaling with the same arguments and seed', () => {
      const shape = [50, 40];
      assert.ok(sameArrays(values('he_normal', {}, 3, shape), values('variance_scaling', { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' }, 3, shape)));
      assert.ok(sameArrays(values('glorot_uniform', {}, 3, shape), values('variance_scaling', { mode: 'fan_avg', distribution: 'uniform' }, 3, shape)));
      // Keras VarianceScaling defaults: scale 1, fan_in, truncated_normal = lecun_normal.
      assert.ok(sameArrays(values('lecun_normal', {}, 3, shape), values('variance_scaling', {}, 3, shape)));
    });
  });

  describe('variance_scaling arguments', () => {
    it('fan_out and fan_avg with scale', () => {
      const shape = [3, 3, 16, 32]; // fans 144, 288
      assertClose(stats(values('variance_scaling', { scale: 3, mode: 'fan_out', distribution: 'uniform' }, 1, shape)).std, Math.sqrt(3 / 288), 0.04, 'fan_out');
      assertClose(stats(values('variance_scaling', { scale: 0.5, mode: 'fan_avg', distribution: 'truncated_normal' }, 1, shape)).std, Math.sqrt(0.5 / 216), 0.04, 'fan_avg');
    });

    it('"normal" (any case) is truncated_normal; untruncated_normal is not truncated', () => {
      const shape = [400, 200];
      const t = values('variance_scaling', { distribution: 'truncated_normal' }, 9, shape);
      assert.ok(sameArrays(t, values('variance_scaling', { distribution: 'normal' }, 9, shape)));
      assert.ok(sameArrays(t, values('variance_scaling', { distribution: 'Normal' }, 9, shape)));
      const u = stats(values('variance_scaling', { distribution: 'untruncated_normal' }, 9, shape));
      const std = Math.sqrt(1 / 400);
      assertClose(u.std, std, 0.02, 'untruncated std');
      assert.ok(u.maxAbs > 3.5 * std, `untruncated tail too short: ${u.maxAbs}`);
    });

    it('uses Keras fans for rank 1 and rank 0', () => {
      const v = values('variance_scaling', { distribution: 'uniform' }, 2, [1000]);
      assert.ok(stats(v).maxAbs <= Math.sqrt(3 / 1000) * F32); // tfjs would use sqrt(1000) as the fan
      const s = kerasInitializer('variance_scaling', { distribution: 'uniform' }, 2).apply([], 'float32');
      assert.deepStrictEqual(s.shape, []);
      assert.ok(Math.abs(s.dataSync()[0]) <= Math.sqrt(3) * F32);
      s.dispose();
    });

    it('rejects bad mode, distribution and scale', () => {
      assert.throws(() => kerasInitializer('variance_scaling', { mode: 'fan_sum' }, 1), /mode/);
      assert.throws(() => kerasInitializer('variance_scaling', { distribution: 'cauchy' }, 1), /distribution/);
      assert.throws(() => kerasInitializer('variance_scaling', { scale: 0 }, 1), /scale/);
    });
  });

  describe('plain random initializers', () => {
    const shape = [500, 200];

    it('random_normal defaults to mean 0, stddev 0.05 and takes mean/stddev', () => {
      const d = stats(values('random_normal', {}, 1, shape));
      assert.ok(Math.abs(d.mean) < 0.001);
      assertClose(d.std, 0.05, 0.01, 'std');
      assert.ok(d.maxAbs > 0.2, 'not truncated');
      const c = stats(values('random_normal', { mean: 1, stddev: 2 }, 1, shape));
      assert.ok(Math.abs(c.mean - 1) < 0.03, `mean ${c.mean}`); // 4 standard errors
      assertClose(c.std, 2, 0.01, 'std');
    });

    it('random_uniform defaults to [-0.05, 0.05) and takes minval/maxval (0 included)', () => {
      const v = values('random_uniform', {}, 1, shape);
      assert.ok(v.every((x) => x >= -0.05 && x <= 0.05 * F32));
      assertClose(stats(v).std, 0.1 / Math.sqrt(12), 0.01, 'std');
      const w = values('random_uniform', { minval: 0, maxval: 1 }, 1, shape);
      assert.ok(w.every((x) => x >= 0 && x <= 1));
      assertClose(stats(w).mean, 0.5, 0.01, 'mean');
    });

    it('truncated_normal cuts at 2 stddev and does NOT correct the std', () => {
      const d = stats(values('truncated_normal', {}, 1, shape));
      assert.ok(d.maxAbs <= 0.1 * F32, `beyond 2 stddev: ${d.maxAbs}`);
      assert.ok(d.maxAbs > 0.099);
      assertClose(d.std, 0.05 * TRUNC, 0.01, 'std');
      const c = values('truncated_normal', { mean: 3, stddev: 0.5 }, 1, shape);
      assert.ok(c.every((x) => x >= 2 / F32 && x <= 4 * F32));
      assertClose(stats(c).mean, 3, 0.01, 'mean');
    });
  });

  describe('seeding', () => {
    it('same seed gives identical arrays, different seeds differ', () => {
      for (const name of ['he_normal', 'glorot_uniform', 'random_normal', 'random_uniform', 'truncated_normal', 'variance_scaling', 'orthogonal']) {
        const a = values(name, {}, 42, [30, 20]);
        assert.ok(sameArrays(a, values(name, {}, 42, [30, 20])), `${name}: same seed differs`);
        assert.ok(!sameArrays(a, values(name, {}, 43, [30, 20])), `${name}: different seeds agree`);
      }
    });

    it('an explicit args.seed wins over the derived seed', () => {
      const a = values('he_normal', { seed: 7 }, 100, [10, 10]);
      assert.ok(sameArrays(a, values('he_normal', { seed: 7 }, 200, [10, 10])));
      assert.ok(sameArrays(a, values('he_normal', {}, 7, [10, 10])));
    });

    it('unseeded: one instance repeats itself (as Keras), two instances differ', () => {
      const init = kerasInitializer('glorot_uniform', {}, undefined);
      const a = init.apply([20, 20]).dataSync();
      assert.ok(sameArrays(a, init.apply([20, 20]).dataSync()));
      assert.ok(!sameArrays(a, kerasInitializer('glorot_uniform', {}, undefined).apply([20, 20]).dataSync()));
    });

    it('gives bit-identical weights on the cpu and wasm backends', async () => {
      const shapes = [[64, 32], [3, 3, 4, 8]];
      const names = ['he_normal', 'glorot_uniform', 'orthogonal', 'random_normal'];
      const onCpu = names.flatMap((n) => shapes.map((s) => values(n, {}, 11, s)));
      try {
        if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
        const onWasm = names.flatMap((n) => shapes.map((s) => values(n, {}, 11, s)));
        onCpu.forEach((v, i) => assert.ok(sameArrays(v, onWasm[i]), `case ${i} differs`));
      } finally {
        await tf.setBackend('cpu');
      }
    });

    it('deriveSeed is deterministic, order- and type-sensitive, uint32', () => {
      const s = deriveSeed(42, 0, 'kernel');
      assert.strictEqual(s, deriveSeed(42, 0, 'kernel'));
      const others = [deriveSeed(43, 0, 'kernel'), deriveSeed(42, 1, 'kernel'), deriveSeed(42, 0, 'bias'), deriveSeed(42, '0', 'kernel'), deriveSeed(42, 'kernel', 0), deriveSeed(42, '0kernel')];
      assert.strictEqual(new Set([s, ...others]).size, others.length + 1);
      for (const x of [s, ...others]) assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 32);
      assert.throws(() => deriveSeed(NaN, 1), /finite/);
      // Derived seeds feed initializers: different layers get different weights.
      assert.ok(!sameArrays(values('he_normal', {}, deriveSeed(1, 0, 'kernel'), [8, 8]), values('he_normal', {}, deriveSeed(1, 1, 'kernel'), [8, 8])));
    });
  });

  describe('orthogonal', () => {
    it('square: W^T W = I', () => {
      const w = values('orthogonal', {}, 1, [64, 64]);
      assert.ok(gramError(w, 64, 64, false) < 1e-5);
      assert.ok(gramError(w, 64, 64, true) < 1e-5);
    });

    it('wide matrices get orthonormal rows, conv kernels orthonormal flattened columns, gain scales', () => {
      assert.ok(gramError(values('orthogonal', {}, 2, [20, 50]), 20, 50, true) < 1e-5);
      assert.ok(gramError(values('orthogonal', {}, 2, [50, 20]), 50, 20, false) < 1e-5);
      assert.ok(gramError(values('orthogonal', {}, 2, [3, 3, 4, 8]), 36, 8, false) < 1e-5);
      assert.ok(gramError(values('orthogonal', { gain: 2 }, 2, [16, 16]), 16, 16, false, 4) < 1e-4);
    });

    it('builds an LSTM recurrent kernel (tfjs\'s own orthogonal throws without chained ops)', () => {
      const lstm = tfl.layers.lstm({ units: 4, inputShape: [3, 2], recurrentInitializer: kerasInitializer('orthogonal', {}, 3) });
      tfl.sequential({ layers: [lstm] });
      const recurrent = lstm.getWeights()[1];
      assert.deepStrictEqual(recurrent.shape, [4, 16]);
      assert.ok(gramError(recurrent.dataSync() as Float32Array, 4, 16, true) < 1e-5);
    });

    it('rejects rank < 2', () => {
      assert.throws(() => kerasInitializer('orthogonal', {}, 1).apply([5]), /two-dimensional/);
    });
  });

  describe('constant initializers', () => {
    it('identity, rectangular too, with gain', () => {
      assert.deepStrictEqual(Array.from(values('identity', {}, undefined, [3, 3])), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      assert.deepStrictEqual(Array.from(values('identity', { gain: 0.5 }, undefined, [2, 4])), [0.5, 0, 0, 0, 0, 0.5, 0, 0]);
      assert.throws(() => kerasInitializer('identity', {}, undefined).apply([2, 2, 2]), /2D/);
    });

    it('zeros, ones, constant (default value 0)', () => {
      assert.ok(values('zeros', {}, 1, [4, 5]).every((x) => x === 0));
      assert.ok(values('ones', {}, 1, [4, 5]).every((x) => x === 1));
      assert.ok(values('constant', { value: 3.5 }, 1, [4, 5]).every((x) => x === 3.5));
      assert.ok(values('constant', {}, 1, [4]).every((x) => x === 0));
    });
  });

  describe('kerasInitializer', () => {
    it('knows every Keras identifier', () => {
      assert.deepStrictEqual([...KERAS_INITIALIZER_NAMES].sort(), [
        'constant', 'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'identity', 'lecun_normal', 'lecun_uniform',
        'ones', 'orthogonal', 'random_normal', 'random_uniform', 'truncated_normal', 'variance_scaling', 'zeros',
      ]);
    });

    it('rejects unknown names, arguments the initializer does not take, and bad values', () => {
      assert.throws(() => kerasInitializer('HeNormal', {}, 1), /Unknown initializer/);
      assert.throws(() => kerasInitializer('he_normal', { scale: 3 }, 1), /does not take `scale`/);
      assert.throws(() => kerasInitializer('random_normal', { stddev: 'big' }, 1), /stddev/);
      assert.throws(() => kerasInitializer('he_normal', { seed: 1.5 }, 1), /seed/);
      assert.throws(() => kerasInitializer('he_normal', {}, 1).apply([2, 2], 'int32'), /float32/);
    });

    it('plugs into tfjs layers and those weights are what apply() gives', () => {
      const init = kerasInitializer('he_normal', {}, 99);
      const layer = tfl.layers.dense({ units: 6, inputShape: [10], kernelInitializer: init, biasInitializer: kerasInitializer('zeros', {}, 99) });
      tfl.sequential({ layers: [layer] });
      const kernel = layer.getWeights()[0].dataSync();
      assert.ok(sameArrays(kernel, init.apply([10, 6]).dataSync()));
    });
  });

  describe('serialization', () => {
    function buildModel(): tfl.Sequential {
      const k = (name: string, args: Record<string, unknown> = {}, layer = 0): ReturnType<typeof kerasInitializer> => kerasInitializer(name, args, deriveSeed(5, layer, 'kernel'));
      return tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 8, inputShape: [4], kernelInitializer: k('he_normal'), biasInitializer: k('zeros') }),
          tfl.layers.dense({ units: 8, kernelInitializer: k('glorot_uniform', {}, 1), biasInitializer: k('constant', { value: 0.1 }) }),
          tfl.layers.dense({ units: 8, kernelInitializer: k('identity'), biasInitializer: k('random_normal', {}, 2) }),
          tfl.layers.dense({ units: 8, kernelInitializer: k('orthogonal', {}, 3), biasInitializer: k('random_uniform', { minval: 0, maxval: 1 }, 3) }),
          tfl.layers.dense({ units: 3, kernelInitializer: k('variance_scaling', { mode: 'fan_out', distribution: 'untruncated_normal' }, 4), biasInitializer: k('truncated_normal', {}, 4) }),
        ],
      });
    }

    it('model.json keeps standard tfjs/Keras initializer configs and loads back without our classes', async () => {
      const model = buildModel();
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      assert.ok(saved);
      const topology = saved.modelTopology as { config: { layers: { config: Record<string, { class_name: string; config: Record<string, unknown> }> }[] } };
      const inits = topology.config.layers.flatMap((l) => [l.config.kernel_initializer, l.config.bias_initializer]);
      assert.deepStrictEqual(inits.map((i) => i.class_name), [
        'VarianceScaling', 'Zeros', 'VarianceScaling', 'Constant', 'Identity', 'RandomNormal', 'Orthogonal', 'RandomUniform', 'VarianceScaling', 'TruncatedNormal',
      ]);
      assert.deepStrictEqual(inits[0].config, { scale: 2, mode: 'fan_in', distribution: 'normal', seed: deriveSeed(5, 0, 'kernel') });
      assert.deepStrictEqual(inits[2].config, { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: deriveSeed(5, 1, 'kernel') });
      assert.deepStrictEqual(inits[7].config, { minval: 0, maxval: 1, seed: deriveSeed(5, 3, 'kernel') });

      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
      const before = model.getWeights().map((w) => w.dataSync());
      const after = loaded.getWeights().map((w) => w.dataSync());
      assert.strictEqual(after.length, before.length);
      before.forEach((w, i) => assert.ok(sameArrays(w, after[i]), `weight ${i} changed`));
      // Deserialized with tfjs's own classes, so any tfjs without this module can load it.
      const kernelInit = (loaded.layers[0] as unknown as { kernelInitializer: object }).kernelInitializer;
      assert.ok(!(kernelInit instanceof KerasVarianceScaling));

    });

    it('model.json without weights re-initializes with tfjs classes without error', async () => {
      // (tfjs's own Orthogonal cannot run here: it calls chained ops that tfjs-core alone does not
      // register, so this model leaves it out; loadLayersModel with weights never calls it.)
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 5, inputShape: [4], kernelInitializer: kerasInitializer('he_normal', {}, 1) }),
          tfl.layers.dense({ units: 5, kernelInitializer: kerasInitializer('identity', {}, 1), biasInitializer: kerasInitializer('random_uniform', {}, 1) }),
          tfl.layers.dense({ units: 2, kernelInitializer: kerasInitializer('variance_scaling', { distribution: 'untruncated_normal' }, 1), biasInitializer: kerasInitializer('truncated_normal', {}, 1) }),
        ],
      });
      const fresh = await tfl.models.modelFromJSON(model.toJSON(null, false) as Parameters<typeof tfl.models.modelFromJSON>[0]);
      assert.deepStrictEqual(fresh.getWeights().map((w) => w.shape), model.getWeights().map((w) => w.shape));
    });

    it('our registered class names round-trip through tfjs deserialization', () => {
      const map = tf.serialization.SerializationMap.getMap().classNameMap;
      const classes = [KerasVarianceScaling, KerasRandomNormal, KerasRandomUniform, KerasTruncatedNormal, KerasOrthogonal, KerasIdentity];
      for (const cls of classes) assert.ok(map[cls.className], `${cls.className} not registered`);
      const original = kerasInitializer('variance_scaling', { scale: 3, mode: 'fan_avg', distribution: 'uniform' }, 17);
      const [cls, fromConfig] = map[KerasVarianceScaling.className];
      const copy = fromConfig(cls, original.getConfig()) as KerasVarianceScaling;
      assert.ok(copy instanceof KerasVarianceScaling);
      assert.strictEqual(copy.mode, 'fan_avg');
      assert.ok(sameArrays(copy.apply([12, 7]).dataSync(), original.apply([12, 7]).dataSync()));
      // Standard names are still tfjs's own.
      assert.notStrictEqual(map['VarianceScaling'][0], KerasVarianceScaling);
    });
  });
});
