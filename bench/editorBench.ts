/**
 * Benchmark of the editor features on the 200-layer spec of the core benchmark: completion,
 * hover, inlay hints, code lenses, document symbols and quick fixes, each measured
 * - after an edit (the text is new, so the call includes analyzing it: what the first provider
 *   asked after a keystroke pays), and
 * - on an unchanged text (the analysis is memoized: what the other providers pay).
 * Target (issue #4): completion and hover under 20 ms after an edit.
 *
 *   npx tsc -p . && node out/bench/editorBench.js [--iterations 200] [--layers 200]
 *   npm run bench -- editor
 */
import { completions, hover, inlayHints, codeLenses, documentSymbols, codeActions } from '../src/editor';
import { arg, buildLargeSpec, digitOffsets, time, type Stats } from './coreBench';

export interface EditorBenchOptions {
  iterations?: number;
  warmup?: number;
  layers?: number;
  print?: boolean;
}

interface Row {
  feature: string;
  afterEdit: Stats;
  unchanged: Stats;
}

let sink = 0;

/** Runs the benchmark; prints a table and a JSON line unless `print` is false. */
export async function run(options: EditorBenchOptions = {}): Promise<object> {
  const iterations = options.iterations ?? 200;
  const warmup = options.warmup ?? 50;
  const layers = options.layers ?? 200;
  const text = buildLargeSpec(layers);
  // Distinct edited texts, more than the memo holds, so every "after an edit" call analyzes.
  const edits = digitOffsets(text).slice(0, 64).map((o) => text.slice(0, o) + String((Number(text[o]) + 1) % 10) + text.slice(o + 1));
  if (edits.length < 8) throw new Error('the benchmark spec has too few places to edit');

  // Cursor places a user works at: deep in the layers, in callbacks, on names.
  const last = (needle: string): number => text.lastIndexOf(needle) + needle.length;
  const completionAt = [last('"kernel_initializer": "'), last('"monitor": "'), last('"activation": "'), text.lastIndexOf('    // Output')];
  const hoverAt = [last('{ "type": "Den'), last('"kernel_initializer": "he_n'), text.indexOf('"layers"') + 3, last('"units": 1')];
  const features: [string, (t: string, i: number) => unknown][] = [
    ['completion', (t, i) => completions(t, completionAt[i % completionAt.length])],
    ['hover', (t, i) => hover(t, hoverAt[i % hoverAt.length])],
    ['inlay hints', (t) => inlayHints(t)],
    ['code lenses', (t) => codeLenses(t)],
    ['document symbols', (t) => documentSymbols(t)],
    ['quick fixes', (t, i) => codeActions(t, hoverAt[i % hoverAt.length], 0)],
  ];
  for (let i = 0; i < warmup; i++) for (const [, fn] of features) sink += fn(edits[i % edits.length], i) ? 1 : 0;
  const rows: Row[] = features.map(([feature, fn]) => ({
    feature,
    afterEdit: time(iterations, (i) => fn(edits[i % edits.length], i)),
    unchanged: time(iterations, (i) => fn(text, i)),
  }));

  const result = { bench: 'editor', node: process.version, iterations, warmup, layers, chars: text.length, unit: 'ms', features: rows };
  if (options.print ?? true) {
    const f = (s: Stats): string => `${s.median.toFixed(3)} / ${s.p95.toFixed(3)}`;
    console.log(`editor: ${layers}-layer spec (${text.length} chars), ${iterations} iterations after ${warmup} warm-up (node ${process.version})`);
    const body = rows.map((r) => [r.feature, f(r.afterEdit), f(r.unchanged)]);
    const header = ['feature', 'after an edit', 'unchanged text'];
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    for (const cells of [header, widths.map((w) => '-'.repeat(w)), ...body]) console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    console.log('(milliseconds, median / p95; "after an edit" includes analyzing the new text)');
    console.log(JSON.stringify(result));
  }
  return result;
}

if (require.main === module) {
  run({ iterations: arg('iterations'), warmup: arg('warmup'), layers: arg('layers') }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
