/**
 * Text for a terminal: control characters from user strings (a spec or variant name holding
 * ESC or CR) are shown escaped, so they cannot move the cursor, recolour or rewrite lines.
 */

/** C0 controls but tab and newline, DEL, C1 controls, line/paragraph separators and bidi overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\r': '\\r', '\u001b': '\\e', '\u0000': '\\0' };

/**
 * Escapes control characters in `s`. A leading `\r` is kept: the progress bar starts its
 * rewrites with one, and user text never comes first in a write.
 */
export function terminalText(s: string): string {
  const lead = s.startsWith('\r') ? '\r' : '';
  return lead + s.slice(lead.length).replace(CONTROL, (c) => NAMED[c] ?? `\\u{${c.charCodeAt(0).toString(16)}}`);
}
