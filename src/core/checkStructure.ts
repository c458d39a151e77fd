/**
 * Structural checks: walks the syntax tree against the field descriptions of the spec and
 * the registry, reporting unknown keys, wrong types, ranges and unknown names at their nodes.
 */
import type { Node } from 'jsonc-parser';
import { Code, type Diagnostic, type JsonPath, type Severity } from './diagnostics';
import { didYouMean } from './didYouMean';
import { openBrace, properties, quote } from './jsonTree';
import {
  COMMON_LAYER_FIELDS, KIND_WORDS, LAYERS, NAMED, lookup, lookupLayer, suggest,
  type Field, type NameKind, type NamedEntry, type ValueType,
} from './registry';
import { VARIANT_FIELDS } from './specFields';

/** Collects diagnostics and remembers which nodes were found invalid (semantic checks skip them). */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly bad = new Set<Node>();

  /** `shared`: a reporter whose invalid nodes count as invalid here too (a variant's checks share the base's). */
  constructor(private readonly shared?: Reporter) {}

  report(severity: Severity, code: Code, node: Pick<Node, 'offset' | 'length'>, path: JsonPath, message: string, suggestion?: string): void {
    this.diagnostics.push({ severity, code, message, path, offset: node.offset, length: node.length, ...(suggestion === undefined ? {} : { suggestion }) });
  }

  error(code: Code, node: Node, path: JsonPath, message: string, suggestion?: string): void {
    this.bad.add(node);
    this.report('error', code, node, path, message, suggestion);
  }

  /** True when the node or anything inside it had an error. */
  isBad(node: Node | undefined): boolean {
    if (!node) return false;
    if (this.bad.has(node) || this.shared?.bad.has(node)) return true;
    return (node.children ?? []).some((c) => this.isBad(c));
  }
}



const article = (node: Node): string =>
  ({ string: 'a string', number: 'a number', boolean: 'a boolean', null: 'null', array: 'an array', object: 'an object' } as Record<string, string>)[node.type] ?? 'a value';

/** Describes a numeric range for messages: "an integer >= 1". */
function describeNumber(t: Extract<ValueType, { kind: 'int' | 'number' }>): string {
  const what = t.kind === 'int' ? 'an integer' : 'a number';
  if (t.kind === 'int' && t.min === 1 && t.max === undefined) return 'a positive integer';
  const lo = t.min === undefined ? '' : (t.kind === 'number' && t.exclusiveMin ? `> ${t.min}` : `>= ${t.min}`);
  const hi = t.max === undefined ? '' : (t.kind === 'number' && t.exclusiveMax ? `< ${t.max}` : `<= ${t.max}`);
  if (lo && hi) return `${what} ${lo} and ${hi}`;
  return lo || hi ? `${what} ${lo || hi}` : what;
}

/** Human description of what a type expects, for wrong-type messages. */
function expects(t: ValueType): string {
  switch (t.kind) {
    case 'int': case 'number': return describeNumber(t);
    case 'bool': return 'true or false';
    case 'string': case 'path': return 'a string';
    case 'enum': return `one of ${t.values.map((v) => `"${v}"`).join(', ')}`;
    case 'shape': return 'a list of positive integers, e.g. [28, 28]';
    case 'intOrTuple': return `an integer or a list of ${t.length} integers`;
    case 'ref': return NAMED[t.ref].some((e) => e.args.length) ? `a ${KIND_WORDS[t.ref]} name or { "type": name, ...arguments }` : `a ${KIND_WORDS[t.ref]} name`;
    case 'object': return 'an object';
    case 'array': case 'layers': case 'callbacks': case 'variants': return 'a list';
    case 'layerDefaults': return 'an object of layer type -> arguments';
    case 'oneOf': return t.options.map(expects).join(' or ');
  }
}

/** The JSON node types each value kind accepts, for choosing among `oneOf` options. */
const JSON_TYPES: Partial<Record<ValueType['kind'], readonly string[]>> = {
  int: ['number'], number: ['number'], bool: ['boolean'], string: ['string'], path: ['string'], enum: ['string'],
  ref: ['string', 'object'], shape: ['array'], array: ['array'], intOrTuple: ['number', 'array'],
};

