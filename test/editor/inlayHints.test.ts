import * as assert from 'assert';
import { inlayHints } from '../../src/editor';
import { example, MLP, spec } from '../helpers';

describe('editor: inlay hints', () => {
  it('after each layer (after its comma): output shape and params, the formula in the tooltip', () => {
    const text = example('mnist-initializers.model.json');
    const hints = inlayHints(text);
    assert.deepStrictEqual(hints.map((h) => h.label), [
      '→ (None, 784)',
      '→ (None, 300) · 235,500 params',
      '→ (None, 200) · 60,200 params',
      '→ (None, 100) · 20,100 params',
      '→ (None, 10) · 1,010 params',
    ]);
    const dense = text.indexOf('{ "type": "Dense", "units": 300 },');
    assert.strictEqual(hints[1].offset, dense + '{ "type": "Dense", "units": 300 },'.length);
    const last = text.indexOf('"glorot_uniform" }') + '"glorot_uniform" }'.length;
    assert.strictEqual(hints[4].offset, last, 'the last layer has no comma');
    assert.strictEqual(hints[1].tooltip, 'dense (Dense): (None, 784) → (None, 300)\nParams: 784 × 300 + 300 = 235,500');
  });

  it('counts non-trainable parameters in the tooltip', () => {
    const [, , , bn] = inlayHints(spec(`${MLP}, { "type": "BatchNormalization" }`));
    assert.strictEqual(bn.label, '→ (None, 10) · 40 params');
    assert.match(bn.tooltip ?? '', /= 40 \(20 non-trainable\)$/);
  });

  it('none from the first layer whose shape is unknown on', () => {
    const hints = inlayHints(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 0 }, { "type": "Dense", "units": 10 }`));
    assert.deepStrictEqual(hints.map((h) => h.label), ['→ (None, 784)']);
  });

  it('for the layers a variant writes itself, with the variant\'s shapes; not for the base layers again', () => {
    const text = spec(MLP, '"variants": [{ "name": "small", "layers": [{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax" }] }, { "name": "same" }]');
    const labels = inlayHints(text).map((h) => h.label);
    assert.deepStrictEqual(labels, ['→ (None, 784)', '→ (None, 300) · 235,500 params', '→ (None, 10) · 3,010 params', '→ (None, 784)', '→ (None, 10) · 7,850 params']);
  });
});
