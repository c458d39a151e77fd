/**
 * Markdown for hovers and tooltips from user strings (layer and variant names, paths, values):
 * whatever a name holds, it stays inside its code span or code block, so a spec cannot inject
 * links, images or HTML into the editor, in untrusted workspaces too.
 */

/** Line breaks and other control characters, which could end a paragraph or a code span. */
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The longest run of backticks in `s`. */
function longestTicks(s: string): number {
  return Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
}

/** `s` as an inline code span: fenced by a backtick run longer than any inside, on one line. */
export function codeSpan(s: string): string {
  const one = s.replace(BREAKS, ' ');
  const fence = '`'.repeat(longestTicks(one) + 1);
  // CommonMark strips one space on each side, so padding keeps leading or trailing backticks inside.
  const pad = one.startsWith('`') || one.endsWith('`') || fence.length > 1 ? ' ' : '';
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** `s` as a fenced code block in `language`: the fence is longer than any backtick run inside. */
export function codeBlock(s: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestTicks(s) + 1));
  return `${fence}${language}\n${s}\n${fence}`;
}

/** Plain text with every Markdown metacharacter escaped, on one line. */
export function escapeMarkdown(s: string): string {
  return s.replace(BREAKS, ' ').replace(/[\\`*_{}[\]()<>#+\-.!|~&$]/g, (c) => `\\${c}`);
}

/** A plain-text title (quick fix, CodeLens) on one line, without control characters. */
export function plainTitle(s: string): string {
  return s.replace(BREAKS, ' ');
}
