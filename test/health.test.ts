/** Training health: the statistics on hand-built arrays, and both engines' measurements against each other (the tfjs engine's come from tf.grads). */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Split } from '../src/core/data/load';
import { healthLayers } from '../src/core/health/layers';
import { canDie, l2Norm, outputStats, saturationOf, statsFromSums, updateRatio, type Block } from '../src/core/health/stats';
import { HEALTH_HISTOGRAM, type LayerHealth } from '../src/core/health/types';
import { initBackend } from '../src/trainer/backend';
import { buildModel } from '../src/trainer/buildModel';
import { compileModel } from '../src/trainer/compileModel';
import type { Engine } from '../src/trainer/engines';
import { kernelBuild } from '../src/trainer/engines/denseKernel';
import { FusedEngine } from '../src/trainer/engines/fusedEngine';
import { TfjsEngine } from '../src/trainer/engines/tfjsEngine';
import { describeHealth, healthEvery, HealthMonitor } from '../src/trainer/health';
import type { FromTrainer, HealthMessage, RunResult } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { denseSpec, planOf, randomSplit } from './kernelCompare';

/** The WebAssembly API this test uses (the tsconfig has no DOM library). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
}

/** The kernel's health exports, instantiated on their own. */
interface KernelStats {
  k_alloc(bytes: number): number;
  k_output_stats(x: number, rows: number, cols: number, stride: number, low: number, high: number, inclusive: number, hmin: number, hmax: number, bins: number, out: number, alive: number): void;
  k_count_nonfinite(x: number, rows: number, cols: number, stride: number): number;
}

const block = (rows: number[][], stride?: number): Block => {
  const cols = rows[0].length;
  const s = stride ?? cols;
  const data = new Float32Array(rows.length * s);
  rows.forEach((r, i) => data.set(r, i * s));
  return { data, rows: rows.length, cols, stride: s };
};

