/**
 * Generates the JSON Schema of model specs from the registry and the spec fields, so VS Code's
 * JSON support offers the same names, arguments and docs the validator accepts.
 * The shipped file `schemas/model-spec.schema.json` is this output (a test keeps them equal).
 */
import { COMMON_LAYER_FIELDS, LAYERS, NAMED, type Field, type NameKind, type ValueType } from './registry';
import { defaultableFields } from './checkStructure';
import { SPEC_FIELDS, VARIANT_FIELDS } from './specFields';

type Schema = Record<string, unknown>;

export const SCHEMA_ID = 'https://modelspec.dev/schemas/model-spec.schema.json';

function described(schema: Schema, f: Field): Schema {
  return { ...schema, description: f.doc, markdownDescription: f.doc, ...(f.default !== undefined && f.default !== null ? { default: f.default } : {}) };
}

function typeSchema(t: ValueType): Schema {
  switch (t.kind) {
    case 'int':
    case 'number': {
      const s: Schema = { type: t.kind === 'int' ? 'integer' : 'number' };
      if (t.min !== undefined) s[t.kind === 'number' && t.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = t.min;
      if (t.max !== undefined) s[t.kind === 'number' && t.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = t.max;
      return s;
    }
    case 'bool': return { type: 'boolean' };
    case 'string': return { type: 'string', ...(t.minLength ? { minLength: t.minLength } : {}) };
    case 'path': return { type: 'string', minLength: 1 };
    case 'enum': return { type: 'string', enum: [...t.values], ...(t.docs ? { enumDescriptions: [...t.docs] } : {}) };
    case 'shape':
      return { type: 'array', minItems: 1, items: t.inferOne ? { type: 'integer', anyOf: [{ minimum: 1 }, { const: -1 }] } : { type: 'integer', minimum: 1 } };
    case 'intOrTuple':
      return { anyOf: [{ type: 'integer', minimum: t.min }, { type: 'array', items: { type: 'integer', minimum: t.min }, minItems: t.length, maxItems: t.length }] };
    case 'ref': return { $ref: `#/definitions/${t.ref}` };
    case 'object': return objectSchema(t.fields, false);
    case 'array': return { type: 'array', items: typeSchema(t.items) };
    case 'oneOf': return { anyOf: t.options.map(typeSchema) };
    case 'layers': return { type: 'array', items: { $ref: '#/definitions/layer' } };
    case 'callbacks': return { type: 'array', items: { $ref: '#/definitions/callback' } };
    case 'layerDefaults':
      return {
        type: 'object', additionalProperties: false,
        properties: Object.fromEntries(LAYERS.map((l) => [l.name, { ...objectSchema(defaultableFields(l.name), true), description: `Default arguments for every ${l.name} layer.` }])),
      };
    case 'variants': return { type: 'array', items: { $ref: '#/definitions/variant' } };
  }
}

/** An object of fields; in a patch every field is optional and may be null (delete). */
function objectSchema(fields: readonly Field[], patch: boolean): Schema {
  const required = patch ? [] : fields.filter((f) => f.required).map((f) => f.name);
  const props: Record<string, Schema> = {};
  for (const f of fields) {
    const s = typeSchema(f.type);
    props[f.name] = described(patch || f.default === null ? { anyOf: [s, { type: 'null' }] } : s, f);
    if (f.deprecatedAlias) props[f.deprecatedAlias] = { ...described(s, f), deprecationMessage: `Keras 2 spelling: use "${f.name}".` };
  }
  return { type: 'object', properties: props, additionalProperties: false, ...(required.length ? { required } : {}) };
}

/** `type`-discriminated objects: one if/then per entry, so each type gets exactly its arguments. */
function discriminated(entries: readonly { name: string; doc: string; args: readonly Field[] }[], common: readonly Field[], what: string): Schema {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', description: `The ${what}.`, enum: entries.map((e) => e.name), enumDescriptions: entries.map((e) => e.doc) } },
    allOf: entries.map((e) => ({
      if: { properties: { type: { const: e.name } }, required: ['type'] },
      then: objectSchema([{ name: 'type', type: { kind: 'string' }, required: true, doc: e.doc }, ...common.filter((c) => c.name !== 'type'), ...e.args], false),
    })),
    defaultSnippets: entries.slice(0, 1).map((e) => ({ label: e.name, body: { type: e.name } })),
    description: `A ${what}: { "type": ..., arguments }.`,
  };
}

function refDefinition(kind: Exclude<NameKind, 'layer' | 'callback'>): Schema {
  const entries = NAMED[kind];
  const names: string[] = [];
  const docs: string[] = [];
  for (const e of entries) {
    for (const n of [e.name, ...e.aliases]) {
      names.push(n);
      docs.push(n === e.name ? e.doc : `${e.doc} (same as ${e.name})`);
    }
  }
  const byName: Schema = { type: 'string', enum: names, enumDescriptions: docs };
  const withArgs = entries.filter((e) => e.args.length);
  if (!withArgs.length) return byName;
  return {
    anyOf: [
      byName,
      ...withArgs.map((e) => ({
        ...objectSchema([{ name: 'type', type: { kind: 'string' }, required: true, doc: e.doc }, ...e.args], false),
        properties: { ...objectSchema(e.args, false).properties as object, type: { enum: [e.name, ...e.aliases], description: e.doc } },
      })),
    ],
  };
}

/** The whole JSON Schema (draft-07). */
export function generateSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'Model Spec',
    description: 'A Keras-style Sequential model, its data, compile and fit settings, and variants to compare.',
    ...objectSchema(SPEC_FIELDS, false),
    definitions: {
      layer: discriminated(LAYERS, COMMON_LAYER_FIELDS, 'Keras layer type'),
      callback: discriminated(NAMED.callback, [], 'callback'),
      variant: { ...objectSchema(VARIANT_FIELDS, true), required: ['name'], description: 'A JSON Merge Patch over the spec, with a name.' },
      activation: refDefinition('activation'),
      initializer: refDefinition('initializer'),
      regularizer: refDefinition('regularizer'),
      optimizer: refDefinition('optimizer'),
      loss: refDefinition('loss'),
      metric: refDefinition('metric'),
    },
  };
}
