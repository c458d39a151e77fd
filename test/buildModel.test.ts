import * as assert from 'assert';
import { LAYERS } from '../src/core/registry';
import { LAYER_BUILDERS } from '../src/trainer/buildModel';

describe('buildModel', () => {
  it('has a TensorFlow.js builder for every layer type of the registry, and none beside them', () => {
    assert.deepStrictEqual(Object.keys(LAYER_BUILDERS).sort(), LAYERS.map((l) => l.name).sort());
  });
});
