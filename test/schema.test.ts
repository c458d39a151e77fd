import * as assert from 'assert';
import * as fs from 'fs';
import { SCHEMA_FILE, schemaText } from '../scripts/generateSchema';
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
