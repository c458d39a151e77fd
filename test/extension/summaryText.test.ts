import * as assert from 'assert';
import { summaryOf } from '../../src/extension/summaryText';
import { example } from '../helpers';

describe('summary document', () => {
  it('shows the spec without variants, then each variant, as Keras prints them', () => {
    const text = summaryOf(example('mnist-initializers.model.json'), 'mnist-initializers.model.json');
    assert.match(text, /^mnist-initializers\.model\.json \(without variants\)\n\nModel: "sequential"/);
    for (const v of ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_normal + elu', 'LecunNormal + selu']) assert.ok(text.includes(`Variant "${v}"\n\nModel: "sequential"`), v);
    assert.strictEqual(text.split('Total params: 316,810').length - 1, 6);
    assert.ok(text.includes('dense (Dense)                (None, 300)               235500'));
  });

  it('says why there is no summary when the spec has errors', () => {
    const text = summaryOf('{ "layers": [{ "type": "Dens", "units": 3, "input_shape": [4] }], "compile": { "loss": "mse", "optimizer": "sgd" } }', 'bad.model.json');
    assert.match(text, /^bad\.model\.json\n\nThe spec has 1 error; .*\nSee the Problems panel\.\n$/);
  });
});
