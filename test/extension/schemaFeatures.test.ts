import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { SchemaFeatures } from '../../src/extension/schemaFeatures';
import { ROOT } from '../helpers';

/** The strict schema: these tests are about the adapter (comments, `$schema`, positions), not the schema's content. */
const features = (): SchemaFeatures => new SchemaFeatures(async () => fs.readFileSync(path.join(ROOT, 'schemas', 'model-spec.schema.json'), 'utf8'));

/** The text without its `|` cursor marker, and the marker's offset. */
function cursor(src: string): { text: string; offset: number } {
  return { text: src.replace('|', ''), offset: src.indexOf('|') };
}

describe('schema features', () => {
  it('completes layer types from the schema in a spec with comments', async () => {
    const { text, offset } = cursor('// a comment\n{\n  /* block */\n  "layers": [{ "type": "|" }]\n}\n');
    const labels = (await features().completions(text, offset))?.items.map((i) => i.label) ?? [];
    assert.ok(labels.includes('"Dense"'), labels.join(' '));
  });

  it('uses the Model Spec schema whatever `$schema` path names it, and loads it once', async () => {
    let loads = 0;
    const f = new SchemaFeatures(async () => { loads++; return fs.readFileSync(path.join(ROOT, 'schemas', 'model-spec.schema.json'), 'utf8'); });
    for (const schema of ['../schemas/model-spec.schema.json', 'https://example.com/model-spec.editor.schema.json']) {
      const { text, offset } = cursor(`{ "$schema": "${schema}", "compile": { "optimizer": "|" } }`);
      const labels = (await f.completions(text, offset))?.items.map((i) => i.label) ?? [];
      assert.ok(labels.includes('"SGD"'), `${schema}: ${labels.join(' ')}`);
    }
    assert.strictEqual(loads, 1);
  });

  it('loads no other schema a spec names', async () => {
    let loads = 0;
    const f = new SchemaFeatures(async () => { loads++; return '{}'; });
    const { text, offset } = cursor('{ "$schema": "https://json.schemastore.org/package.json", "n|" }');
    await f.completions(text, offset);
    assert.strictEqual(loads, 0);
  });

  it('describes a key on hover', async () => {
    const { text, offset } = cursor('{ "comp|ile": {} }');
    const h = await features().hover(text, offset);
    assert.match(JSON.stringify(h?.contents), /model\.compile/);
    assert.deepStrictEqual(h?.range, { start: { line: 0, character: 2 }, end: { line: 0, character: 11 } });
  });

  it('folds objects and formats without touching comments', () => {
    const text = '{\n  // keep me\n  "layers": [\n    {"type":"Dense"}\n  ]\n}\n';
    const f = features();
    assert.ok(f.foldingRanges(text).some((r) => r.startLine === 2));
    const edits = f.format(text, undefined, { tabSize: 2, insertSpaces: true });
    assert.ok(edits.length > 0);
    assert.ok(edits.every((e) => !e.newText.includes('keep me')));
  });
});