export interface CheckContext {
  r: Reporter;
  /** Inside a variant: fields are optional and `null` deletes. */
  patch: boolean;
}

/**
 * Checks an object's properties against fields: unknown keys (with "did you mean"), duplicate
 * keys, each value's type, and (outside patches) required keys.
 */
export function checkFields(obj: Node, fields: readonly Field[], path: JsonPath, ctx: CheckContext, owner: string, opts: { skipRequired?: boolean; hintElsewhere?: (key: string) => string | undefined } = {}): void {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const aliases = new Map(fields.filter((f) => f.deprecatedAlias).map((f) => [f.deprecatedAlias as string, f]));
  const seen = new Set<string>();
  for (const prop of obj.children ?? []) {
    const key = prop.children?.[0];
    const value = prop.children?.[1];
    if (!key || typeof key.value !== 'string') continue;
    const name = key.value;
    if (seen.has(name)) {
      ctx.r.error(Code.DuplicateKey, key, [...path, name], `"${name}" appears more than once in ${owner}; JSON keeps only the last one. Remove the duplicate.`);
      continue;
    }
    seen.add(name);
    const field = byName.get(name) ?? aliases.get(name);
    if (!field) {
      const guess = didYouMean(name, byName.keys());
      const elsewhere = guess === undefined ? opts.hintElsewhere?.(name) : undefined;
      const msg = guess !== undefined
        ? `Unknown key "${name}" in ${owner}. Did you mean "${guess}"?`
        : `Unknown key "${name}" in ${owner}.${elsewhere ? ' ' + elsewhere : ''} Known keys: ${[...byName.keys()].filter((k) => k !== 'type').join(', ')}.`;
      ctx.r.error(Code.UnknownKey, key, [...path, name], msg, guess);
      continue;
    }
    if (aliases.has(name) && byName.has(field.name) && properties(obj).has(field.name)) {
      ctx.r.error(Code.ConflictingKeys, key, [...path, name], `"${name}" and "${field.name}" mean the same thing in ${owner}; keep only "${field.name}".`);
      continue;
    }
    if (!value) continue; // incomplete property: the syntax error says so
    if (value.type === 'null' && (ctx.patch || field.default === null)) continue;
    checkValue(value, field.type, [...path, name], ctx, `"${name}"`);
  }
  if (!ctx.patch && !opts.skipRequired) {
    for (const f of fields) {
      if (f.required && !seen.has(f.name) && !(f.deprecatedAlias && seen.has(f.deprecatedAlias))) {
        ctx.r.error(Code.MissingKey, openBrace(obj), path, `${capitalize(owner)} is missing "${f.name}": ${f.doc}`);
      }
    }
  }
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Reports a value of the wrong JSON type, with a hint for a number in quotes. */
function wrongType(node: Node, t: ValueType, path: JsonPath, ctx: CheckContext, label: string): void {
  let msg = `${label} must be ${expects(t)}, but is ${article(node)}${node.type === 'object' || node.type === 'array' ? '' : ` (${quote(node)})`}.`;
  if ((t.kind === 'int' || t.kind === 'number') && node.type === 'string' && node.value.trim() !== '' && !isNaN(Number(node.value))) {
    msg += ` Write ${node.value.trim()} without quotes.`;
  }
  ctx.r.error(Code.WrongType, node, path, msg);
}

type Kind<K extends ValueType['kind']> = Extract<ValueType, { kind: K }>;

/** An int or number within its range. */
function checkNumber(node: Node, t: Kind<'int' | 'number'>, path: JsonPath, ctx: CheckContext, label: string): void {
  if (node.type !== 'number') return wrongType(node, t, path, ctx, label);
  const v = node.value as number;
  if (t.kind === 'int' && !Number.isInteger(v)) {
    ctx.r.error(Code.WrongType, node, path, `${label} must be ${describeNumber(t)}, but is ${v}.`);
    return;
  }
  const tooLow = t.min !== undefined && (v < t.min || (t.kind === 'number' && t.exclusiveMin === true && v === t.min));
  const tooHigh = t.max !== undefined && (v > t.max || (t.kind === 'number' && t.exclusiveMax === true && v === t.max));
  if (tooLow || tooHigh || !Number.isFinite(v)) ctx.r.error(Code.OutOfRange, node, path, `${label} must be ${describeNumber(t)}, but is ${v}.`);
}

/** A shape: positive integers, and -1 once where the type allows it. */
function checkShape(node: Node, t: Kind<'shape'>, path: JsonPath, ctx: CheckContext, label: string): void {
  if (node.type !== 'array') return wrongType(node, t, path, ctx, label);
  const items = node.children ?? [];
  if (items.length === 0) {
    ctx.r.error(Code.OutOfRange, node, path, `${label} must have at least one dimension, e.g. [28, 28].`);
    return;
  }
  let free = 0;
  items.forEach((item, i) => {
    const v = item.value;
    if (item.type !== 'number' || !Number.isInteger(v)) {
      ctx.r.error(Code.WrongType, item, [...path, i], `Each dimension of ${label} must be a positive integer${t.inferOne ? ' (or -1 once)' : ''}, but ${quote(item)} is not.`);
    } else if (t.inferOne && v === -1) {
      if (++free > 1) ctx.r.error(Code.OutOfRange, item, [...path, i], `Only one dimension of ${label} may be -1.`);
    } else if (v < 1) {
      ctx.r.error(Code.OutOfRange, item, [...path, i], `Each dimension of ${label} must be a positive integer${t.inferOne ? ' (or -1 once)' : ''}, but is ${v}.`);
    }
  });
}

/** An integer, or a list of exactly `t.length` integers (kernel sizes, strides). */
function checkIntOrTuple(node: Node, t: Kind<'intOrTuple'>, path: JsonPath, ctx: CheckContext, label: string): void {
  const one = (n: Node, p: JsonPath): void => {
    if (n.type !== 'number' || !Number.isInteger(n.value)) ctx.r.error(Code.WrongType, n, p, `${label} must be ${expects(t)}, but has ${quote(n)}.`);
    else if (n.value < t.min) ctx.r.error(Code.OutOfRange, n, p, `${label} must be at least ${t.min}, but is ${n.value}.`);
  };
  if (node.type === 'number') return one(node, path);
  if (node.type !== 'array') return wrongType(node, t, path, ctx, label);
  const items = node.children ?? [];
  if (items.length !== t.length) {
    ctx.r.error(Code.OutOfRange, node, path, `${label} must be an integer or a list of exactly ${t.length} integers, but has ${items.length}.`);
    return;
  }
  items.forEach((n, i) => one(n, [...path, i]));
}

/** One of several types: a scalar or a list picks the option of its JSON type; an object picks a named ref, else the object option whose keys it has. */
function checkOneOf(node: Node, t: Kind<'oneOf'>, path: JsonPath, ctx: CheckContext, label: string): void {
  const byJsonType = t.options.find((o) => JSON_TYPES[o.kind]?.includes(node.type));
  if (node.type !== 'object' || (byJsonType?.kind === 'ref')) return byJsonType ? checkValue(node, byJsonType, path, ctx, label) : wrongType(node, t, path, ctx, label);
  const keys = new Set(properties(node).keys());
  const objects = t.options.filter((o): o is Kind<'object'> => o.kind === 'object');
  const scored = objects.map((o) => ({ o, score: o.fields.filter((f) => keys.has(f.name)).length }));
  const best = scored.sort((a, b) => b.score - a.score)[0];
  if (!best || best.score === 0) {
    const forms = objects.map((o) => `{ ${o.fields.filter((f) => f.required !== false).map((f) => `"${f.name}": ...`).join(', ')} }`);
    ctx.r.error(Code.WrongType, node, path, `${label} must be one of: ${forms.join(' or ')}.`);
    return;
  }
  checkFields(node, best.o.fields, path, ctx, label);
}

/** Checks one value against its type. `label` names it in messages (`"units"`). */
export function checkValue(node: Node, t: ValueType, path: JsonPath, ctx: CheckContext, label: string): void {
  const wrong = (): void => wrongType(node, t, path, ctx, label);
  switch (t.kind) {
    case 'int':
    case 'number':
      return checkNumber(node, t, path, ctx, label);
    case 'bool':
      if (node.type !== 'boolean') wrong();
      return;
    case 'string':
    case 'path':
      if (node.type !== 'string') return wrong();
      if ((t.kind === 'path' || (t.minLength ?? 0) > 0) && node.value === '') ctx.r.error(Code.OutOfRange, node, path, `${label} must not be empty.`);
      // No file system allows NUL in a path (Node refuses it with its own internal message).
      if (t.kind === 'path' && String(node.value).includes('\0')) ctx.r.error(Code.OutOfRange, node, path, `${label} holds a NUL character, which no file path may hold; remove it.`);
      return;
    case 'enum': {
      if (node.type !== 'string') return wrong();
      if (!t.values.includes(node.value)) {
        const guess = didYouMean(node.value, t.values);
        ctx.r.error(Code.OutOfRange, node, path, `${label} must be ${expects(t)}, but is ${quote(node)}.${guess ? ` Did you mean "${guess}"?` : ''}`, guess);
      }
      return;
    }
    case 'shape':
      return checkShape(node, t, path, ctx, label);
    case 'intOrTuple':
      return checkIntOrTuple(node, t, path, ctx, label);
    case 'ref':
      checkRef(node, t.ref, path, ctx, label);
      return;
    case 'object':
      if (node.type !== 'object') return wrong();
      checkFields(node, t.fields, path, ctx, label);
      return;
    case 'array':
      if (node.type !== 'array') return wrong();
      (node.children ?? []).forEach((item, i) => checkValue(item, t.items, [...path, i], ctx, `${label}[${i}]`));
      return;
    case 'oneOf':
      return checkOneOf(node, t, path, ctx, label);
    case 'layers':
      if (node.type !== 'array') return wrong();
      if ((node.children ?? []).length === 0 && !ctx.patch) {
        ctx.r.error(Code.OutOfRange, node, path, 'The model needs at least one layer, e.g. { "type": "Dense", "units": 10 }.');
      }
      (node.children ?? []).forEach((item, i) => checkLayer(item, [...path, i], ctx));
      return;
    case 'callbacks':
      if (node.type !== 'array') return wrong();
      (node.children ?? []).forEach((item, i) => checkTyped(item, 'callback', [...path, i], ctx));
      return;
    case 'layerDefaults':
      if (node.type !== 'object') return wrong();
      checkLayerDefaults(node, path, ctx);
      return;
    case 'variants':
      if (node.type !== 'array') return wrong();
      checkVariants(node, path, ctx);
      return;
  }
}

/** Checks a registry reference: a known name, or `{ "type": name, ...args }` where arguments exist. */
function checkRef(node: Node, kind: Exclude<NameKind, 'layer' | 'callback'>, path: JsonPath, ctx: CheckContext, label: string): void {
  if (node.type === 'string') {
    const entry = lookup(kind, node.value);
    if (!entry) unknownName(node, kind, path, ctx);
    else missingArguments(node, entry, kind, path, ctx, label);
    return;
  }
  const takesArgs = NAMED[kind].some((e) => e.args.length > 0);
  if (node.type === 'object' && takesArgs) {
    checkTyped(node, kind, path, ctx);
    return;
  }
  ctx.r.error(Code.WrongType, node, path, `${label} must be ${takesArgs ? `a ${KIND_WORDS[kind]} name or { "type": name, ...arguments }` : `a ${KIND_WORDS[kind]} name such as "${NAMED[kind][0].name}"`}, but is ${article(node)}.`);
}

/** A bare name whose entry has required arguments cannot be built (a schedule needs its steps and rates). */
function missingArguments(node: Node, entry: NamedEntry, kind: Exclude<NameKind, 'layer'>, path: JsonPath, ctx: CheckContext, label: string): void {
  const required = entry.args.filter((a) => a.required);
  if (!required.length) return;
  const example = `{ "type": "${entry.name}", ${required.map((a) => `"${a.name}": ${exampleValue(a)}`).join(', ')} }`;
  ctx.r.error(Code.MissingArguments, node, path,
    `${label}: the ${KIND_WORDS[kind]} ${entry.name} needs arguments (${required.map((a) => a.name).join(', ')}), so it cannot be given as a bare name. Write ${example}.`, example);
}

/** A placeholder value of a field's type for examples in messages. */
function exampleValue(f: Field): string {
  switch (f.type.kind) {
    case 'int': return String(Math.max(f.type.min ?? 1, 1) * 1000);
    case 'number': return '0.01';
    case 'array': return f.type.items.kind === 'int' ? '[1000, 2000]' : '[0.1, 0.01, 0.001]';
    case 'bool': return 'false';
    default: return '...';
  }
}

function unknownName(node: Node, kind: NameKind, path: JsonPath, ctx: CheckContext): void {
  const name = String(node.value);
  const guess = suggest(kind, name);
  const code = kind === 'layer' ? Code.UnknownLayerType : Code.UnknownName;
  const known = kind === 'layer' ? LAYERS.map((l) => l.name) : NAMED[kind].map((e) => e.name);
  const msg = guess !== undefined
    ? `Unknown ${KIND_WORDS[kind]} "${name}". Did you mean "${guess}"?`
    : `Unknown ${KIND_WORDS[kind]} "${name}". Known: ${known.join(', ')}.`;
  ctx.r.error(code, node, path, msg, guess);
}

/** An object discriminated by `type` (a callback, or a named thing with arguments). */
function checkTyped(node: Node, kind: Exclude<NameKind, 'layer'>, path: JsonPath, ctx: CheckContext): void {
  if (node.type !== 'object') {
    ctx.r.error(Code.WrongType, node, path, `Each ${KIND_WORDS[kind]} must be an object like { "type": "${NAMED[kind][0].name}", ... }, but is ${article(node)}.`);
    return;
  }
  const typeNode = properties(node).get('type')?.value;
  if (!typeNode) {
    ctx.r.error(Code.MissingKey, openBrace(node), path, `This ${KIND_WORDS[kind]} is missing "type", e.g. "type": "${NAMED[kind][0].name}".`);
    return;
  }
  if (typeNode.type !== 'string') {
    ctx.r.error(Code.WrongType, typeNode, [...path, 'type'], `"type" must be a ${KIND_WORDS[kind]} name, but is ${article(typeNode)}.`);
    return;
  }
  const entry = lookup(kind, typeNode.value);
  if (!entry) {
    unknownName(typeNode, kind, [...path, 'type'], ctx);
    return;
  }
  const typeField: Field = { name: 'type', type: { kind: 'string' }, required: true, doc: '' };
  checkFields(node, [typeField, ...entry.args], path, ctx, `${entry.name}`);
}

/** Checks one layer object; required arguments are checked later, when layer_defaults are known. */
function checkLayer(node: Node, path: JsonPath, ctx: CheckContext): void {
  if (node.type !== 'object') {
    ctx.r.error(Code.WrongType, node, path, `Each layer must be an object like { "type": "Dense", "units": 10 }, but is ${article(node)}.`);
    return;
  }
  const typeNode = properties(node).get('type')?.value;
  if (!typeNode) {
    ctx.r.error(Code.MissingKey, openBrace(node), path, 'This layer is missing "type", e.g. "type": "Dense".');
    return;
  }
  if (typeNode.type !== 'string') {
    ctx.r.error(Code.WrongType, typeNode, [...path, 'type'], `"type" must be a layer type such as "Dense", but is ${article(typeNode)}.`);
    return;
  }
  const entry = lookupLayer(typeNode.value);
  if (!entry) {
    unknownName(typeNode, 'layer', [...path, 'type'], ctx);
    return;
  }
  checkFields(node, [...COMMON_LAYER_FIELDS, ...entry.args], path, ctx, `${entry.name} layer`, {
    skipRequired: true,
    hintElsewhere: (key) => belongsTo(key, entry.name),
  });
}

/** "kernel_size belongs to Conv2D" hints for arguments of other layer types. */
function belongsTo(key: string, self: string): string | undefined {
  const owners = LAYERS.filter((l) => l.name !== self && l.args.some((a) => a.name === key)).map((l) => l.name);
  return owners.length ? `"${key}" is an argument of ${owners.join(', ')}, not ${self}.` : undefined;
}

/** Arguments a `layer_defaults` entry may give (all but the per-layer ones). */
export function defaultableFields(layerType: string): readonly Field[] {
  const entry = lookupLayer(layerType);
  if (!entry) return [];
  return [...COMMON_LAYER_FIELDS.filter((f) => f.name === 'trainable'), ...entry.args];
}

function checkLayerDefaults(node: Node, path: JsonPath, ctx: CheckContext): void {
  const seen = new Set<string>();
  for (const prop of node.children ?? []) {
    const key = prop.children?.[0];
    const value = prop.children?.[1];
    if (!key || typeof key.value !== 'string') continue;
    if (seen.has(key.value)) {
      ctx.r.error(Code.DuplicateKey, key, [...path, key.value], `"${key.value}" appears more than once in layer_defaults; JSON keeps only the last one.`);
      continue;
    }
    seen.add(key.value);
    if (!lookupLayer(key.value)) {
      unknownName(key, 'layer', [...path, key.value], ctx);
      continue;
    }
    if (!value) continue;
    if (value.type === 'null' && ctx.patch) continue;
    if (value.type !== 'object') {
      ctx.r.error(Code.WrongType, value, [...path, key.value], `layer_defaults.${key.value} must be an object of ${key.value} arguments, e.g. { "activation": "relu" }.`);
      continue;
    }
    // Not a patch in the base spec: null is no value there (only a variant's null deletes a default).
    checkFields(value, defaultableFields(key.value), [...path, key.value], ctx, `layer_defaults.${key.value}`, {
      skipRequired: true,
      hintElsewhere: (k) => (k === 'name' || k === 'input_shape' ? `"${k}" belongs on a single layer, not in layer_defaults.` : belongsTo(k, key.value)),
    });
  }
}

function checkVariants(node: Node, path: JsonPath, ctx: CheckContext): void {
  const names = new Map<string, Node>();
  (node.children ?? []).forEach((item, i) => {
    if (item.type !== 'object') {
      ctx.r.error(Code.WrongType, item, [...path, i], `Each variant must be an object like { "name": "he_normal", "layer_defaults": { ... } }, but is ${article(item)}.`);
      return;
    }
    const nameNode = properties(item).get('name')?.value;
    if (!nameNode) {
      ctx.r.error(Code.MissingKey, openBrace(item), [...path, i], 'This variant is missing "name", e.g. "name": "he_normal".');
    } else if (nameNode.type === 'string' && names.has(nameNode.value)) {
      ctx.r.error(Code.DuplicateName, nameNode, [...path, i, 'name'], `Two variants are named "${nameNode.value}"; variant names must be unique.`);
    } else if (nameNode.type === 'string') {
      names.set(nameNode.value, nameNode);
    }
    checkFields(item, VARIANT_FIELDS, [...path, i], { ...ctx, patch: true }, `variant ${i + 1}`, {
      hintElsewhere: (k) => (k === 'variants' ? 'Variants cannot be nested.' : undefined),
    });
    // A variant's name field is required even in patch mode.
    if (nameNode && nameNode.type !== 'string') {
      ctx.r.error(Code.WrongType, nameNode, [...path, i, 'name'], `The variant "name" must be a string, but is ${article(nameNode)}.`);
    }
  });
}
