import * as assert from 'assert';
import { codeActions, codeLenses, completions, documentSymbols, hover, inlayHints, type DocumentSymbol } from '../../src/editor';
import { example } from '../helpers';

/** Every symbol's selection inside its range, every child inside its parent. */
function nested(symbols: DocumentSymbol[], parent?: DocumentSymbol): boolean {
  return symbols.every((s) => s.selectionOffset >= s.offset && s.selectionOffset + s.selectionLength <= s.offset + s.length &&
    (!parent || (s.offset >= parent.offset && s.offset + s.length <= parent.offset + parent.length)) && nested(s.children, s));
}

describe('editor: half-typed specs', () => {
  it('every feature answers on every prefix of the example specs, with ranges inside the text', () => {
    for (const name of ['mnist-initializers.model.json', 'mnist-early-stopping.model.json']) {
      const full = example(name);
      for (let end = 0; end <= full.length; end += 11) {
        const text = full.slice(0, end);
        const inText = (r: { offset: number; length: number }): boolean => r.offset >= 0 && r.offset + r.length <= text.length;
        for (const offset of [end, Math.floor(end / 2), Math.max(0, end - 3)]) {
          assert.ok(completions(text, offset).every((i) => inText(i.range)), `completion at ${offset} of ${end}`);
          const h = hover(text, offset);
          assert.ok(!h || inText(h), `hover at ${offset} of ${end}`);
          assert.ok(codeActions(text, offset, 0).every((a) => a.edits.every(inText)), `fixes at ${offset} of ${end}`);
        }
        assert.ok(inlayHints(text).every((x) => x.offset <= text.length));
        assert.ok(codeLenses(text).every(inText));
        assert.ok(nested(documentSymbols(text)), `symbols of ${end}`);
      }
    }
  });
});
