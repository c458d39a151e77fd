/**
 * A training-health fix (JSON-path edits from the trainer's diagnoses) as text edits on the spec:
 * each path is set with jsonc-parser's `modify` (comments kept, missing objects created), and the
 * change is returned as one edit over the span that differs, so applying it leaves the rest of the
 * user's text alone.
 */
import { applyEdits, modify } from 'jsonc-parser';
import type { HealthFix } from '../core/health/types';
import type { TextEdit } from './types';

/** The edits that apply `fix` to the spec `text`; none when it is already applied. */
export function healthFixEdits(text: string, fix: HealthFix): TextEdit[] {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  let next = text;
  for (const e of fix.edits) {
    const edits = modify(next, e.path, e.value, {
      formattingOptions: { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol },
    });
    next = applyEdits(next, edits);
  }
  if (next === text) return [];
  let start = 0;
  while (start < text.length && start < next.length && text[start] === next[start]) start++;
  let end = 0;
  while (end < text.length - start && end < next.length - start && text[text.length - 1 - end] === next[next.length - 1 - end]) end++;
  return [{ offset: start, length: text.length - start - end, newText: next.slice(start, next.length - end) }];
}
