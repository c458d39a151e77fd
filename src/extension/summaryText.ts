/** The text of the summary document, free of `vscode` so unit tests can call it. */
import { analyze } from '../core/analyze';
import { resolveSpec, variantNames } from '../core/resolve';
import { summaryText } from '../core/summary';

/** The summary of the spec's text: the base model, then each variant, or why there is none. */
export function summaryOf(text: string, fileName: string): string {
  const analysis = analyze(text);
  const names = variantNames(analysis);
  const parts: string[] = [];
  for (const variant of [undefined, ...names]) {
    const title = variant === undefined ? `${fileName}${names.length ? ' (without variants)' : ''}` : `Variant "${variant}"`;
    const result = resolveSpec(analysis, variant);
    parts.push(`${title}\n\n${result.ok ? summaryText(result.spec) : `${result.message}\nSee the Problems panel.\n`}`);
  }
  return parts.join('\n\n');
}
