import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { Code } from '../src/core/diagnostics';
import { checkEngineSetting } from '../src/core/engineSetting';

/** A valid MNIST spec with `layers` and `optimizer`, and `more` top-level fields. */
function spec(layers: string, optimizer: string, more = '', metrics = '"accuracy"'): string {
  return `{
  "name": "m",
  "data": { "dataset": "mnist", "scale": 255 },
  "layers": [
    { "type": "Input", "shape": [28, 28] },
    ${layers}
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": ${optimizer}, "metrics": [${metrics}] },
  "fit": { "epochs": 1 }${more}
}`;
}

const MLP = '{ "type": "Flatten" }, { "type": "Dense", "units": 64, "activation": "relu" }, { "type": "Dense", "units": 10, "activation": "softmax" }';

describe('the engine setting against a spec that validates clean', () => {
  it('says nothing with engine auto or kernel (the fused engine trains every spec that validates clean), and nothing for what tfjs trains', () => {
    for (const optimizer of ['"AdamW"', '"Adam"']) {
      const a = analyze(spec(MLP, optimizer));
      assert.deepStrictEqual(a.diagnostics.filter((d) => d.severity === 'error'), [], 'the spec validates clean');
      assert.deepStrictEqual(checkEngineSetting(a, 'auto'), []);
      assert.deepStrictEqual(checkEngineSetting(a, 'kernel'), []);
    }
    assert.deepStrictEqual(checkEngineSetting(analyze(spec(MLP, '"Adam"')), 'tfjs'), []);
    assert.deepStrictEqual(checkEngineSetting(analyze(spec(MLP, '"AdamW"')), 'kernel'), []);
  });

  it('with engine tfjs, flags AdamW and Nadam on the optimizer, whose range it covers', () => {
    const text = spec(MLP, '{ "type": "Nadam", "learning_rate": 0.002 }');
    const [d, ...rest] = checkEngineSetting(analyze(text), 'tfjs');
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(d.code, Code.EngineSetting);
    assert.strictEqual(d.severity, 'error');
    assert.strictEqual(text.slice(d.offset, d.offset + d.length), '{ "type": "Nadam", "learning_rate": 0.002 }');
    assert.match(d.message, /Nadam trains only on the fused WebAssembly engine .* setting is "tfjs"\. Set it to "auto", or use "Adam"\./);
  });

  it("names a variant whose own optimizer the setting cannot train, at the variant's optimizer", () => {
    const text = spec(MLP, '"Adam"', ',\n  "variants": [ { "name": "plain" }, { "name": "decoupled", "compile": { "optimizer": "AdamW" } } ]');
    const found = checkEngineSetting(analyze(text), 'tfjs');
    assert.deepStrictEqual(found.map((d) => d.variant), ['decoupled']);
    assert.strictEqual(text.slice(found[0].offset, found[0].offset + found[0].length), '"AdamW"');
    assert.match(found[0].message, /^Variant "decoupled": AdamW trains only/);
  });
});
