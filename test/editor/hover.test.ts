import * as assert from 'assert';
import { hover, type Hover } from '../../src/editor';
import { example, MLP, spec } from '../helpers';
import { cursor, slice } from './cursor';

function hoverAt(src: string): { h: Hover | undefined; text: string } {
  const { text, offset } = cursor(src);
  return { h: hover(text, offset), text };
}

/** The example spec with a cursor put in at `needle`'s `|`. */
const inExample = (needle: string): string => {
  const text = example('mnist-initializers.model.json');
  const at = text.indexOf(needle.replace('|', ''));
  assert.ok(at >= 0, needle);
  return text.slice(0, at) + needle + text.slice(at + needle.length - 1);
};

describe('editor: hover', () => {
  it('on a layer\'s type: its input and output shapes, the params arithmetic and its Keras call', () => {
    const { h, text } = hoverAt(inExample('{ "type": "De|nse", "units": 300 }'));
    assert.ok(h);
    assert.strictEqual(slice(text, h), '"Dense"');
    assert.strictEqual(h.contents, [
      '**`dense`** (Dense)',
      'Input `(None, 784)` → output `(None, 300)`',
      'Params: `784 × 300 + 300 = 235,500`',
      '```python\nDense(units=300, activation=\'relu\', kernel_initializer=\'glorot_normal\')\n```',
    ].join('\n\n'));
  });

  it('anywhere else in a layer: its name, a key, a number, the braces', () => {
    for (const needle of ['"name": "input_la|yer"', '{ "type": "Dense", "un|its": 200 }', '"units": 1|00 }', '{| "type": "Dense", "units": 10,']) {
      const { h } = hoverAt(inExample(needle));
      assert.ok(h?.contents.startsWith(needle.includes('input') ? '**`input_layer`** (Flatten)' : '**`dense_'), `${needle}: ${h?.contents}`);
    }
  });

  it('counts non-trainable parameters and frozen layers', () => {
    const { h } = hoverAt(spec(`${MLP.replace('"units": 300, "activation": "relu"', '"units": 300, "activation": "relu", "trainable": false')},
    { "type": "BatchNormal|ization" }`));
    assert.match(h?.contents ?? '', /Params: `10 features × \(2 trainable \+ 2 moving statistics\) = 40` \(20 non-trainable\)/);
    const frozen = hoverAt(spec(MLP.replace('"units": 300, "activation": "relu"', '"units": 300, "activation": "relu", "trai|nable": false'))).h;
    assert.match(frozen?.contents ?? '', /frozen: `"trainable": false`/);
  });

  it('says when a layer\'s shape is unknown', () => {
    const { h } = hoverAt(spec(`{ "type": "Flatten" }, { "type": "Den|se", "units": 10 }`));
    assert.match(h?.contents ?? '', /Output shape unknown/);
  });

  it('on the layers key and the model name: total, trainable and non-trainable counts, and the variants\'', () => {
    for (const needle of ['"la|yers"', '"name": "mnist-ini|tializers"', '"na|me": "mnist-initializers"']) {
      const { h } = hoverAt(inExample(needle));
      assert.match(h?.contents ?? '', /\*\*`mnist-initializers`\*\* · Sequential, 5 layers\n\nTotal params: 316,810 {2}\nTrainable params: 316,810 {2}\nNon-trainable params: 0\n\nAll 5 variants have 316,810 params\./, needle);
    }
    const differ = hoverAt(spec(MLP, '"variants": [{ "name": "no bias", "layer_defaults": { "Dense": { "use_bias": false } } }]').replace('"layers"', '"la|yers"')).h;
    assert.match(differ?.contents ?? '', /Variants:\n- `no bias`: 238,200 params/);
  });

  it('on a variant\'s name: its totals against the spec\'s and what it changes', () => {
    const { h } = hoverAt(inExample('"name": "he_normal + e|lu"'));
    assert.strictEqual(h?.contents, [
      '**Variant `he_normal + elu`** · 316,810 params (same as the spec)',
      'Total params: 316,810  \nTrainable params: 316,810  \nNon-trainable params: 0',
      'Changes:\n- `layer_defaults.Dense.activation`: `"elu"`\n- `layer_defaults.Dense.kernel_initializer`: `"he_normal"`',
    ].join('\n\n'));
    const empty = hoverAt(inExample('{ "name": "glorot_n|ormal" }')).h;
    assert.match(empty?.contents ?? '', /Changes nothing/);
  });

  it('on an initializer: its Keras definition and what it draws for each layer that uses it', () => {
    const { h } = hoverAt(inExample('"kernel_initializer": "glorot_n|ormal"'));
    assert.match(h?.contents ?? '', /^Keras: VarianceScaling\(scale=1, mode="fan_avg", distribution="truncated_normal"\)/);
    assert.match(h?.contents ?? '', /For these 3 layers:\n- `dense`: fan_in 784, fan_out 300: std = sqrt\(2 \/ \(784 \+ 300\)\) = 0\.0430, drawn from truncated normal/);
    assert.doesNotMatch(h?.contents ?? '', /dense_3/, 'the output layer sets its own initializer');
  });

  it('inside a variant, on the variant\'s merged model', () => {
    const { h } = hoverAt(inExample('"kernel_initializer": "he_nor|mal" } } },\n    { "name": "he_normal + elu"'));
    assert.match(h?.contents ?? '', /In variant `he_normal`, for these 3 layers:\n- `dense`: fan_in 784: std = sqrt\(2 \/ 784\) = 0\.0505/);
    const uniform = hoverAt(spec(MLP.replace('"activation": "relu"', '"activation": "relu", "kernel_initializer": "he_uni|form"'))).h;
    assert.match(uniform?.contents ?? '', /For this layer:\n- `dense`: fan_in 784: limit = sqrt\(6 \/ 784\) = 0\.0875, drawn from U\(-0\.0875, 0\.0875\)/);
  });

  it('on an initializer object\'s type, with its arguments', () => {
    const { h } = hoverAt(spec(MLP.replace('"activation": "relu"', '"activation": "relu", "kernel_initializer": { "type": "VarianceSc|aling", "scale": 0.5, "mode": "fan_out", "distribution": "uniform" }')));
    assert.match(h?.contents ?? '', /- `dense`: fan_out 300: limit = sqrt\(1\.5 \/ 300\) = 0\.0707/);
  });

  it('on an optimizer, a loss, a metric and a callback: the Keras call with every argument, what it expects or logs', () => {
    const text = spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "patience": 5 }] }',
      '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "momentum": 0.9 }, "metrics": ["accuracy"] }');
    const at = (needle: string): string => hoverAt(text.replace(needle.replace('|', ''), needle)).h?.contents ?? '';
    assert.strictEqual(at('"S|GD"'), '```python\nSGD(learning_rate=0.01, momentum=0.9, nesterov=False)\n```');
    assert.match(at('"sparse_categ|orical_crossentropy"'), /^```python\nSparseCategoricalCrossentropy\(from_logits=False\)\n```\n\nLabels: class ids \(0-9 for mnist\)/);
    assert.match(at('"accu|racy"'), /Logged as `accuracy` on the training data and `val_accuracy`/);
    assert.match(at('"EarlySt|opping"'), /EarlyStopping\(monitor='val_loss', min_delta=0, patience=5, verbose=0, mode='auto', baseline=None, restore_best_weights=False, start_from_epoch=0\)|EarlyStopping\(\n {4}monitor='val_loss',/);
  });

  it('on a name with nothing to add (relu) or an unknown one: the layer\'s hover', () => {
    assert.match(hoverAt(spec(MLP.replace('"relu"', '"re|lu"'))).h?.contents ?? '', /^\*\*`dense`\*\* \(Dense\)/);
    assert.match(hoverAt(spec(MLP.replace('"relu"', '"rl|eu"'))).h?.contents ?? '', /^\*\*`dense`\*\* \(Dense\)/);
  });

  it('nothing outside layers and named things', () => {
    assert.strictEqual(hoverAt(spec(MLP, '"se|ed": 42')).h, undefined);
    assert.strictEqual(hoverAt(spec(MLP).replace('"scale": 255', '"scale": 2|55')).h, undefined);
    assert.strictEqual(hover('not json', 2), undefined);
  });
});
