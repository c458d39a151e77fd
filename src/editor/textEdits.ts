/**
 * Small, exact text edits on a spec: replace a value, add or remove a property, keeping the
 * user's layout (one-line objects stay on one line; in multi-line ones a property gets its own
 * line). jsonc-parser's `modify` would reformat the whole object.
 */
import type { Node } from 'jsonc-parser';
import { properties } from '../core/jsonTree';
import type { TextEdit } from './types';

/** Replaces a node's text. */
export function replace(node: Pick<Node, 'offset' | 'length'>, newText: string): TextEdit {
  return { offset: node.offset, length: node.length, newText };
}

/** Sets `key` to `valueText` in `obj`: replaces its value, or adds the property. */
export function setProperty(text: string, obj: Node, key: string, valueText: string, after?: string): TextEdit {
  const existing = properties(obj).get(key)?.value;
  return existing ? replace(existing, valueText) : insertProperty(text, obj, key, valueText, after);
}

/** Adds `"key": valueText` to `obj`, after the property `after` if it has one, else at the end. */
export function insertProperty(text: string, obj: Node, key: string, valueText: string, after?: string): TextEdit {
  const member = `${JSON.stringify(key)}: ${valueText}`;
  const props = obj.children ?? [];
  const anchor = (after !== undefined ? properties(obj).get(after)?.prop : undefined) ?? props[props.length - 1];
  if (!anchor) {
    const inside = text.slice(obj.offset + 1, obj.offset + obj.length - 1);
    return inside.trim() === ''
      ? { offset: obj.offset + 1, length: inside.length, newText: ` ${member} ` }
      : { offset: obj.offset + 1, length: 0, newText: ` ${member}` };
  }
  const indent = ownLineIndent(text, anchor.offset, obj.offset);
  return { offset: anchor.offset + anchor.length, length: 0, newText: indent === undefined ? `, ${member}` : `,\n${indent}${member}` };
}

/** Inserts `itemText` as a new item before `item` in its list. */
export function insertItemBefore(text: string, item: Node, itemText: string): TextEdit {
  const indent = ownLineIndent(text, item.offset, item.parent?.offset ?? 0);
  return { offset: item.offset, length: 0, newText: indent === undefined ? `${itemText}, ` : `${itemText},\n${indent}` };
}

/** Removes a property and its comma; a property alone on its lines goes with its lines. */
export function removeProperty(text: string, prop: Node): TextEdit {
  let start = prop.offset;
  let end = prop.offset + prop.length;
  const next = skipSpaces(text, end);
  if (text[next] === ',') {
    end = next + 1;
  } else {
    // The last property: take the comma before it instead.
    let prev = start - 1;
    while (prev >= 0 && /\s/.test(text[prev])) prev--;
    if (text[prev] === ',') start = prev;
  }
  const lineStart = text.lastIndexOf('\n', prop.offset - 1) + 1;
  const afterEnd = skipSpaces(text, end, false);
  if (start === prop.offset && /^[ \t]*$/.test(text.slice(lineStart, start)) && (text[afterEnd] === '\n' || text[afterEnd] === '\r')) {
    start = lineStart;
    end = afterEnd + (text.startsWith('\r\n', afterEnd) ? 2 : 1);
  } else if (start === prop.offset) {
    end = afterEnd;
  }
  return { offset: start, length: end - start, newText: '' };
}

/** The indentation of the line `offset` starts, if nothing but spaces precede it there (and the line is inside the container). */
function ownLineIndent(text: string, offset: number, containerOffset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const indent = text.slice(lineStart, offset);
  return lineStart > containerOffset && /^[ \t]*$/.test(indent) ? indent : undefined;
}

function skipSpaces(text: string, i: number, newlines = true): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || (newlines && (text[i] === '\n' || text[i] === '\r')))) i++;
  return i;
}
