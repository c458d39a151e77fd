import * as assert from 'assert';
import { findNodeAtLocation, getNodeValue, parseTree } from 'jsonc-parser';
import type { HealthFix } from '../../src/core/health/types';
import { healthFixEdits } from '../../src/editor/healthFix';
import { example } from '../helpers';

function apply(text: string, fix: HealthFix): string {
  return [...healthFixEdits(text, fix)].sort((a, b) => b.offset - a.offset)
    .reduce((t, e) => t.slice(0, e.offset) + e.newText + t.slice(e.offset + e.length), text);
}

describe('health fixes as spec edits (the Health tab\'s Apply fix)', () => {
  it('sets existing and missing values on the notebook spec, keeping its comments and one-line objects', () => {
    const text = example('mnist-initializers.model.json');
    const fix: HealthFix = {
      title: 'Use he_normal with relu',
      edits: [
        { path: ['variants', 0, 'layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_normal' },
        { path: ['layers', 2, 'kernel_initializer'], value: 'glorot_uniform' },
        { path: ['variants', 2, 'layer_defaults', 'Dense', 'kernel_initializer'], value: 'he_uniform' },
        { path: ['fit', 'clipnorm'], value: 1 },
      ],
    };
    const fixed = apply(text, fix);
    const tree = parseTree(fixed)!;
    for (const e of fix.edits) assert.deepStrictEqual(getNodeValue(findNodeAtLocation(tree, e.path)!), e.value, JSON.stringify(e.path));
    const changed = fixed.split('\n').filter((line, i) => line !== text.split('\n')[i]);
    assert.deepStrictEqual(changed, [
      '    { "type": "Dense", "units": 200, "kernel_initializer": "glorot_uniform" },',
      '  "fit": { "epochs": 10, "batch_size": 32, "clipnorm": 1 },',
      '    { "name": "glorot_normal", "layer_defaults": { "Dense": { "kernel_initializer": "he_normal" } } },',
      '    { "name": "he_normal", "layer_defaults": { "Dense": { "kernel_initializer": "he_uniform" } } },',
    ]);
    assert.strictEqual(fixed.split('\n').length, text.split('\n').length);
    assert.strictEqual(apply(fixed, fix), fixed, 'applied again: the text stays the same');
  });
});
