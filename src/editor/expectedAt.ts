/**
 * What the spec allows at a JSON path: the field there (its doc and default) and the kind of
 * value, following layers and callbacks by their `type`, named references written as objects,
 * `layer_defaults` and variants. Completion, hover and quick fixes ask this instead of
 * matching paths by hand.
 */
import type { Node } from 'jsonc-parser';
import { defaultableFields } from '../core/checkStructure';
import { properties } from '../core/jsonTree';
import type { JsonPath } from '../core/diagnostics';
import { COMMON_LAYER_FIELDS, lookup, lookupLayer, type Field, type NameKind, type ValueType } from '../core/registry';
import { SPEC_FIELDS, VARIANT_FIELDS } from '../core/specFields';

/** A value at a path: of a type, or an identifier of a kind (the `type` of a layer, callback or reference object). */
export type Expected =
  | { type: ValueType; field?: Field }
  | { names: NameKind; field?: Field };

/** An object whose keys are fields; `typeNames`: what its `type` names, when `type` picks its fields. */
interface Fields {
  fields: readonly Field[];
  typeNames?: NameKind;
}

type At = Expected | Fields;

const typeOf = (node: Node | undefined): string => {
  const t = properties(node).get('type')?.value;
  return t?.type === 'string' ? String(t.value) : '';
};

/** What one step of the path leads to from `at`, the value at `node`. */
function step(at: At, node: Node | undefined, seg: string | number): At | undefined {
  if ('names' in at) return undefined; // an identifier has no parts
  if ('fields' in at) {
    if (seg === 'type' && at.typeNames) return { names: at.typeNames };
    const field = at.fields.find((f) => f.name === seg || f.deprecatedAlias === seg);
    return field ? { type: field.type, field } : undefined;
  }
  const t = at.type;
  const child = childAt(node, seg);
  switch (t.kind) {
    case 'object': return step({ fields: t.fields }, node, seg);
    case 'ref': return node?.type === 'object' ? step({ fields: lookup(t.ref, typeOf(node))?.args ?? [], typeNames: t.ref }, node, seg) : undefined;
    case 'array': return typeof seg === 'number' ? { type: t.items } : undefined;
    case 'layers':
      return typeof seg === 'number' ? { fields: [...COMMON_LAYER_FIELDS, ...(lookupLayer(typeOf(child))?.args ?? [])], typeNames: 'layer' } : undefined;
    case 'callbacks':
      return typeof seg === 'number' ? { fields: lookup('callback', typeOf(child))?.args ?? [], typeNames: 'callback' } : undefined;
    case 'variants': return typeof seg === 'number' ? { fields: VARIANT_FIELDS } : undefined;
    case 'layerDefaults': return typeof seg === 'string' ? { fields: defaultableFields(seg) } : undefined;
    case 'oneOf': {
      // A list, a reference written as an object with a `type`, or the object option that has the key.
      const option = typeof seg === 'number'
        ? t.options.find((o) => o.kind === 'array')
        : (node?.type === 'object' && typeOf(node) ? t.options.find((o) => o.kind === 'ref') : undefined)
          ?? t.options.find((o) => o.kind === 'object' && o.fields.some((f) => f.name === seg));
      return option ? step({ type: option }, node, seg) : undefined;
    }
    default: return undefined;
  }
}

/**
 * What the spec allows at `path` in the tree `root` (the value of the last key or index), or
 * undefined where the spec has no such place. The `type` of a layer, a callback or a reference
 * written as an object comes out as an identifier of that kind.
 */
export function expectedAt(root: Node | undefined, path: JsonPath): Expected | undefined {
  let at: At = { fields: SPEC_FIELDS };
  let node = root;
  for (const seg of path) {
    const next = step(at, node, seg);
    if (!next) return undefined;
    at = next;
    node = childAt(node, seg);
  }
  // An object of fields is the value of its list item: a layer, a callback or a variant.
  return 'fields' in at ? { type: { kind: 'object', fields: at.fields } } : at;
}

/** The identifier kind a string at `path` names (an activation, a layer type, ...), if any. */
export function namesAt(root: Node | undefined, path: JsonPath): NameKind | undefined {
  const e = expectedAt(root, path);
  if (!e) return undefined;
  if ('names' in e) return e.names;
  if (e.type.kind === 'ref') return e.type.ref;
  if (e.type.kind === 'oneOf') return e.type.options.find((o): o is Extract<ValueType, { kind: 'ref' }> => o.kind === 'ref')?.ref;
  return undefined;
}

/** The child of an object (by key) or array (by index). */
export function childAt(node: Node | undefined, seg: string | number): Node | undefined {
  if (typeof seg === 'number') return node?.type === 'array' ? node.children?.[seg] : undefined;
  return properties(node).get(seg)?.value;
}

/** The path without a leading `variants, i`: where a variant's patch puts its contents in the spec. */
export function specPath(path: JsonPath): JsonPath {
  return path[0] === 'variants' && typeof path[1] === 'number' ? path.slice(2) : path;
}
