/** JSON Merge Patch (RFC 7396), on plain values and on syntax-tree nodes. */
import type { Node } from 'jsonc-parser';
import type { Json } from './registry';

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `patch` to `target` as RFC 7396 says: objects merge, `null` deletes, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * The same merge on syntax nodes: the result is a tree whose leaves are the original nodes of
 * the base or of the patch, so every problem found in a variant points at the text that caused
 * it. Merged objects are new nodes placed at the patch's object.
 */
export function mergePatchNodes(target: Node | undefined, patch: Node, skipKeys: ReadonlySet<string> = new Set()): Node {
  if (patch.type !== 'object') return patch;
  const result: Node = { type: 'object', offset: patch.offset, length: patch.length, children: [] };
  const patched = new Map<string, Node>();
  for (const prop of patch.children ?? []) {
    const key = prop.children?.[0]?.value;
    if (typeof key === 'string' && !skipKeys.has(key) && prop.children?.[1]) patched.set(key, prop);
  }
  const children = result.children as Node[];
  if (target?.type === 'object') {
    for (const prop of target.children ?? []) {
      const key = prop.children?.[0]?.value;
      if (typeof key === 'string' && !patched.has(key)) children.push(prop);
    }
  }
  for (const [key, prop] of patched) {
    const value = prop.children?.[1] as Node;
    if (value.type === 'null') continue;
    const base = target?.type === 'object'
      ? target.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1]
      : undefined;
    const merged = mergePatchNodes(base, value);
    children.push({ type: 'property', offset: prop.offset, length: prop.length, children: [prop.children?.[0] as Node, merged] });
  }
  return result;
}
