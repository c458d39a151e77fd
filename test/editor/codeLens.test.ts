import * as assert from 'assert';
import { codeLenses } from '../../src/editor';
import { example, MLP, spec } from '../helpers';

describe('editor: code lenses', () => {
  it('above the spec: params, Train, Summary, Compare variants; above each variant: its params and Train', () => {
    const text = example('mnist-initializers.model.json');
    const lenses = codeLenses(text);
    const root = text.indexOf('{');
    assert.deepStrictEqual(lenses.slice(0, 4).map((l) => [l.offset, l.title, l.command]), [
      [root, '316,810 params', 'modelSpec.showSummary'],
      [root, 'Train', 'modelSpec.trainModel'],
      [root, 'Summary', 'modelSpec.showSummary'],
      [root, 'Compare variants', 'modelSpec.compareVariants'],
    ]);
    const he = text.indexOf('{ "name": "he_normal",');
    const forHe = lenses.filter((l) => l.variant === 'he_normal');
    assert.deepStrictEqual(forHe.map((l) => [l.offset, l.title, l.command]), [[he, '316,810 params', 'modelSpec.showSummary'], [he, 'Train variant', 'modelSpec.trainModel']]);
    assert.strictEqual(lenses.length, 4 + 5 * 2);
    assert.ok(lenses.slice(0, 4).every((l) => l.variant === undefined));
  });

  it('no Compare without variants, no count while a shape is unknown, nothing for a broken file', () => {
    assert.deepStrictEqual(codeLenses(spec(MLP)).map((l) => l.title), ['238,510 params', 'Train', 'Summary']);
    assert.deepStrictEqual(codeLenses(spec('{ "type": "Flatten" }')).map((l) => l.title), ['Train', 'Summary']);
    assert.deepStrictEqual(codeLenses('[1, 2]'), []);
  });
});
