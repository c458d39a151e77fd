/**
 * A training-health fix (JSON paths and values, core/health/types.ts) as text edits of the
 * spec: values replaced where they are, missing objects created on the way, the user's layout
 * and comments kept. Edits that share a missing object are inserted together.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { properties } from '../core/jsonTree';
import type { HealthFix } from '../core/health/types';
import type { Json } from '../core/registry';
import { insertProperty, replace } from './textEdits';
import type { TextEdit } from './types';

/** The edits of a fix, merged by path: a value to set here, or more to set below. */
interface Trie {
  value?: { v: Json };
  children: Map<string | number, Trie>;
}

function buildTrie(fix: HealthFix): Trie {
  const root: Trie = { children: new Map() };
  for (const e of fix.edits) {
    let t = root;
    for (const seg of e.path) {
      if (!t.children.has(seg)) t.children.set(seg, { children: new Map() });
      t = t.children.get(seg)!;
    }
    // A later edit wins, as if the edits were applied in order.
    t.value = { v: e.value };
    t.children.clear();
  }
  return root;
}

const isPlainObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON a trie sets, as one value (its children merged into its own value when that is an object). */
function trieValue(t: Trie): Json {
  const own = t.value?.v;
  if (!t.children.size) return own ?? {};
  const obj: { [k: string]: Json } = isPlainObject(own) ? { ...own } : {};
  for (const [k, sub] of t.children) obj[String(k)] = trieValue(sub);
  return obj;
}

/** A value on one line, spaced as the examples write them: `{ "type": "SGD", "learning_rate": 0.001 }`. */
export function inlineJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(inlineJson).join(', ')}]`;
  if (isPlainObject(v)) {
    const members = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`);
    return members.length ? `{ ${members.join(', ')} }` : '{}';
  }
  return JSON.stringify(v);
}

/** Adds several properties to an object in one edit (after its last property, or into an empty one). */
function insertProperties(text: string, obj: Node, members: [string, Json][]): TextEdit {
  const [first, ...rest] = members;
  const edit = insertProperty(text, obj, first[0], inlineJson(first[1]));
  if (!rest.length) return edit;
  const props = obj.children ?? [];
  const tail = rest.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`);
  if (!props.length) {
    // An empty object: ` "a": 1 ` becomes ` "a": 1, "b": 2 `.
    const inner = edit.newText.trimEnd();
    return { ...edit, newText: `${inner}, ${tail.join(', ')}${edit.newText.slice(inner.length)}` };
  }
  // After the last property: `,\n  "a": 1` or `, "a": 1`; the others follow with the same separator.
  const sep = edit.newText.slice(0, edit.newText.indexOf('"'));
  return { ...edit, newText: edit.newText + tail.map((m) => sep + m).join('') };
}

function walk(text: string, node: Node, t: Trie, out: TextEdit[]): void {
  if (t.value) {
    out.push(replace(node, inlineJson(trieValue(t))));
    return;
  }
  if (node.type === 'array') {
    // Paths only index existing items (layers, variants); a missing one has nothing to edit.
    for (const [seg, sub] of t.children) {
      const item = typeof seg === 'number' ? node.children?.[seg] : undefined;
      if (item) walk(text, item, sub, out);
    }
    return;
  }
  if (node.type !== 'object') {
    out.push(replace(node, inlineJson(trieValue(t))));
    return;
  }
  const props = properties(node);
  const missing: [string, Json][] = [];
  for (const [seg, sub] of t.children) {
    const value = props.get(String(seg))?.value;
    if (value) walk(text, value, sub, out);
    else missing.push([String(seg), trieValue(sub)]);
  }
  if (missing.length) out.push(insertProperties(text, node, missing));
}

/** The text edits that apply `fix` to the spec `text`, in document order; none when the spec is not an object. */
export function healthFixEdits(text: string, fix: HealthFix): TextEdit[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (root?.type !== 'object') return [];
  const out: TextEdit[] = [];
  walk(text, root, buildTrie(fix), out);
  // A value already as the fix wants it is no edit: applying a fix twice changes nothing.
  return out.filter((e) => text.slice(e.offset, e.offset + e.length) !== e.newText).sort((a, b) => a.offset - b.offset);
}
