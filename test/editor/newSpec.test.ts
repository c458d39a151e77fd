import * as assert from 'assert';
import { analyze } from '../../src/core/analyze';
import { newSpecText } from '../../src/editor';

describe('editor: new spec', () => {
  it('is the notebook\'s MNIST MLP: no problem at all, 316,810 params, in every variant', () => {
    const a = analyze(newSpecText());
    assert.deepStrictEqual(a.diagnostics.map((d) => d.message), []);
    assert.strictEqual(a.model.totalParams, 316810);
    assert.deepStrictEqual(a.model.layers.map((l) => l.outputShape?.[1]), [784, 300, 200, 100, 10]);
    assert.deepStrictEqual(a.variants.map((v) => [v.name, v.model.totalParams]), [['he_normal', 316810], ['glorot_normal', 316810]]);
    assert.ok(!newSpecText().includes('$schema'));
    assert.match(newSpecText(), /^\/\/ /, 'starts with a comment saying what it is');
  });
});
