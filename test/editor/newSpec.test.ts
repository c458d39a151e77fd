import * as assert from 'assert';
import { analyze } from '../../src/core/analyze';
import { exampleForWorkspace, freeName, newSpecText } from '../../src/editor';
import { example } from '../helpers';

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

describe('editor: examples written into a workspace', () => {
  const iris = example('iris.model.json');

  it('leave out the repository-relative $schema and keep everything else, comments included', () => {
    const out = exampleForWorkspace(iris);
    assert.ok(iris.includes('"$schema"'));
    assert.ok(!out.includes('$schema'));
    assert.strictEqual(out.replace(/\s+/g, ''), iris.replace(/\s*"\$schema":[^\n]*\n/, '\n').replace(/\s+/g, ''));
    assert.deepStrictEqual(analyze(out).diagnostics, []);
  });

  it('point the data at a renamed or absolute copy, and only the data paths change', () => {
    const out = exampleForWorkspace(iris, { 'data/iris.csv': 'data/iris-2.csv' });
    assert.ok(out.includes('"csv": "data/iris-2.csv"') && !out.includes('"data/iris.csv"'));
    const abs = exampleForWorkspace(iris, { 'data/iris.csv': 'C:\\ext\\examples\\data\\iris.csv' });
    assert.ok(abs.includes('"csv": "C:\\\\ext\\\\examples\\\\data\\\\iris.csv"'), 'written as a JSON string');
    assert.strictEqual(exampleForWorkspace(iris, { 'data/other.csv': 'x.csv' }), exampleForWorkspace(iris));
  });

  it('take the first free name, never an existing one', async () => {
    const taken = (names: string[]) => async (n: string) => names.includes(n);
    assert.strictEqual(await freeName('iris.model.json', taken([])), 'iris.model.json');
    assert.strictEqual(await freeName('iris.model.json', taken(['iris.model.json', 'iris-2.model.json'])), 'iris-3.model.json');
    assert.strictEqual(await freeName('data/iris.csv', taken(['data/iris.csv'])), 'data/iris-2.csv');
    assert.strictEqual(await freeName('my.data/README', taken(['my.data/README'])), 'my.data/README-2');
  });
});
