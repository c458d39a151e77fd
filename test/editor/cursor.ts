/** Editor test helpers: a `|` cursor marker in a spec's text, and applying text edits. */
import * as assert from 'assert';
import type { TextEdit } from '../../src/editor';

/** Strips the one `|` from `src` and returns the text and the cursor's offset. */
export function cursor(src: string): { text: string; offset: number } {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0 && src.indexOf('|', offset + 1) < 0, 'test text needs exactly one | cursor');
  return { text: src.slice(0, offset) + src.slice(offset + 1), offset };
}

/** Applies non-overlapping edits to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.offset - a.offset);
  sorted.forEach((e, i) => assert.ok(i === 0 || e.offset + e.length <= sorted[i - 1].offset, 'edits overlap'));
  return sorted.reduce((t, e) => t.slice(0, e.offset) + e.newText + t.slice(e.offset + e.length), text);
}

/** The text a range covers. */
export function slice(text: string, r: { offset: number; length: number }): string {
  return text.slice(r.offset, r.offset + r.length);
}
