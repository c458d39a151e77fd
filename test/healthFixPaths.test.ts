import * as assert from 'assert';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { SpecPaths } from '../src/core/health/fixPaths';
import { fixLargeInit, scaleLearningRate, switchActivation } from '../src/core/health/fixes';
import type { HealthFix } from '../src/core/health/types';
import { healthFixEdits } from '../src/editor/healthFix';
import { applyEdits } from './editor/cursor';

const BASE = `{
  "name": "deep",
  "data": { "dataset": "mnist", "scale": 255 },
  "layer_defaults": {
    "Dense": { "activation": "sigmoid", "kernel_initializer": { "type": "random_normal", "stddev": 1 } }
  },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 64 },
    { "type": "Dense", "units": 32, "activation": "tanh" },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "sgd" }
}`;

/** A spec with variants: one patching layer_defaults, one with its own layers, one patching nothing. */
const VARIANTS = BASE.replace(/\n}$/, `,
  "variants": [
    { "name": "defaults", "layer_defaults": { "Dense": { "kernel_initializer": "glorot_uniform" } } },
    { "name": "own layers", "layers": [
      { "type": "Flatten", "input_shape": [28, 28] },
      { "type": "Dense", "units": 64, "activation": "sigmoid" },
      { "type": "Dense", "units": 10, "activation": "softmax" }
    ] },
    { "name": "plain" },
    { "name": "adam", "compile": { "optimizer": { "type": "Adam", "learning_rate": 0.01 } } }
  ]
}`);

function resolved(text: string, variant?: string): ResolvedSpec {
  const r = resolveSpec(text, variant);
  assert.ok(r.ok, r.ok ? '' : `${r.message}\n${r.diagnostics.map((d) => d.message).join('\n')}\n${text}`);
  return r.spec;
}

function apply(text: string, fix: HealthFix | null): string {
  assert.ok(fix, 'a fix');
  return applyEdits(text, healthFixEdits(text, fix));
}

const args = (s: ResolvedSpec, i: number, key: string): unknown => s.layers[i].args[key];

