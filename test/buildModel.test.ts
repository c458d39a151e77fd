import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { LAYERS } from '../src/core/registry';
import { resolveSpec } from '../src/core/resolve';
import { initBackend } from '../src/trainer/backend';
import { buildModel, LAYER_BUILDERS } from '../src/trainer/buildModel';

describe('buildModel', () => {
  it('has a TensorFlow.js builder for every layer type of the registry, and none beside them', () => {
    assert.deepStrictEqual(Object.keys(LAYER_BUILDERS).sort(), LAYERS.map((l) => l.name).sort());
  });

  it('builds Reshape with -1 and a Flatten of an already flat input, as Keras allows', async () => {
    await initBackend('cpu');
    const r = resolveSpec(JSON.stringify({
      name: 'flat',
      layers: [{ type: 'Reshape', target_shape: [-1], input_shape: [4, 3] }, { type: 'Flatten' }, { type: 'Dense', units: 2 }],
      compile: { loss: 'mean_squared_error', optimizer: 'SGD' },
    }));
    assert.ok(r.ok);
    const model = buildModel(r.spec);
    const y = model.predict(tf.ones([5, 4, 3])) as tf.Tensor;
    assert.deepStrictEqual(y.shape, [5, 2]);
    assert.deepStrictEqual(model.layers.map((l) => l.name), r.spec.layers.map((l) => l.name));
    model.dispose();
  });
});
