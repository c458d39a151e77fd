import * as assert from 'assert';
import * as fs from 'fs';
import { EDITOR_SCHEMA_FILE, SCHEMA_FILE, schemaText } from '../scripts/generateSchema';
import { LAYERS, NAMED } from '../src/core/registry';

describe('JSON Schema', () => {
  const schema = JSON.parse(schemaText());

  it('the shipped schema file is what the registry generates (run "npm run schema" after changing the registry)', () => {
    assert.strictEqual(fs.readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
  });

  it('lists every layer type with exactly its arguments', () => {
    assert.deepStrictEqual(schema.definitions.layer.properties.type.enum, LAYERS.map((l) => l.name));
    const dense = schema.definitions.layer.allOf.find((c: { if: { properties: { type: { const: string } } } }) => c.if.properties.type.const === 'Dense');
    assert.ok(dense.then.properties.units);
    assert.ok(!dense.then.properties.kernel_size);
    assert.strictEqual(dense.then.additionalProperties, false);
  });

  it('accepts both spellings of names, with docs', () => {
    const init = schema.definitions.initializer.anyOf[0];
    assert.ok(init.enum.includes('he_normal') && init.enum.includes('HeNormal'));
    assert.strictEqual(init.enum.length, init.enumDescriptions.length);
    assert.deepStrictEqual(schema.definitions.activation.enum, NAMED.activation.flatMap((a) => [a.name, ...a.aliases]));
  });

  it('requires layers and compile at the top, and a name in each variant', () => {
    assert.deepStrictEqual(schema.required, ['layers', 'compile']);
    assert.deepStrictEqual(schema.definitions.variant.required, ['name']);
  });
});

/** Every subschema of a schema (not the `if` conditions), with the keyword path to it and its parent's `anyOf`. */
function* subschemas(s: unknown, path = '#', inAnyOf?: unknown[]): Generator<{ s: Record<string, unknown>; path: string; inAnyOf?: unknown[] }> {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return;
  const schema = s as Record<string, unknown>;
  yield { s: schema, path, inAnyOf };
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'if' || k === 'defaultSnippets' || k === 'default' || k === 'examples' || k === 'enum') continue;
    if (k === 'properties' || k === 'definitions') {
      for (const [name, sub] of Object.entries(v as object)) yield* subschemas(sub, `${path}/${k}/${name}`);
    } else if (Array.isArray(v)) {
      for (const [i, sub] of v.entries()) yield* subschemas(sub, `${path}/${k}/${i}`, k === 'anyOf' ? v : undefined);
    } else if (typeof v === 'object') {
      yield* subschemas(v, `${path}/${k}`);
    }
  }
}

describe('JSON Schema for the editor', () => {
  const editor = JSON.parse(schemaText({ editor: true }));
  const strict = JSON.parse(schemaText());

  it('the shipped editor schema file is what the registry generates (run "npm run schema")', () => {
    assert.strictEqual(fs.readFileSync(EDITOR_SCHEMA_FILE, 'utf8'), schemaText({ editor: true }));
  });

  it('has no keyword that can fail outside if-conditions: the extension\'s diagnostics report those problems', () => {
    const failing = ['type', 'required', 'additionalProperties', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'minItems', 'maxItems', 'const', 'not', 'oneOf', 'pattern'];
    const found: string[] = [];
    for (const { s, path, inAnyOf } of subschemas(editor)) {
      for (const k of failing) if (k in s) found.push(`${path}/${k}`);
      // A name list stays for completion and hover, beside an alternative that accepts anything.
      if ('enum' in s && !inAnyOf?.some((alt) => JSON.stringify(alt) === '{}')) found.push(`${path}/enum`);
    }
    assert.deepStrictEqual(found, []);
  });

  it('keeps every description, documented name list, default and snippet of the strict schema', () => {
    const collect = (schema: object, key: string): Set<string> => {
      const out = new Set<string>();
      for (const { s } of subschemas(schema)) if (key in s) out.add(JSON.stringify(key === 'enum' ? [s.enum, s.enumDescriptions] : s[key]));
      return out;
    };
    // A layer or callback type's doc is shown once, as its enum description, not also as the description of `type`.
    const enumDocs = new Set<string>();
    for (const { s } of subschemas(editor)) for (const d of (s.enumDescriptions ?? []) as string[]) enumDocs.add(JSON.stringify(d));
    for (const key of ['description', 'markdownDescription', 'enum', 'default', 'defaultSnippets', 'deprecationMessage']) {
      const kept = collect(editor, key);
      const missing = [...collect(strict, key)].filter((v) => !kept.has(v) && !(key === 'enum' && v.endsWith(',null]')) && !(key.endsWith('escription') && enumDocs.has(v)));
      assert.deepStrictEqual(missing, [], key);
    }
  });

  it('keeps one if/then per layer type, so completion offers exactly that type\'s arguments', () => {
    const dense = editor.definitions.layer.allOf.find((c: { if: { properties: { type: { const: string } } } }) => c.if.properties.type.const === 'Dense');
    assert.ok(dense.then.properties.units && !dense.then.properties.kernel_size);
    assert.deepStrictEqual(dense.if.required, ['type']);
  });
});
