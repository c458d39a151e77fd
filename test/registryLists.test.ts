// The registry is the only list of names: every list outside it that names the same things is
// checked here against it, so adding an entry (or forgetting one) fails a test that says where.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ACTIVATIONS, LAYERS, LOSSES, METRICS, NAMED, OPTIMIZERS, lookupLayer } from '../src/core/registry';
import { BUILTIN_DATASETS, BUILTIN_DATASET_NAMES } from '../src/core/registry/datasets';
import { BACKENDS, ENGINES, choiceNames } from '../src/core/registry/training';
import { BUILTIN_FILES } from '../src/core/data/builtin';
import { resolveRef, resolveSpec } from '../src/core/resolve';
import { KERAS_INITIALIZER_NAMES, kerasInitializer } from '../src/trainer/initializers';
import { kernelPlan } from '../src/trainer/engines/denseKernel';
import { CSVLogger, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau } from '../src/trainer/callbacks';
import type { CSVLoggerOptions, EarlyStoppingOptions, ModelCheckpointOptions, ReduceLROnPlateauOptions } from '../src/trainer/callbacks';
import type { TensorBoardOptions } from '../src/trainer/callbacks/tensorBoard';

const ROOT = path.join(__dirname, '..', '..');

/** `enum { PREFIX_A, PREFIX_B, ... }` in dense.c -> { A: 0, B: 1, ... }. */
function cEnum(source: string, prefix: string): Record<string, number> {
  const body = new RegExp(`enum \\{\\s*(${prefix}_\\w+(?:,\\s*${prefix}_\\w+)*)\\s*\\};`).exec(source);
  assert.ok(body, `dense.c has no enum of ${prefix}_ constants`);
  return Object.fromEntries(body[1].split(/,\s*/).map((c, i) => [c.slice(prefix.length + 1), i]));
}

/** The dense.c constant for a registry name: `sparse_categorical_crossentropy` -> `SPARSE_CATEGORICAL_CROSSENTROPY`, `LeakyReLU` -> `LEAKY_RELU`. */
function sameName(constant: string, name: string): boolean {
  return constant.replace(/_/g, '') === name.replace(/_/g, '').toUpperCase();
}

/** Registry name -> code of the entries the kernel trains. */
function codes(entries: readonly { name: string; fusedKernel?: { code: number } }[]): [string, number][] {
  return entries.flatMap((e) => (e.fusedKernel ? [[e.name, e.fusedKernel.code] as [string, number]] : []));
}

/** Checks that a C enum holds exactly the registry's codes, each named after its entry. */
function assertEnum(cCodes: Record<string, number>, registry: [string, number][], what: string): void {
  assert.strictEqual(Object.keys(cCodes).length, registry.length, `${what}: dense.c has ${Object.keys(cCodes).join(', ')}; the registry codes ${registry.map((r) => r[0]).join(', ')}`);
  for (const [name, code] of registry) {
    const constant = Object.keys(cCodes).find((c) => cCodes[c] === code);
    assert.ok(constant !== undefined && sameName(constant, name), `${what}: registry ${name} has code ${code}, which dense.c calls ${constant}`);
  }
}

function packageSetting(key: string): { enum?: string[]; enumDescriptions?: string[] } | undefined {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> } } };
  return pkg.contributes.configuration.properties[key];
}

