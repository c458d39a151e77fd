/** Small helpers over jsonc-parser's syntax tree, shared by the validator and the editor features. */
import type { Node } from 'jsonc-parser';

/** The property nodes of an object node, keyed by name (the first of duplicates). */
export function properties(obj: Node | undefined): Map<string, { key: Node; value: Node | undefined; prop: Node }> {
  const map = new Map<string, { key: Node; value: Node | undefined; prop: Node }>();
  if (obj?.type !== 'object') return map;
  for (const prop of obj.children ?? []) {
    const key = prop.children?.[0];
    if (!key || typeof key.value !== 'string' || map.has(key.value)) continue;
    map.set(key.value, { key, value: prop.children?.[1], prop });
  }
  return map;
}

/** A short quote of a node's value for messages. */
export function quote(node: Node): string {
  let s: string;
  switch (node.type) {
    case 'string': s = JSON.stringify(node.value); break;
    case 'number': case 'boolean': case 'null': s = String(node.value); break;
    case 'array': s = 'an array'; break;
    case 'object': s = 'an object'; break;
    default: s = 'a value';
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** The `{` of an object: where a missing-key problem is shown. */
export function openBrace(obj: Node): Node {
  return { ...obj, length: 1, children: undefined };
}
