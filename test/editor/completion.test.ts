import * as assert from 'assert';
import { completions, newSpecText, type CompletionItem } from '../../src/editor';
import { MLP, spec } from '../helpers';
import { cursor, slice } from './cursor';

function complete(src: string): { items: CompletionItem[]; text: string; offset: number } {
  const { text, offset } = cursor(src);
  return { items: completions(text, offset), text, offset };
}

const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

describe('editor: completion', () => {
  it('offers the whole new spec in an empty file, replacing its whitespace', () => {
    const { items, text } = complete('\n  |\n');
    assert.deepStrictEqual(labels(items), ['New model spec (MNIST MLP)']);
    assert.strictEqual(items[0].insertText, newSpecText());
    assert.deepStrictEqual(items[0].range, { offset: 0, length: text.length });
  });

  it('offers nothing inside a comment, nor at a key (the schema lists the keys)', () => {
    assert.deepStrictEqual(complete('// a comment |\n{ "layers": [] }').items, []);
    assert.deepStrictEqual(complete(spec(`{ "type": "Dense", "units": 10, "| }`)).items, []);
  });

  it('offers layer snippets between layers, the Flatten input layer only first, with a comma when a layer follows', () => {
    const first = complete(spec(`|\n    { "type": "Dense", "units": 10, "activation": "softmax" }`)).items;
    assert.deepStrictEqual(labels(first), ['Flatten input layer', 'Dense layer', 'Dense output layer', 'Conv2D block', 'Dropout layer']);
    assert.strictEqual(first[0].insertText, '{ "type": "Flatten", "input_shape": [${1:28}, ${2:28}] },');
    assert.ok(first.every((i) => i.snippet && i.insertText.endsWith('},')));

    const last = complete(spec(`${MLP},\n    |`)).items;
    assert.ok(!labels(last).includes('Flatten input layer'));
    const output = last.find((i) => i.label === 'Dense output layer');
    assert.strictEqual(output?.insertText, '{ "type": "Dense", "units": ${1:10}, "activation": "${2:softmax}" }');
    assert.strictEqual(output?.detail, '10 softmax units, one per mnist class');
  });

  it('replaces the word being typed between layers, and offers no snippet inside a layer', () => {
    const { items, text } = complete(spec(`${MLP},\n    Dro|`));
    assert.strictEqual(slice(text, items[0].range), 'Dro');
    assert.deepStrictEqual(complete(spec(`{ "type": "Dense", | "units": 10 }`)).items, []);
  });

  it('preselects lecun_normal for a selu layer, replacing the whole string', () => {
    const { items, text } = complete(spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300, "activation": "selu", "kernel_initializer": "gl|orot_uniform" },
    { "type": "Dense", "units": 10, "activation": "softmax" }`));
    assert.deepStrictEqual(labels(items), ['lecun_normal (pairs with selu)']);
    assert.strictEqual(items[0].insertText, '"lecun_normal"');
    assert.strictEqual(items[0].filterText, '"lecun_normal"');
    assert.strictEqual(items[0].preselect, true);
    assert.strictEqual(slice(text, items[0].range), '"glorot_uniform"');
  });

  it('recommends from the activation a layer gets from layer_defaults, and in layer_defaults from its sibling', () => {
    const layers = `
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300, "kernel_initializer": | },
    { "type": "Dense", "units": 10, "activation": "softmax" }`;
    const fromDefaults = complete(spec(layers, '"layer_defaults": { "Dense": { "activation": "elu" } }')).items;
    assert.deepStrictEqual(labels(fromDefaults), ['he_normal (pairs with elu)']);
    const sibling = complete(spec(MLP, '"layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": "|" } }')).items;
    assert.deepStrictEqual(labels(sibling), ['lecun_normal (pairs with selu)']);
  });

  it('recommends the output activation the loss expects, and the hidden activation an initializer was made for', () => {
    const out = complete(spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 10, "activation": "|" }`)).items;
    assert.deepStrictEqual(labels(out), ['softmax (output for sparse_categorical_crossentropy)']);
    const hidden = complete(spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300, "kernel_initializer": "lecun_normal", "activation": "|" },
    { "type": "Dense", "units": 10, "activation": "softmax" }`)).items;
    assert.deepStrictEqual(labels(hidden), ['selu (pairs with lecun_normal)']);
  });

  it('preselects sparse_categorical_crossentropy for a softmax output on MNIST, also as an object\'s type', () => {
    const items = complete(spec(MLP, '', '"compile": { "loss": "|" }')).items;
    assert.deepStrictEqual(labels(items), ['sparse_categorical_crossentropy (softmax output, mnist class ids)']);
    assert.strictEqual(items[0].insertText, '"sparse_categorical_crossentropy"');
    const typed = complete(spec(MLP, '', '"compile": { "loss": { "type": "|", "from_logits": false } }')).items;
    assert.strictEqual(typed[0]?.insertText, '"sparse_categorical_crossentropy"');
  });

  it('offers monitor values from the compiled metrics, leaving the default val_loss to the schema', () => {
    const { items, text } = complete(spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "monitor": "v|" }] }'));
    assert.deepStrictEqual(labels(items), ['val_accuracy', 'loss', 'accuracy']);
    assert.strictEqual(slice(text, items[0].range), '"v"');
    assert.strictEqual(items[0].insertText, '"val_accuracy"');
    assert.strictEqual(items[0].detail, 'Logged on the validation data');
  });

  it('marks val_ monitors as needing validation data when the data has none', () => {
    const text = spec(MLP, '"fit": { "callbacks": [{ "type": "ReduceLROnPlateau", "monitor": | }] }').replace(', "validation": { "first": 5000 }', '');
    const items = complete(text).items;
    const val = items.find((i) => i.label === 'val_accuracy');
    assert.strictEqual(val?.detail, 'Needs "validation" in data');
    assert.ok((val?.sortText ?? '') > (items.find((i) => i.label === 'loss')?.sortText ?? ''), 'training quantities first');
  });

  it('offers ModelCheckpoint path templates named after the monitored quantity', () => {
    const items = complete(spec(MLP, '"fit": { "callbacks": [{ "type": "ModelCheckpoint", "monitor": "val_accuracy", "filepath": "|" }] }')).items;
    assert.deepStrictEqual(labels(items), ['checkpoints/best', 'checkpoints/epoch-{epoch:02d}', 'checkpoints/epoch-{epoch:02d}-val_accuracy-{val_accuracy:.4f}']);
    assert.deepStrictEqual(complete(spec(MLP, '"fit": { "callbacks": [{ "type": "CSVLogger", "filename": "|" }] }')).items, []);
  });

  it('offers the class count for the output units and the dataset\'s shape for input_shape', () => {
    const units = complete(spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 12|, "activation": "softmax" }`)).items;
    assert.deepStrictEqual(labels(units), ['10 (mnist classes)']);
    assert.strictEqual(units[0].insertText, '10');
    assert.deepStrictEqual(complete(spec(`{ "type": "Flatten", "input_shape": | }, { "type": "Dense", "units": 10 }`)).items.map((i) => i.insertText), ['[28, 28]']);
    // Hidden layers get no suggestion for units.
    assert.deepStrictEqual(complete(spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": | }, { "type": "Dense", "units": 10, "activation": "softmax" }`)).items, []);
  });

  it('adds a comma after a value when another property follows without one', () => {
    const items = complete(spec(`
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 10, "activation": |
      "kernel_initializer": "glorot_uniform" }`)).items;
    assert.strictEqual(items[0]?.insertText, '"softmax",');
  });

  it('offers callback snippets in fit.callbacks, watching loss when there is no validation data', () => {
    const items = complete(spec(MLP, '"fit": { "callbacks": [|] }')).items;
    assert.deepStrictEqual(labels(items), ['EarlyStopping callback', 'ModelCheckpoint callback', 'ReduceLROnPlateau callback', 'CSVLogger callback', 'TerminateOnNaN callback']);
    assert.ok(items[0].insertText.includes('"monitor": "${1:val_loss}"'));
    const noValidation = complete(spec(MLP, '"fit": { "callbacks": [|] }').replace(', "validation": { "first": 5000 }', '')).items;
    assert.ok(noValidation[0].insertText.includes('"monitor": "${1:loss}"'));
  });

  it('offers variant snippets for the spec\'s layer type and optimizer', () => {
    const items = complete(spec(MLP, '"variants": [{ "name": "base" }, |]')).items;
    assert.deepStrictEqual(labels(items), ['Variant: initializer', 'Variant: activation + initializer', 'Variant: optimizer', 'Variant: learning rate']);
    assert.strictEqual(items[0].insertText, '{ "name": "${1:he_normal}", "layer_defaults": { "Dense": { "kernel_initializer": "$1" } } }');
    assert.ok(items[3].insertText.includes('"type": "SGD"'));
  });

  it('recommends inside a variant from the variant\'s merged model', () => {
    // The spec's Dense layers are relu; the variant makes them selu and writes its own layers.
    const variant = `{ "name": "selu", "layer_defaults": { "Dense": { "activation": "selu" } }, "layers": [
      { "type": "Flatten", "input_shape": [28, 28] },
      { "type": "Dense", "units": 300, "kernel_initializer": "|" },
      { "type": "Dense", "units": 10, "activation": "softmax" }] }`;
    const items = complete(spec(MLP.replace(', "activation": "relu"', ''), `"layer_defaults": { "Dense": { "activation": "relu" } }, "variants": [${variant}]`)).items;
    assert.deepStrictEqual(labels(items), ['lecun_normal (pairs with selu)']);
  });
});
