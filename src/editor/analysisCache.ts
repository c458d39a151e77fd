/**
 * The last few analyses by text. VS Code asks for diagnostics, inlay hints, code lenses, symbols
 * and hovers of the same text in quick succession; each provider calls `analysisOf` and only the
 * first one pays for `analyze`.
 */
import { analyze, type Analysis } from '../core/analyze';

/** Enough for a couple of open specs edited side by side; each entry is one text and its tree. */
const SIZE = 4;
const recent: Analysis[] = [];

/** The analysis of `text`, computed once per distinct text among the last few. */
export function analysisOf(text: string): Analysis {
  const i = recent.findIndex((a) => a.text === text);
  if (i >= 0) {
    const hit = recent[i];
    if (i > 0) {
      recent.splice(i, 1);
      recent.unshift(hit);
    }
    return hit;
  }
  const a = analyze(text);
  recent.unshift(a);
  if (recent.length > SIZE) recent.pop();
  return a;
}