describe('training health statistics', () => {
  it('counts saturated sigmoid, tanh and hard_sigmoid outputs at the flat parts only', () => {
    assert.strictEqual(outputStats(block([[0.01, 0.5], [0.99, 0.021]]), 'sigmoid').saturation, 0.5);
    assert.strictEqual(outputStats(block([[-0.98, 0.96], [0.971, 0]]), 'tanh').saturation, 0.5);
    assert.strictEqual(outputStats(block([[0, 1, 0.5, 0.999]]), 'hard_sigmoid').saturation, 0.5);
    assert.strictEqual(outputStats(block([[0.01, 0.99]]), 'relu').saturation, null);
  });

  it('finds ReLU units dead for every example, ignoring the padding of a strided block', () => {
    // Column 0 fires once, column 1 never, column 2 always; the stride's padding holds junk.
    const b = block([[0, 0, 1, 9], [0.5, 0, 2, 9], [0, 0, 3, 9]], 4);
    const s = outputStats({ ...b, cols: 3 }, 'relu');
    assert.strictEqual(s.deadFraction, 1 / 3);
    assert.strictEqual(outputStats({ ...b, cols: 3 }, 'sigmoid').deadFraction, null);
  });

  it('gives the mean, the population std and a histogram over the signed range, clamping outliers to the end bins', () => {
    const s = outputStats(block([[-1, 1], [-100, 100]]), 'linear');
    assert.strictEqual(s.activationMean, 0);
    assert.ok(Math.abs((s.activationStd as number) - Math.sqrt((1 + 1 + 1e4 + 1e4) / 4)) < 1e-9);
    assert.strictEqual(s.histogram.length, HEALTH_HISTOGRAM.bins);
    assert.strictEqual(s.histogram[0], 1);
    assert.strictEqual(s.histogram[HEALTH_HISTOGRAM.bins - 1], 1);
    assert.strictEqual(s.histogram.reduce((a, b) => a + b, 0), 4);
  });

  it('counts NaN and infinite outputs and leaves them out of the mean', () => {
    const s = outputStats(block([[NaN, 2], [Infinity, 4]]), 'relu');
    assert.strictEqual(s.nonFinite, 2);
    assert.strictEqual(s.activationMean, 3);
    assert.strictEqual(outputStats(block([[NaN]]), 'relu').activationMean, null);
  });

  it('sums a block in the fused kernel (k_output_stats) exactly as outputStats does, at the thresholds, bin edges and non-finite values', () => {
    const build = kernelBuild();
    assert.ok(build, 'dist/kernel.wasm is built');
    const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const memory = new Wasm.Memory({ initial: 64, maximum: 65536, shared: true });
    const k = new Wasm.Instance(new Wasm.Module(build.bytes), { env: { memory } }).exports as KernelStats;
    const edges = [0, 0.02, 0.98, 1, -0.97, 0.97, -3, 3, -3.15, 2.85, 1e-30, -0, NaN, Infinity, -Infinity, 1e30, 0.5];
    const [rows, cols, stride] = [37, 13, 16];
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const data = Float32Array.from({ length: rows * stride }, (_, i) => (i % 5 === 0 ? edges[i % edges.length] : (rand() - 0.5) * 8 * (i % 3)));
    data.fill(0, 5 * stride, 7 * stride);  // runs of zeros, as relu writes them
    for (let c = 0; c < cols; c++) if (c % 4 === 1) for (let r = 0; r < rows; r++) data[r * stride + c] = -Math.abs(data[r * stride + c]);
    const x = k.k_alloc(data.length * 4);
    new Float32Array(memory.buffer, x, data.length).set(data);
    const { min, max, bins } = HEALTH_HISTOGRAM;
    const [out, alive] = [k.k_alloc(8 * (5 + bins)), k.k_alloc(4 * (cols + 3))];
    for (const activation of ['relu', 'sigmoid', 'hard_sigmoid', 'tanh', 'softsign', 'linear']) {
      const sat = saturationOf(activation);
      k.k_output_stats(x, rows, cols, stride, sat?.low ?? -Infinity, sat?.high ?? Infinity, sat?.inclusive ? 1 : 0, min, max, bins, out, canDie(activation) ? alive : 0);
      const sums = new Float64Array(memory.buffer, out, 5 + bins);
      const kernel = statsFromSums({ finite: sums[0], sum: sums[1], sumSq: sums[2], flat: sums[3], nonFinite: sums[4], counts: sums.slice(5), alive: Uint8Array.from(new Int32Array(memory.buffer, alive, cols)) }, cols, activation);
      const js = outputStats({ data, rows, cols, stride }, activation);
      // The kernel sums 2 lanes of doubles at a time: the same sums in another order.
      for (const key of ['activationMean', 'activationStd'] as const) {
        const [a, b] = [kernel[key] as number, js[key] as number];
        assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${activation} ${key}: ${a} vs ${b}`);
      }
      assert.deepStrictEqual({ ...kernel, activationMean: 0, activationStd: 0 }, { ...js, activationMean: 0, activationStd: 0 }, activation);
      assert.ok(js.nonFinite > 0 && (activation !== 'relu' || (js.deadFraction as number) > 0), `the block has non-finite values and dead units: ${JSON.stringify(js)}`);
    }
    assert.strictEqual(k.k_count_nonfinite(x, rows, cols, stride), outputStats({ data, rows, cols, stride }, 'linear').nonFinite);
  });

  it('computes norms and the update ratio by hand', () => {
    assert.strictEqual(l2Norm(block([[3, 4]])), 5);
    assert.ok(Math.abs((updateRatio(block([[3, 4]]), block([[3, 4.5]])) as number) - 0.1) < 1e-7);
    assert.strictEqual(updateRatio(block([[0, 0]]), block([[1, 0]])), null);
  });

  it('samples the first step, then a few dozen per epoch, or as fit.health says', () => {
    const spec = denseSpec(4, [{ type: 'Dense', units: 2, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' });
    assert.strictEqual(healthEvery(spec, 1719, 32), 54);
    assert.strictEqual(healthEvery(spec, 430, 8), 54);
    assert.strictEqual(healthEvery(spec, 10, 32), 1);
    assert.strictEqual(healthEvery({ ...spec, fit: { ...spec.fit, health: false } }, 100, 32), 0);
    assert.strictEqual(healthEvery({ ...spec, fit: { ...spec.fit, health: { every: 7 } } }, 100, 32), 7);
    const monitor = new HealthMonitor(spec, 5, () => undefined);
    assert.deepStrictEqual([1, 2, 5, 6, 10].map((s) => monitor.due(s)), [true, false, true, false, true]);
    assert.match(describeHealth(54, 1719, 'measured in the fused kernel'), /^every 54 steps \(31 samples per epoch\), measured in the fused kernel$/);
    assert.strictEqual(describeHealth(0, 10, 'x'), 'off (fit.health is false)');
  });

  it('compares a softmax classifier\'s first loss with ln(classes) and names the first layer that went non-finite', () => {
    const spec = denseSpec(4, [{ type: 'Dense', units: 3, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' });
    const sent: HealthMessage[] = [];
    const monitor = new HealthMonitor(spec, 1, (m) => sent.push(m));
    const layer = (name: string, nonFinite: number): LayerHealth => ({
      name, type: 'Dense', activation: 'relu', gradientNorm: 1, weightNorm: 1, updateRatio: 1e-3, activationMean: 0, activationStd: 1,
      saturation: null, deadFraction: 0, nonFinite, histogram: [],
    });
    monitor.record({ epoch: 0, step: 1, globalStep: 1, loss: 2.5, learningRate: 0.01, layers: [layer('a', 0), layer('b', 0)] });
    monitor.record({ epoch: 1, step: 3, globalStep: 9, loss: NaN, learningRate: 0.01, layers: [layer('a', 0), layer('b', 4)] });
    assert.ok(Math.abs((sent[0].initialLoss as { expected: number }).expected - Math.log(10)) < 1e-12);
    assert.strictEqual(sent[1].initialLoss, undefined);
    const summary = monitor.summary();
    assert.deepStrictEqual(summary?.firstNonFinite, { layer: 'b', epoch: 2, step: 3 });
    assert.ok(summary && !('histogram' in summary.layers[0]));
  });
});

describe('training health measured by the engines', function () {
  this.timeout(60000);
  before(async () => {
    await initBackend('auto');
  });

  /** Both engines from the same seeded weights, one measured step on the same rows. */
  async function measureBoth(layers: object[], optimizer: object, rows: number[]): Promise<[LayerHealth[], LayerHealth[]]> {
    const spec = denseSpec(20, layers, 'sparse_categorical_crossentropy', optimizer, { fit: { batch_size: rows.length, shuffle: false } });
    const data = { train: randomSplit(64, 20, 4, 'sparse_categorical_crossentropy', 11) as Split, sources: [] };
    const engines: Engine[] = [];
    const measured: LayerHealth[][] = [];
    for (const make of [(s: never) => new TfjsEngine(s), (s: never) => new FusedEngine(s, planOf(spec), 1)]) {
      const model = buildModel(spec);
      const optimizerInstance = compileModel(model, spec);
      const engine = make({ spec, model, optimizer: optimizerInstance, data } as never);
      engines.push(engine);
      measured.push((await engine.measureBatch(Int32Array.from(rows), 0.1)).layers);
    }
    engines.forEach((e) => e.dispose());
    return [measured[0], measured[1]];
  }

  const close = (a: number | null, b: number | null, tol: number, what: string): void => {
    assert.ok(a !== null && b !== null, `${what}: ${a} vs ${b}`);
    assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(a)), `${what}: tf.grads ${a} vs kernel ${b}`);
  };

  /** One layer's measurements by both engines: the same to float32 rounding, one histogram entry per output value. */
  const assertAgree = (t: LayerHealth, k: LayerHealth): void => {
    close(t.gradientNorm, k.gradientNorm, 1e-4, `${t.name} gradient norm`);
    close(t.weightNorm, k.weightNorm, 1e-6, `${t.name} weight norm`);
    close(t.updateRatio, k.updateRatio, 1e-3, `${t.name} update ratio`);
    close(t.activationMean, k.activationMean, 1e-4, `${t.name} activation mean`);
    close(t.activationStd, k.activationStd, 1e-4, `${t.name} activation std`);
    assert.strictEqual(k.nonFinite, 0);
    assert.strictEqual(t.histogram.reduce((a, b) => a + b, 0), k.histogram.reduce((a, b) => a + b, 0), `${t.name}: output values`);
  };

  for (const optimizer of [{ type: 'SGD', learning_rate: 0.1 }, { type: 'Adam', learning_rate: 0.01 }]) {
    it(`agrees with tf.grads on gradient norms, update ratios and outputs (${optimizer.type})`, async () => {
      const layers = [
        { type: 'Dense', units: 16, activation: 'sigmoid', kernel_initializer: { type: 'RandomNormal', stddev: 5 } },
        { type: 'Dense', units: 12, activation: 'relu' },
        { type: 'Dense', units: 8 }, { type: 'Activation', activation: 'tanh' },
        { type: 'Dense', units: 4, activation: 'softmax' },
      ];
      const [tfjs, kernel] = await measureBoth(layers, optimizer, Array.from({ length: 16 }, (_, i) => i * 3 % 64));
      assert.deepStrictEqual(kernel.map((l) => `${l.name}:${l.activation}`), tfjs.map((l) => `${l.name}:${l.activation}`));
      assert.deepStrictEqual(kernel.map((l) => l.activation), ['sigmoid', 'relu', 'tanh', 'softmax']);
      tfjs.forEach((t, i) => assertAgree(t, kernel[i]));
      assert.ok((kernel[0].saturation as number) > 0.3, `random_normal(5) sigmoids saturate: ${kernel[0].saturation}`);
      close(tfjs[0].saturation, kernel[0].saturation, 0.05, 'sigmoid saturation');
      close(tfjs[1].deadFraction, kernel[1].deadFraction, 0.1, 'dead fraction');
    });
  }

  it('agrees with tf.grads on a small convnet: each Conv2D\'s gradient, update ratio and outputs over every pixel', async () => {
    const layers = [
      { type: 'Reshape', target_shape: [5, 4, 1] }, { type: 'Conv2D', filters: 6, kernel_size: 2, activation: 'tanh' },
      { type: 'Conv2D', filters: 4, kernel_size: 2, padding: 'same' }, { type: 'Activation', activation: 'relu' },
      { type: 'Flatten' }, { type: 'Dense', units: 4, activation: 'softmax' },
    ];
    const [tfjs, kernel] = await measureBoth(layers, { type: 'Adam', learning_rate: 0.01 }, Array.from({ length: 8 }, (_, i) => i * 5 % 64));
    assert.deepStrictEqual(kernel.map((l) => `${l.type}:${l.activation}`), ['Conv2D:tanh', 'Conv2D:relu', 'Dense:softmax']);
    tfjs.forEach((t, i) => assertAgree(t, kernel[i]));
    close(tfjs[1].deadFraction, kernel[1].deadFraction, 1e-6, 'dead fraction');
  });

  it('reports no gradient or update for a frozen layer, and measures the layers after it', async () => {
    const layers = [{ type: 'Dense', units: 8, activation: 'relu', trainable: false }, { type: 'Dense', units: 4, activation: 'softmax' }];
    const [tfjs, kernel] = await measureBoth(layers, { type: 'SGD', learning_rate: 0.1 }, [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const m of [tfjs, kernel]) {
      assert.strictEqual(m[0].gradientNorm, null);
      assert.strictEqual(m[0].updateRatio, null);
      assert.ok((m[1].gradientNorm as number) > 0);
    }
    close(tfjs[1].gradientNorm, kernel[1].gradientNorm, 1e-4, 'output gradient norm');
  });

  it('measures a normalized stack on both engines alike: the activation after the BatchNormalization', async () => {
    const layers = [
      { type: 'Dense', units: 12, use_bias: false }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' },
      { type: 'Dense', units: 8, activation: 'tanh' }, { type: 'BatchNormalization' },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ];
    const [tfjs, kernel] = await measureBoth(layers, { type: 'SGD', learning_rate: 0.1 }, Array.from({ length: 16 }, (_, i) => i * 3 % 64));
    assert.deepStrictEqual(kernel.map((l) => l.activation), ['relu', 'tanh', 'softmax']);
    tfjs.forEach((t, i) => {
      close(t.gradientNorm, kernel[i].gradientNorm, 1e-4, `${t.name} gradient norm`);
      close(t.activationMean, kernel[i].activationMean, 1e-4, `${t.name} activation mean`);
      if (t.activation === 'relu') close(t.deadFraction, kernel[i].deadFraction, 1e-6, `${t.name} dead fraction`);
    });
  });

  it('measures Dense layers the front trains (orders the Dense stack cannot hold) alike: the Activation after a Dropout', async () => {
    const layers = [
      { type: 'Dense', units: 12 }, { type: 'Dropout', rate: 0 }, { type: 'Activation', activation: 'tanh' }, { type: 'Activation', activation: 'relu' },
      { type: 'Dense', units: 8, activation: 'sigmoid' }, { type: 'BatchNormalization' }, { type: 'BatchNormalization' },
      { type: 'Dense', units: 4, activation: 'softmax' },
    ];
    const plan = planOf(denseSpec(20, layers, 'sparse_categorical_crossentropy', { type: 'SGD' }));
    assert.deepStrictEqual([plan.front.filter((op) => op.kind === 'conv').length, plan.dims.length - 1], [2, 1], 'two Dense layers in the front');
    const [tfjs, kernel] = await measureBoth(layers, { type: 'SGD', learning_rate: 0.1 }, Array.from({ length: 16 }, (_, i) => i * 3 % 64));
    assert.deepStrictEqual(kernel.map((l) => l.activation), ['tanh', 'sigmoid', 'softmax']);
    tfjs.forEach((t, i) => assertAgree(t, kernel[i]));
    close(tfjs[0].saturation, kernel[0].saturation, 1e-6, 'tanh saturation');
  });

  it('leaves the moving statistics as the step alone moves them, when TensorFlow.js measures in training mode', async () => {
    const spec = denseSpec(20, [{ type: 'Dense', units: 6 }, { type: 'BatchNormalization', momentum: 0.5 }, { type: 'Dense', units: 4, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD', learning_rate: 0.1 });
    const data = { train: randomSplit(32, 20, 4, 'sparse_categorical_crossentropy', 12) as Split, sources: [] };
    const rows = Int32Array.from({ length: 8 }, (_, i) => i);
    const stats: number[][] = [];
    for (const measured of [false, true]) {
      const model = buildModel(spec);
      const engine = new TfjsEngine({ spec, model, optimizer: compileModel(model, spec), data } as never);
      await (measured ? engine.measureBatch(rows, 0.1) : engine.trainBatch(rows, 0.1));
      stats.push(model.getLayer('batch_normalization').getWeights().slice(2).flatMap((w) => Array.from(w.dataSync())));
      engine.dispose();
    }
    assert.deepStrictEqual(stats[1], stats[0]);
  });

  it('lists the weighted layers with the activation folded in after a linear one', () => {
    const spec = denseSpec(6, [{ type: 'Dense', units: 5 }, { type: 'LeakyReLU', negative_slope: 0.2 }, { type: 'Dropout', rate: 0.1 }, { type: 'Dense', units: 3, activation: 'softmax' }], 'sparse_categorical_crossentropy', { type: 'SGD' });
    assert.deepStrictEqual(healthLayers(spec).map((l) => [l.name, l.activation, l.index, l.outputIndex]), [['dense', 'leaky_relu', 1, 2], ['dense_1', 'softmax', 4, 4]]);
  });
});

describe('training health in a run on real MNIST', function () {
  this.timeout(120000);

  const specText = (fit: string, layers = '{ "type": "Dense", "units": 32, "activation": "relu", "kernel_initializer": "he_normal" }', lr = 0.1): string => `{
    "name": "health", "seed": 5,
    "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 200 } },
    "layers": [ { "type": "Flatten", "input_shape": [28, 28] }, ${layers}, { "type": "Dense", "units": 10, "activation": "softmax" } ],
    "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "learning_rate": ${lr} }, "metrics": ["accuracy"] },
    "fit": { "epochs": 1, "batch_size": 32${fit} }
  }`;

  async function trainSpec(text: string, engine: 'kernel' | 'tfjs' = 'kernel'): Promise<{ msgs: FromTrainer[]; runDir: string; result: RunResult }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-health-'));
    const specPath = path.join(dir, 'health.model.json');
    fs.writeFileSync(specPath, text);
    const msgs: FromTrainer[] = [];
    await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'auto', engine, limit: 800 }, { emit: (m) => msgs.push(m), cancelled: () => false });
    const done = msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.ok(done, JSON.stringify(msgs.filter((m) => m.type === 'error')));
    return { msgs, runDir: done.runDir, result: JSON.parse(fs.readFileSync(path.join(done.runDir, 'result.json'), 'utf8')) as RunResult };
  }

  const healthLines = (runDir: string): HealthMessage[] =>
    fs.readFileSync(path.join(runDir, 'health.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HealthMessage);

  it('samples the first step and every few, writes health.jsonl (not events.jsonl) and summarizes result.json, without changing what is learned', async () => {
    const on = await trainSpec(specText(', "health": { "every": 5 }'));
    const off = await trainSpec(specText(', "health": false'));
    const started = on.msgs.find((m) => m.type === 'started') as Extract<FromTrainer, { type: 'started' }>;
    assert.match(started.health ?? '', /^every 5 steps \(5 samples per epoch\), measured in the fused kernel/);
    const lines = healthLines(on.runDir);
    assert.deepStrictEqual(lines.map((l) => l.globalStep), [1, 5, 10, 15, 20, 25]);
    assert.deepStrictEqual(on.msgs.filter((m) => m.type === 'health').length, lines.length);
    assert.ok(!fs.readFileSync(path.join(on.runDir, 'events.jsonl'), 'utf8').includes('"type":"health"'));
    assert.ok(Math.abs((lines[0].initialLoss?.expected ?? 0) - Math.log(10)) < 1e-12);
    assert.deepStrictEqual(on.result.health?.layers.map((l) => l.name), ['dense', 'dense_1']);
    assert.ok((on.result.health?.layers[0].gradientNorm ?? 0) > 0);
    // Measuring adds sums to the step and changes nothing it computes.
    assert.deepStrictEqual(on.result.history, off.result.history);
    assert.ok(!fs.existsSync(path.join(off.runDir, 'health.jsonl')));
    assert.strictEqual(off.result.health, undefined);
  });

  for (const engine of ['kernel', 'tfjs'] as const) {
    it(`names the layer whose outputs went NaN first (${engine})`, async () => {
      // Outputs grow about 6e13-fold per layer: the third overflows float32 (3.4e38) first.
      const dense = '{ "type": "Dense", "units": 64, "activation": "relu", "kernel_initializer": { "type": "RandomNormal", "stddev": 1e13 } }';
      const { result } = await trainSpec(specText(', "health": { "every": 1000 }, "callbacks": [ { "type": "TerminateOnNaN" } ]', [dense, dense, dense].join(', '), 0.01), engine);
      assert.deepStrictEqual(result.health?.firstNonFinite, { layer: 'dense_2', epoch: 1, step: 1 }, JSON.stringify(result.health));
    });
  }
});