describe('health fixes: paths into the spec file', () => {
  it('a base run: the layer own key, else layer_defaults when it feeds exactly the changed layers', () => {
    const spec = resolved(BASE);
    const fix = switchActivation({ spec, paths: new SpecPaths(BASE) }, ['dense', 'dense_1'], 'relu', 'he_normal');
    assert.deepStrictEqual(fix?.edits, [
      { path: ['layer_defaults', 'Dense', 'activation'], value: 'relu' },
      { path: ['layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
      { path: ['layers', 2, 'activation'], value: 'relu' },
      { path: ['layers', 3, 'kernel_initializer'], value: 'glorot_uniform' },
    ]);
    assert.strictEqual(fix?.title, 'Use relu with he_normal for dense and dense_1');
    const fixed = apply(BASE, fix);
    const after = resolved(fixed);
    assert.deepStrictEqual([1, 2, 3].map((i) => args(after, i, 'activation')), ['relu', 'relu', 'softmax']);
    assert.deepStrictEqual([1, 2, 3].map((i) => (args(after, i, 'kernel_initializer') as { type: string }).type), ['he_normal', 'he_normal', 'glorot_uniform']);
    // The layout is kept: the one-line layer objects stay on one line.
    assert.ok(fixed.includes('    { "type": "Dense", "units": 32, "activation": "relu" },\n'), fixed);
    assert.ok(fixed.includes('{ "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": "glorot_uniform" }'), fixed);
    assert.ok(fixed.includes('"Dense": { "activation": "relu", "kernel_initializer": "he_normal" }'), fixed);
  });

  it('a variant that patches layer_defaults gets the edit there; the other variants are unchanged', () => {
    // Its output layer takes the initializer from layer_defaults too: it gets he_normal rather than the base spec's layers changing.
    const spec = resolved(VARIANTS, 'defaults');
    const fixed = apply(VARIANTS, switchActivation({ spec, paths: new SpecPaths(VARIANTS, 'defaults') }, ['dense'], 'relu', 'he_normal'));
    assert.ok(fixed.includes('{ "name": "defaults", "layer_defaults": { "Dense": { "kernel_initializer": "he_normal", "activation": "relu" } } }'), fixed);
    const after = resolved(fixed, 'defaults');
    assert.deepStrictEqual([args(after, 1, 'activation'), args(after, 2, 'activation')], ['relu', 'tanh']);
    assert.deepStrictEqual(resolved(fixed, 'plain').layers, resolved(VARIANTS, 'plain').layers);
  });

  it('a variant with its own layers gets the edit in them; one without gets a layer_defaults patch created', () => {
    let spec = resolved(VARIANTS, 'own layers');
    let fixed = apply(VARIANTS, switchActivation({ spec, paths: new SpecPaths(VARIANTS, 'own layers') }, ['dense'], 'relu', 'he_normal'));
    assert.ok(fixed.includes('{ "type": "Dense", "units": 64, "activation": "relu" }'), fixed);
    assert.strictEqual(args(resolved(fixed, 'own layers'), 1, 'activation'), 'relu');
    assert.strictEqual(args(resolved(fixed), 1, 'activation'), 'sigmoid');

    spec = resolved(VARIANTS, 'plain');
    fixed = apply(VARIANTS, fixLargeInit({ spec, paths: new SpecPaths(VARIANTS, 'plain') }));
    assert.ok(fixed.includes('{ "name": "plain", "layer_defaults": { "Dense": { "kernel_initializer": "glorot_uniform" } } }'), fixed);
    assert.strictEqual((args(resolved(fixed, 'plain'), 1, 'kernel_initializer') as { type: string }).type, 'glorot_uniform');
    assert.strictEqual((args(resolved(fixed, 'defaults'), 1, 'kernel_initializer') as { type: string }).type, 'glorot_uniform');
    assert.strictEqual((args(resolved(fixed), 1, 'kernel_initializer') as { type: string }).type, 'random_normal');
  });

  it('a string optimizer becomes an object; a variant merges into its own optimizer object', () => {
    let fix = scaleLearningRate({ spec: resolved(BASE), paths: new SpecPaths(BASE) }, 0.1);
    assert.deepStrictEqual(fix, { title: 'Lower the learning rate from 0.01 to 0.001', edits: [{ path: ['compile', 'optimizer'], value: { type: 'SGD', learning_rate: 0.001 } }] });
    let fixed = apply(BASE, fix);
    assert.ok(fixed.includes('"optimizer": { "type": "SGD", "learning_rate": 0.001 }'), fixed);
    assert.strictEqual(resolved(fixed).compile.optimizer.learning_rate, 0.001);

    fix = scaleLearningRate({ spec: resolved(VARIANTS, 'adam'), paths: new SpecPaths(VARIANTS, 'adam') }, 0.1);
    assert.deepStrictEqual(fix?.edits, [{ path: ['variants', 3, 'compile', 'optimizer', 'learning_rate'], value: 0.001 }]);
    fixed = apply(VARIANTS, fix);
    assert.strictEqual(resolved(fixed, 'adam').compile.optimizer.learning_rate, 0.001);
    assert.strictEqual(resolved(fixed, 'plain').compile.optimizer.learning_rate, 0.01);

    // A variant without an optimizer over a string one: its patch gets the whole object.
    fixed = apply(VARIANTS, scaleLearningRate({ spec: resolved(VARIANTS, 'plain'), paths: new SpecPaths(VARIANTS, 'plain') }, 10));
    assert.ok(fixed.includes('{ "name": "plain", "compile": { "optimizer": { "type": "SGD", "learning_rate": 0.1 } } }'), fixed);
    assert.strictEqual(resolved(fixed, 'plain').compile.optimizer.learning_rate, 0.1);
    assert.strictEqual(resolved(fixed, 'defaults').compile.optimizer.learning_rate, 0.01);
  });

  it('no learning-rate fix under a schedule', () => {
    const text = BASE.replace('"optimizer": "sgd"', '"optimizer": { "type": "SGD", "learning_rate": { "type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.9 } }');
    assert.strictEqual(scaleLearningRate({ spec: resolved(text), paths: new SpecPaths(text) }, 0.1), null);
  });
});

describe('health fixes: as text edits', () => {
  const fix = (edits: HealthFix['edits']): HealthFix => ({ title: 't', edits });

  it('replaces values in place, keeping comments and the layout around them', () => {
    const text = '{\n  // the optimizer\n  "compile": { "loss": "mse", "optimizer": "sgd" } // end\n}\n';
    assert.strictEqual(apply(text, fix([{ path: ['compile', 'optimizer'], value: { type: 'SGD', learning_rate: 0.001 } }])),
      '{\n  // the optimizer\n  "compile": { "loss": "mse", "optimizer": { "type": "SGD", "learning_rate": 0.001 } } // end\n}\n');
  });

  it('creates missing objects on the way, once for edits that share them', () => {
    const text = '{\n  "variants": [\n    { "name": "a" },\n    {\n      "name": "b"\n    }\n  ]\n}';
    const out = apply(text, fix([
      { path: ['variants', 1, 'layer_defaults', 'Dense', 'activation'], value: 'relu' },
      { path: ['variants', 1, 'layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
      { path: ['variants', 0, 'epochs'], value: 3 },
      { path: ['variants', 0, 'seed'], value: 1 },
    ]));
    assert.strictEqual(out, '{\n  "variants": [\n    { "name": "a", "epochs": 3, "seed": 1 },\n    {\n      "name": "b",\n      "layer_defaults": { "Dense": { "activation": "relu", "kernel_initializer": "he_normal" } }\n    }\n  ]\n}');
  });

  it('fills an empty object; a later edit of a prefix wins; missing array items are left alone', () => {
    assert.strictEqual(apply('{ "fit": {} }', fix([{ path: ['fit', 'epochs'], value: 2 }, { path: ['fit', 'batch_size'], value: 8 }])), '{ "fit": { "epochs": 2, "batch_size": 8 } }');
    assert.strictEqual(apply('{ "a": { "b": 1 } }', fix([{ path: ['a', 'b'], value: 2 }, { path: ['a'], value: 'x' }])), '{ "a": "x" }');
    assert.strictEqual(apply('{ "a": { "b": 1 } }', fix([{ path: ['a'], value: { c: 1 } }, { path: ['a', 'd'], value: 2 }])), '{ "a": { "c": 1, "d": 2 } }');
    assert.deepStrictEqual(healthFixEdits('{ "layers": [] }', fix([{ path: ['layers', 3, 'units'], value: 2 }])), []);
    assert.deepStrictEqual(healthFixEdits('[1]', fix([{ path: ['a'], value: 2 }])), []);
    // A value that is not an object where the path goes on is replaced by one.
    assert.strictEqual(apply('{ "compile": { "optimizer": "sgd" } }', fix([{ path: ['compile', 'optimizer', 'learning_rate'], value: 0.1 }])), '{ "compile": { "optimizer": { "learning_rate": 0.1 } } }');
  });
});
