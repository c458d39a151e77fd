/** What must never reach a user: the text of internal errors (issue 14). */
import * as assert from 'assert';

/** Internal error text: JavaScript's own messages, raw errno codes, and stack frames. */
export const INTERNAL_TEXT: readonly RegExp[] = [
  /Cannot read propert/, /is not a function/, /is not iterable/, /undefined is not/, /of undefined/, /of null\b/,
  /\bE(ISDIR|EXIST|NOENT|NOTDIR|ACCES)\b/, /^\s{4}at /m, /\[object Object\]/,
];

/** Fails when `text` holds internal error text. */
export function assertNoInternalText(text: string, what = 'message'): void {
  for (const re of INTERNAL_TEXT) assert.doesNotMatch(text, re, `${what} holds internal text (${re}):\n${text}`);
}
