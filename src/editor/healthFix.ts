/**
 * A training-health fix (JSON-path edits from the trainer's diagnoses) as text edits on the spec,
 * keeping the user's layout and comments: a value that exists is replaced; a missing one is added
 * to the deepest object on its path that exists, with the objects in between written inline
 * (`"layer_defaults": { "Dense": { "activation": "relu" } }`). The edits are applied one after the
 * other and returned as one edit over the span that differs.
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import type { HealthFix } from '../core/health/types';
import type { Json } from '../core/registry';
import { replace, setProperty } from './textEdits';
import type { TextEdit } from './types';

/** The edits that apply `fix` to the spec `text`; none when it is already applied (or the spec cannot be parsed). */
export function healthFixEdits(text: string, fix: HealthFix): TextEdit[] {
  let next = text;
  for (const e of fix.edits) {
    const edit = setAtPath(next, e.path, e.value);
    if (edit) next = next.slice(0, edit.offset) + edit.newText + next.slice(edit.offset + edit.length);
  }
  if (next === text) return [];
  let start = 0;
  while (start < text.length && start < next.length && text[start] === next[start]) start++;
  let end = 0;
  while (end < text.length - start && end < next.length - start && text[text.length - 1 - end] === next[next.length - 1 - end]) end++;
  return [{ offset: start, length: text.length - start - end, newText: next.slice(start, next.length - end) }];
}

/** One edit that sets the value at `path`, or null when no object on the path can take it. */
function setAtPath(text: string, path: (string | number)[], value: Json): TextEdit | null {
  const root = parseTree(text);
  if (!root || path.length === 0) return null;
  const existing = findNodeAtLocation(root, path);
  if (existing) return jsonText(value) === text.slice(existing.offset, existing.offset + existing.length) ? null : replace(existing, jsonText(value));
  for (let i = path.length - 1; i >= 0; i--) {
    const parent: Node | undefined = i === 0 ? root : findNodeAtLocation(root, path.slice(0, i));
    const key = path[i];
    if (parent?.type === 'object' && typeof key === 'string') return setProperty(text, parent, key, jsonText(nest(path.slice(i + 1), value)));
  }
  return null;
}

/** `value` inside objects keyed by `keys` (array indices cannot be created: they become keys). */
function nest(keys: (string | number)[], value: Json): Json {
  return keys.reduceRight<Json>((inner, key) => ({ [String(key)]: inner }), value);
}

/** A value as inline JSON with spaces: `{ "Dense": { "activation": "relu" } }`. */
function jsonText(value: Json): string {
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
}
