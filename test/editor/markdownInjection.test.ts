/**
 * Hostile names through every editor feature: a layer or variant name holding backticks, links,
 * images or HTML must stay text. Markdown is rendered with markdown-it (CommonMark, as VS Code's
 * hovers) and the HTML must hold no link, image or tag from the name.
 */
import * as assert from 'assert';
import { codeActions, codeLenses, documentSymbols, hover, inlayHints } from '../../src/editor';
import { codeBlock, codeSpan, escapeMarkdown } from '../../src/editor/markdown';
import { spec } from '../helpers';

// markdown-it is installed with the packaging tools; it has no types of its own here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (o: { html: boolean }) => { render(s: string): string };
const md = new MarkdownIt({ html: true });

const HOSTILE = [
  '`` [click](https://evil.example) ![x](https://evil.example/x.png) ``',
  '``` <img src=https://evil.example/y.png> ```',
  'a\n\n[link](https://evil.example)\n',
  '<script>alert(1)</script>',
  '` ![i](https://evil.example/i.png) `',
];

function assertInert(markdown: string, what: string): void {
  const html = md.render(markdown);
  assert.ok(!/<a\s|<img|<script/i.test(html), `${what} renders a link, image or tag:\n${markdown}\n->\n${html}`);
}

describe('editor: hostile names stay text in Markdown', () => {
  it('code spans, code blocks and escaped text contain any string', () => {
    for (const h of HOSTILE) {
      assertInert(codeSpan(h), `codeSpan(${JSON.stringify(h)})`);
      assertInert(codeBlock(`Dense(name='${h}')`, 'python'), `codeBlock(${JSON.stringify(h)})`);
      assertInert(escapeMarkdown(h), `escapeMarkdown(${JSON.stringify(h)})`);
      // The name itself survives, only quoted.
      assert.ok(md.render(codeSpan(h)).includes('<code>'), h);
    }
  });

  it('hover, inlay hints, CodeLens, quick fixes and symbols with hostile layer and variant names', () => {
    for (const h of HOSTILE) {
      const name = JSON.stringify(h);
      const text = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300, "activation": "relu", "name": ${name} }, { "type": "Dense", "units": 10, "activation": "softmax" }`,
        `"variants": [ { "name": ${name} } ], "fit": { "callbacks": [ { "type": "EarlyStopping", "monitor": "val_acc" } ] }`).replace('"name": "t"', `"name": ${name}`);
      for (let offset = 0; offset < text.length; offset += 3) {
        const hv = hover(text, offset);
        if (hv) assertInert(hv.contents, `hover at ${offset}`);
      }
      for (const hint of inlayHints(text)) if (hint.tooltip) assertInert(hint.tooltip, 'inlay-hint tooltip');
      for (const lens of codeLenses(text)) {
        assert.ok(!/[\r\n]/.test(lens.title), `CodeLens title on one line: ${lens.title}`);
        if (lens.tooltip) assert.ok(!/[\r\n]/.test(lens.tooltip), 'CodeLens tooltip on one line');
      }
      for (const fix of codeActions(text, 0, text.length)) assert.ok(!/[\r\n]/.test(fix.title), `quick-fix title on one line: ${JSON.stringify(fix.title)}`);
      assert.ok(documentSymbols(text).length > 0);
    }
  });
});