/** The `enum` of the first property named `key` anywhere in a JSON Schema. */
function propertyEnum(schema: unknown, key: string): unknown {
  if (!schema || typeof schema !== 'object') return undefined;
  const props = (schema as { properties?: Record<string, { enum?: unknown }> }).properties;
  if (props?.[key]?.enum) return props[key].enum;
  for (const v of Object.values(schema)) {
    const hit = propertyEnum(v, key);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function reason(layers: object[], compile: object): string {
  const r = resolveSpec(JSON.stringify({ name: 'k', layers: [{ type: 'Input', shape: [4] }, ...layers], compile, fit: { batch_size: 8 } }));
  if (!r.ok) throw new Error(r.message);
  const plan = kernelPlan(r.spec);
  return 'reason' in plan ? plan.reason : 'eligible';
}

describe('lists outside the registry agree with it', () => {
  const dense = fs.readFileSync(path.join(ROOT, 'src', 'kernel', 'dense.c'), 'utf8');

  it('dense.c ACT_ enum: the registry activations and layers with a fused-kernel code', () => {
    const layerCodes = LAYERS.flatMap((l) => (l.fusedKernel?.activationCode !== undefined ? [[l.name, l.fusedKernel.activationCode] as [string, number]] : []));
    assertEnum(cEnum(dense, 'ACT'), [...codes(ACTIVATIONS), ...layerCodes], 'activations');
  });

  it('dense.c LOSS_ enum: the registry losses with a fused-kernel code', () => {
    assertEnum(cEnum(dense, 'LOSS'), codes(LOSSES), 'losses');
  });

  it('dense.c OPT_ enum: the registry optimizers with a fused-kernel code (and SGD with momentum)', () => {
    const sgd = OPTIMIZERS.find((o) => o.name === 'SGD');
    const momentum = sgd?.fusedKernel?.momentumCode;
    assert.ok(momentum !== undefined);
    const centered = OPTIMIZERS.find((o) => o.name === 'RMSprop')?.fusedKernel?.centeredCode;
    assert.ok(centered !== undefined);
    assertEnum(cEnum(dense, 'OPT'), [...codes(OPTIMIZERS), ['momentum', momentum], ['rmsprop_centered', centered]], 'optimizers');
  });

  it("dense.c's optimizer buffers hold at least the registry's slots for every optimizer the kernel trains", () => {
    const m = /int slots = ((?:kind == OPT_\w+ \? \d+ : )+)(\d+);/.exec(dense);
    assert.ok(m, 'dense.c no longer computes `int slots = kind == OPT_... ? n : ... : n;`');
    const byConstant = Object.fromEntries([...m[1].matchAll(/kind == OPT_(\w+) \? (\d+)/g)].map((x) => [x[1], Number(x[2])]));
    const kernelSlots = (constant: string): number => byConstant[constant] ?? Number(m[2]);
    const opt = cEnum(dense, 'OPT');
    const constantOf = (code: number): string => Object.keys(opt).find((c) => opt[c] === code) as string;
    for (const o of OPTIMIZERS) {
      if (!o.fusedKernel) continue;
      // Plain RMSprop's code takes momentum; centered RMSprop has a code of its own.
      const most = o.slots + o.slotArgs.filter((a) => a !== 'centered').length;
      const centeredCode = o.fusedKernel.centeredCode;
      if (centeredCode !== undefined) assert.ok(kernelSlots(constantOf(centeredCode)) >= o.slots + o.slotArgs.length, `${o.name} centered`);
      const withMomentum = o.fusedKernel.momentumCode;
      if (withMomentum !== undefined) {
        assert.ok(kernelSlots(constantOf(o.fusedKernel.code)) >= o.slots, `${o.name}`);
        assert.ok(kernelSlots(constantOf(withMomentum)) >= most, `${o.name} with momentum`);
      } else {
        assert.ok(kernelSlots(constantOf(o.fusedKernel.code)) >= most, o.name);
      }
    }
  });

  it("the fused kernel's 'supported: ...' reasons name exactly the registry entries it trains", () => {
    const out = { type: 'Dense', units: 3, activation: 'softmax' };
    const compile = { loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] };
    const kernelActivations = [...ACTIVATIONS.filter((a) => a.fusedKernel).map((a) => a.name), ...LAYERS.filter((l) => l.fusedKernel?.activationCode !== undefined).map((l) => l.name)];
    // Every registry activation is in the kernel now, so no spec draws the activations' reason.
    assert.deepStrictEqual(kernelActivations.filter((n) => n !== 'LeakyReLU').sort(), ACTIVATIONS.map((a) => a.name).sort());
    // Every registry layer type is in the kernel now (where it sits decides), so none draws the layers' reason.
    assert.deepStrictEqual(LAYERS.filter((l) => l.fusedKernel).map((l) => l.name), LAYERS.map((l) => l.name));
    // Every registry loss is in the kernel now, so none draws the losses' reason.
    assert.deepStrictEqual(LOSSES.filter((l) => l.fusedKernel).map((l) => l.name), LOSSES.map((l) => l.name));
    const binary = [{ type: 'Dense', units: 1, activation: 'sigmoid' }];
    // Every registry metric is in the kernel now (precision and recall too), so none draws the metrics' reason.
    assert.deepStrictEqual(METRICS.filter((m) => m.fusedKernel).map((m) => m.name), METRICS.map((m) => m.name));
    assert.strictEqual(reason(binary, { ...compile, loss: 'binary_crossentropy', metrics: ['precision', 'recall'] }), 'eligible');
    // Each metric the registry marks trains on the kernel with labels it can read.
    for (const m of METRICS.filter((e) => e.fusedKernel)) {
      const sparse = m.name === 'accuracy' || m.name.startsWith('sparse_');
      const loss = sparse ? 'sparse_categorical_crossentropy' : 'categorical_crossentropy';
      assert.strictEqual(reason([out], { ...compile, loss, metrics: [m.name] }), 'eligible', m.name);
    }
    // Likewise every registry optimizer.
    assert.deepStrictEqual(OPTIMIZERS.filter((o) => o.fusedKernel).map((o) => o.name), OPTIMIZERS.map((o) => o.name));
    // Each entry the registry marks is really trained by the kernel.
    for (const a of ACTIVATIONS.filter((e) => e.fusedKernel && e.name !== 'softmax')) {
      assert.strictEqual(reason([{ type: 'Dense', units: 4, activation: a.name }, out], compile), 'eligible', a.name);
    }
    for (const o of OPTIMIZERS.filter((e) => e.fusedKernel)) assert.strictEqual(reason([out], { ...compile, optimizer: o.name }), 'eligible', o.name);
  });

  it('trainer/initializers.ts: builds every registry initializer, with exactly its arguments and defaults', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    assert.deepStrictEqual([...KERAS_INITIALIZER_NAMES].sort(), NAMED.initializer.map((e) => e.name).sort());
    for (const e of NAMED.initializer) {
      const { type: _, ...defaults } = resolveRef('initializer', e.name);
      assert.doesNotThrow(() => tf.tidy(() => kerasInitializer(e.name, defaults, 1).apply([3, 3])), e.name);
      assert.throws(() => kerasInitializer(e.name, { not_an_argument: 1 }, 1), /does not take/, e.name);
    }
    if (previous && previous !== 'cpu') await tf.setBackend(previous);
  });

  it('trainer/callbacks option interfaces: exactly the registry arguments of each callback', () => {
    // Typed records: the compiler checks each holds exactly its interface's keys.
    const options: Record<string, Record<string, true>> = {
      EarlyStopping: { monitor: true, min_delta: true, patience: true, verbose: true, mode: true, baseline: true, restore_best_weights: true, start_from_epoch: true } satisfies Record<keyof EarlyStoppingOptions, true>,
      ModelCheckpoint: { filepath: true, monitor: true, verbose: true, save_best_only: true, save_weights_only: true, mode: true, save_freq: true, initial_value_threshold: true } satisfies Record<keyof ModelCheckpointOptions, true>,
      ReduceLROnPlateau: { monitor: true, factor: true, patience: true, verbose: true, mode: true, min_delta: true, cooldown: true, min_lr: true } satisfies Record<keyof ReduceLROnPlateauOptions, true>,
      CSVLogger: { filename: true, separator: true, append: true } satisfies Record<keyof CSVLoggerOptions, true>,
      // The config and weight names come from the spec, not from the callback's arguments.
      TensorBoard: { log_dir: true, histogram_freq: true, update_freq: true, write_graph: true } satisfies Record<Exclude<keyof TensorBoardOptions, 'modelJson' | 'weights'>, true>,
      TerminateOnNaN: {},
    };
    assert.deepStrictEqual(Object.keys(options).sort(), NAMED.callback.map((c) => c.name).sort());
    for (const c of NAMED.callback) assert.deepStrictEqual(Object.keys(options[c.name]).sort(), c.args.map((a) => a.name).sort(), c.name);
    // The registry's defaults make working callbacks.
    const defaults = (name: string): never => ({ ...resolveRef('callback', name), filepath: 'ckpt', filename: 'log.csv' }) as never;
    for (const cls of [EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger]) assert.doesNotThrow(() => new cls(defaults(cls.name)), cls.name);
  });

  it('built-in datasets: the table, the download sources (core/data/builtin.ts) and the spec schema', () => {
    assert.deepStrictEqual(Object.keys(BUILTIN_DATASETS), [...BUILTIN_DATASET_NAMES]);
    for (const n of BUILTIN_DATASET_NAMES) assert.strictEqual(BUILTIN_DATASETS[n].name, n);
    assert.deepStrictEqual(Object.keys(BUILTIN_FILES).sort(), [...BUILTIN_DATASET_NAMES].sort());
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'model-spec.schema.json'), 'utf8')) as unknown;
    assert.deepStrictEqual(propertyEnum(schema, 'dataset'), [...BUILTIN_DATASET_NAMES]);
  });

  it("package.json settings: modelSpec.training.backend (and .engine when present) list the registry's choices", () => {
    const backend = packageSetting('modelSpec.training.backend');
    assert.deepStrictEqual(backend?.enum, choiceNames(BACKENDS));
    assert.deepStrictEqual(backend?.enumDescriptions, BACKENDS.map((b) => b.doc));
    const engine = packageSetting('modelSpec.training.engine');
    if (engine) {
      assert.deepStrictEqual(engine.enum, choiceNames(ENGINES));
      assert.deepStrictEqual(engine.enumDescriptions, ENGINES.map((e) => e.doc));
    }
  });

  it('layers: pass-through and fused-kernel flags sit on registry layer types', () => {
    for (const l of LAYERS.filter((e) => e.passThrough)) {
      const r = l.infer([null, 4, 6], l.name === 'Reshape' ? { target_shape: [24] } : { rate: 0.5 });
      assert.ok(r.ok && r.shape.slice(1).reduce((a, b) => (a ?? 1) * (b ?? 1), 1) === 24, `${l.name} keeps every value`);
      assert.ok(!l.activationArg, l.name);
    }
    assert.ok(lookupLayer('LeakyReLU')?.fusedKernel?.activationCode !== undefined);
  });
});
