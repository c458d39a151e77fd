import * as assert from 'assert';
import { documentSymbols, type DocumentSymbol } from '../../src/editor';
import { example, MLP, spec } from '../helpers';
import { slice } from './cursor';

/** Asserts VS Code's rules: selection inside range, children inside their parent. */
function checkNesting(symbols: DocumentSymbol[], parent?: DocumentSymbol): void {
  for (const s of symbols) {
    const end = s.offset + s.length;
    assert.ok(s.selectionOffset >= s.offset && s.selectionOffset + s.selectionLength <= end, `${s.name}: selection inside range`);
    if (parent) assert.ok(s.offset >= parent.offset && end <= parent.offset + parent.length, `${s.name} inside ${parent.name}`);
    checkNesting(s.children, s);
  }
}

const outline = (symbols: DocumentSymbol[], depth = 0): string[] =>
  symbols.flatMap((s) => [`${'  '.repeat(depth)}${s.kind} ${s.name}${s.detail ? ` — ${s.detail}` : ''}`, ...outline(s.children, depth + 1)]);

describe('editor: document symbols', () => {
  it('outlines the model, its sections, layers with type, shape and params, callbacks and variants', () => {
    const text = spec(MLP, '"fit": { "epochs": 5, "callbacks": [{ "type": "EarlyStopping", "monitor": "val_accuracy" }, { "type": "TerminateOnNaN" }] }, "variants": [{ "name": "elu", "layer_defaults": { "Dense": { "activation": "elu" } } }]');
    const symbols = documentSymbols(text);
    assert.deepStrictEqual(outline(symbols), [
      'model t — 238,510 params',
      '  section data — mnist · scale 255',
      '  section layers — 3 layers · 238,510 params',
      '    layer flatten — Flatten · (None, 784) · 0 params',
      '    layer dense — Dense · (None, 300) · 235,500 params',
      '    layer dense_1 — Dense · (None, 10) · 3,010 params',
      '  section compile — SGD · sparse_categorical_crossentropy',
      '  section fit — 5 epochs',
      '    callback EarlyStopping — monitor val_accuracy',
      '    callback TerminateOnNaN',
      '  section variants — 1 variant',
      '    variant elu — 238,510 params',
    ]);
    checkNesting(symbols);
    const [model] = symbols;
    assert.strictEqual(slice(text, { offset: model.selectionOffset, length: model.selectionLength }), '"t"');
    const dense = model.children[1].children[1];
    assert.strictEqual(slice(text, { offset: dense.selectionOffset, length: dense.selectionLength }), '"Dense"', 'an unnamed layer selects its type');
    assert.strictEqual(slice(text, dense), '{ "type": "Dense", "units": 300, "activation": "relu" }');
  });

  it('selects a layer\'s name; lists layer_defaults entries; a variant that writes layers lists them', () => {
    const text = example('mnist-initializers.model.json').replace('{ "name": "glorot_normal" }',
      '{ "name": "small", "layers": [{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "softmax", "name": "out" }] }');
    const symbols = documentSymbols(text);
    checkNesting(symbols);
    const lines = outline(symbols);
    assert.ok(lines.includes('    field Dense — activation relu · kernel_initializer glorot_normal'), lines.join('\n'));
    assert.ok(lines.includes('    variant small — 7,850 params'));
    assert.ok(lines.includes('      layer out — Dense · (None, 10) · 7,850 params'));
    const input = symbols[0].children.find((s) => s.name === 'layers')?.children[0];
    assert.strictEqual(input && slice(text, { offset: input.selectionOffset, length: input.selectionLength }), '"input_layer"');
  });

  it('a spec without a name or with broken layers still nests; no outline for a non-object', () => {
    const symbols = documentSymbols('{ "layers": [{ "type": "Dens" }, 5, { }], "compile": 3 }');
    checkNesting(symbols);
    assert.deepStrictEqual(outline(symbols), ['model model spec', '  section layers — 2 layers', '    layer dens — Dens', '    layer layer — layer', '  section compile']);
    assert.deepStrictEqual(documentSymbols('[]'), []);
  });
});
