import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { Code } from '../src/core/diagnostics';
import { mergePatch } from '../src/core/mergePatch';
import { resolveSpec, variantNames } from '../src/core/resolve';
import type { Json } from '../src/core/registry';
import { example, marked, spec, MLP } from './helpers';

describe('JSON Merge Patch (RFC 7396)', () => {
  // The test vectors of RFC 7396, Appendix A.
  const vectors: [Json, Json, Json][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  vectors.forEach(([target, patch, result], i) => {
    it(`vector ${i + 1}`, () => assert.deepStrictEqual(mergePatch(target, patch), result));
  });
});

describe('variants', () => {
  it('resolves each of the notebook\'s five variants', () => {
    const text = example('mnist-initializers.model.json');
    const a = analyze(text);
    assert.deepStrictEqual(variantNames(a), ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_normal + elu', 'LecunNormal + selu']);
    const hidden = (v: string) => {
      const r = resolveSpec(a, v);
      assert.ok(r.ok);
      const d = r.spec.layers[1].args;
      return [d.activation, (d.kernel_initializer as { type: string }).type, (r.spec.layers[4].args.kernel_initializer as { type: string }).type, r.spec.totalParams];
    };
    assert.deepStrictEqual(hidden('glorot_normal'), ['relu', 'glorot_normal', 'glorot_uniform', 316810]);
    assert.deepStrictEqual(hidden('glorot_uniform'), ['relu', 'glorot_uniform', 'glorot_uniform', 316810]);
    assert.deepStrictEqual(hidden('he_normal'), ['relu', 'he_normal', 'glorot_uniform', 316810]);
    assert.deepStrictEqual(hidden('he_normal + elu'), ['elu', 'he_normal', 'glorot_uniform', 316810]);
    assert.deepStrictEqual(hidden('LecunNormal + selu'), ['selu', 'lecun_normal', 'glorot_uniform', 316810]);
  });

  it('fills Keras defaults and canonical names when resolving', () => {
    const r = resolveSpec(example('mnist-early-stopping.model.json'));
    assert.ok(r.ok);
    assert.deepStrictEqual(r.spec.compile.optimizer, { type: 'SGD', learning_rate: 0.01, momentum: 0, nesterov: false });
    assert.deepStrictEqual(r.spec.compile.metrics, [{ name: 'accuracy', type: 'accuracy' }]);
    assert.deepStrictEqual(r.spec.fit.callbacks[0], {
      type: 'EarlyStopping', monitor: 'val_loss', min_delta: 0, patience: 5, verbose: 0, mode: 'auto', baseline: null, restore_best_weights: true, start_from_epoch: 0,
    });
    assert.strictEqual(r.spec.fit.epochs, 50);
    assert.strictEqual(r.spec.seed, 42);
  });

  it('a null in a patch deletes, and a variant cannot rename the spec', () => {
    const text = spec(MLP, '"seed": 1, "variants": [ { "name": "unseeded", "seed": null }, { "name": "deep", "fit": { "epochs": 7 } } ]');
    const a = analyze(text);
    assert.deepStrictEqual(a.diagnostics, []);
    const r1 = resolveSpec(a, 'unseeded');
    const r2 = resolveSpec(a, 'deep');
    assert.ok(r1.ok && r2.ok);
    assert.strictEqual(r1.spec.seed, undefined);
    assert.strictEqual(r1.spec.name, 't');
    assert.strictEqual(r1.spec.variant, 'unseeded');
    assert.strictEqual(r2.spec.fit.epochs, 7);
    assert.strictEqual(r2.spec.seed, 1);
  });

  it('reports a problem that only a variant has, at the variant\'s text', () => {
    const src = spec(MLP, `"variants": [ { "name": "wide", "layers": [ { "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": ⟦12⟧, "activation": "softmax" } ] } ]`);
    const { text, offset } = marked(src);
    const d = analyze(text).diagnostics.find((x) => x.code === Code.OutputMismatch);
    assert.ok(d);
    assert.strictEqual(d.offset, offset);
    assert.strictEqual(d.variant, 'wide');
    assert.match(d.message, /^Variant "wide": /);
    // The base spec resolves; the broken variant does not.
    assert.ok(resolveSpec(text).ok);
    assert.ok(!resolveSpec(text, 'wide').ok);
  });

  it('points variant advice at the variant\'s layer_defaults', () => {
    const src = spec(MLP.replace('"activation": "relu"', ''), `"variants": [ { "name": "selu", "layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": ⟦"he_normal"⟧ } } } ]`);
    const { text, offset } = marked(src);
    const d = analyze(text).diagnostics.find((x) => x.code === Code.SeluInitializer);
    assert.ok(d && d.offset === offset && d.variant === 'selu', JSON.stringify(analyze(text).diagnostics));
  });

  it('checks variant patches like specs: unknown keys, names and duplicates', () => {
    const text = spec(MLP, '"variants": [ { "name": "a", "layer_defaults": { "Dense": { "activation": "rleu" } } }, { "name": "a" }, { "fit": {} }, { "name": "b", "variants": [] } ]');
    const c = analyze(text).diagnostics.map((d) => d.code);
    assert.ok(c.includes(Code.UnknownName));
    assert.ok(c.includes(Code.DuplicateName));
    assert.ok(c.includes(Code.MissingKey));
    assert.ok(c.includes(Code.UnknownKey));
  });

  it('a variant may not delete what the spec requires', () => {
    const text = '{"layers":[{"type":"Dense","units":1,"input_shape":[2]}],"compile":{"loss":"mse"},"variants":[{"name":"v","compile":null}]}';
    const d = analyze(text).diagnostics.find((x) => x.code === Code.MissingKey);
    assert.ok(d && d.variant === 'v' && d.message.includes('"compile"'), JSON.stringify(analyze(text).diagnostics));
    const r = resolveSpec(text, 'v');
    assert.ok(!r.ok);
    assert.ok(resolveSpec(text).ok);
  });

  it('says which variants exist when asked for a missing one', () => {
    const r = resolveSpec(example('mnist-initializers.model.json'), 'he_uniform');
    assert.ok(!r.ok && r.message.includes('"he_normal"'));
  });
});
