/**
 * Benchmark of the core on a large spec and on an example: analyze (validation) + resolveSpec +
 * summaryText per iteration, and the editor's per-change cost (re-analysis after a one-character
 * edit; the core has no incremental mode, so this is a full analyze of the edited text).
 *
 * Prints a table and one JSON line; `run()` returns the same figures.
 *
 *   npx tsc -p . && node out/bench/coreBench.js [--iterations 200] [--layers 200]
 *   npm run bench -- core
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { analyze, type Analysis } from '../src/core/analyze';
import { resolveSpec } from '../src/core/resolve';
import { summaryText } from '../src/core/summary';

export interface CoreBenchOptions {
  /** Timed iterations per measurement (default 200). */
  iterations?: number;
  /** Untimed iterations of every measured operation before timing (default 50). */
  warmup?: number;
  /** Layers in the generated spec (default 200). */
  layers?: number;
  /** Print the table and the JSON line (default true). */
  print?: boolean;
}

/** Milliseconds per call. */
export interface Stats { median: number; p95: number; mean: number; min: number; max: number }

interface SpecFigures {
  spec: string;
  chars: number;
  layers: number;
  variants: number;
  /** Diagnostics of the unedited spec (warnings and hints; it has no errors). */
  diagnostics: number;
  /** analyze(text) alone. */
  analyze: Stats;
  /** resolveSpec(analysis) + summaryText(spec) of the base spec. */
  resolveSummary: Stats;
  /** analyze + resolveSpec + summaryText, timed together. */
  total: Stats;
  /** analyze after a one-character edit that keeps the spec valid (a digit of a number). */
  editValid: Stats;
  /** analyze after typing one stray character (a transient syntax error, as while typing). */
  editSyntaxError: Stats;
}

const ACTIVATIONS = ['relu', 'elu', 'gelu', 'swish'];
const UNITS = [512, 384, 256, 192, 128, 96, 64];

/**
 * A valid spec of `count` layers: Flatten, then Dense / Dropout / BatchNormalization /
 * Activation blocks, then a softmax Dense; layer_defaults, variants and comments like a real file.
 */
export function buildLargeSpec(count = 200): string {
  const hidden = Math.max(0, count - 2);
  const lines: string[] = [
    '// A deep MLP on MNIST, generated for the core benchmark.',
    `// ${count} layers: Flatten, then blocks of Dense -> Dropout -> BatchNormalization -> Activation,`,
    '// then a softmax output. Dense layers are linear; each block applies its activation after',
    '// batch normalization (the "BN before activation" ordering of the original BN paper).',
    '{',
    '  "$schema": "../schemas/model-spec.schema.json",',
    `  "name": "deep-mlp-${count}",`,
    '  "description": "Benchmark spec: many small layers, defaults and variants.",',
    '  "seed": 1234,',
    '  // Hold out the first 5000 training images for validation, as in the notebook.',
    '  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } },',
    '  "layer_defaults": {',
    '    // Linear Dense layers: the Activation layer of each block supplies the non-linearity.',
    '    "Dense": { "activation": "linear", "kernel_initializer": "he_normal", "use_bias": false },',
    '    "Dropout": { "rate": 0.1 },',
    '    "BatchNormalization": { "momentum": 0.99, "epsilon": 0.001 },',
    '    "Activation": { "activation": "relu" }',
    '  },',
    '  "layers": [',
    '    { "type": "Flatten", "input_shape": [28, 28], "name": "flatten" },',
  ];
  const blocks = Math.max(1, Math.ceil(hidden / 4));
  for (let i = 0; i < hidden; i++) {
    const block = Math.floor(i / 4);
    const units = UNITS[Math.floor((block * UNITS.length) / blocks)]; // narrower with depth
    switch (i % 4) {
      case 0:
        lines.push(`    // Block ${block + 1}: ${units} units.`);
        lines.push(`    { "type": "Dense", "units": ${units}, "name": "dense_${block + 1}" },`);
        break;
      case 1:
        lines.push(block % 3 === 0
          ? `    { "type": "Dropout", "rate": 0.2, "name": "dropout_${block + 1}" }, // heavier dropout every third block`
          : `    { "type": "Dropout", "name": "dropout_${block + 1}" },`);
        break;
      case 2:
        lines.push(`    { "type": "BatchNormalization", "name": "bn_${block + 1}" },`);
        break;
      default:
        lines.push(block % 5 === 4
          ? `    { "type": "Activation", "activation": "${ACTIVATIONS[block % ACTIVATIONS.length]}", "name": "act_${block + 1}" },`
          : `    { "type": "Activation", "name": "act_${block + 1}" },`);
    }
  }
  lines.push(
    '    // Output: one probability per digit.',
    '    { "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": "glorot_uniform", "use_bias": true, "name": "output" }',
    '  ],',
    '  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "Adam", "learning_rate": 0.001 }, "metrics": ["accuracy"] },',
    '  "fit": {',
    '    "epochs": 20,',
    '    "batch_size": 64,',
    '    "callbacks": [',
    '      { "type": "EarlyStopping", "monitor": "val_loss", "patience": 3, "restore_best_weights": true },',
    '      { "type": "ModelCheckpoint", "filepath": "checkpoints/best", "save_best_only": true }',
    '    ]',
    '  },',
    '  "variants": [',
    '    { "name": "baseline" },',
    '    // Glorot initialization and ELU in every block.',
    '    { "name": "glorot + elu", "layer_defaults": { "Dense": { "kernel_initializer": "glorot_uniform" }, "Activation": { "activation": "elu" } } },',
    '    // Plain SGD with momentum and more dropout.',
    '    { "name": "sgd", "compile": { "optimizer": { "type": "SGD", "learning_rate": 0.01, "momentum": 0.9 } }, "layer_defaults": { "Dropout": { "rate": 0.3 } } }',
    '  ]',
    '}',
    '',
  );
  return lines.join('\n');
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { median: r(at(0.5)), p95: r(at(0.95)), mean: r(s.reduce((a, b) => a + b, 0) / s.length), min: r(s[0]), max: r(s[s.length - 1]) };
}

let sink = 0;

/** Times `fn(i)` `iterations` times; returns milliseconds per call. */
export function time(iterations: number, fn: (i: number) => unknown): Stats {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    sink += fn(i) ? 1 : 0; // keeps the result observable
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

function resolveAndSummarize(a: Analysis): string {
  const r = resolveSpec(a);
  if (!r.ok) throw new Error(`the benchmark spec does not resolve: ${r.message}`);
  return summaryText(r.spec);
}

/** The offsets of every digit inside a `"units": N` value: edits there keep the spec valid. */
export function digitOffsets(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/"units": (\d+)/g)) {
    const start = (m.index ?? 0) + m[0].length - m[1].length;
    // Not the leading digit, so the number stays >= 1 and keeps its size class.
    for (let i = 1; i < m[1].length; i++) out.push(start + i);
  }
  return out;
}

function measure(name: string, text: string, iterations: number, warmup: number): SpecFigures {
  const a = analyze(text);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${name} has errors: ${errors.map((d) => d.message).join('; ')}`);
  resolveAndSummarize(a);

  // One-character edits at a different place each time, as a user typing in the editor.
  const digits = digitOffsets(text);
  const validEdits = digits.length
    ? digits.map((o) => text.slice(0, o) + String((Number(text[o]) + 1) % 10) + text.slice(o + 1))
    : [text];
  const stray = [...text.matchAll(/"name": "/g)].map((m) => m.index ?? 0);
  const syntaxEdits = stray.map((o) => text.slice(0, o) + 'x' + text.slice(o));
  if (analyze(syntaxEdits[0]).diagnostics.every((d) => d.severity !== 'error')) throw new Error('the syntax-error edit did not make an error');

  const runs: ((i: number) => unknown)[] = [
    () => analyze(text),
    () => resolveAndSummarize(a),
    () => resolveAndSummarize(analyze(text)),
    (i) => analyze(validEdits[i % validEdits.length]),
    (i) => analyze(syntaxEdits[i % syntaxEdits.length]),
  ];
  // Warm every code path up (JIT) before timing any of them.
  for (let i = 0; i < warmup; i++) for (const fn of runs) sink += fn(i) ? 1 : 0;
  const [analyzeStats, resolveStats, totalStats, editValid, editSyntaxError] = runs.map((fn) => time(iterations, fn));

  return {
    spec: name,
    chars: text.length,
    layers: a.model.layers.length,
    variants: a.variants.length,
    diagnostics: a.diagnostics.length,
    analyze: analyzeStats,
    resolveSummary: resolveStats,
    total: totalStats,
    editValid,
    editSyntaxError,
  };
}

function findUp(rel: string): string | undefined {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, rel))) return path.join(dir, rel);
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function table(rows: SpecFigures[]): string {
  const f = (s: Stats): string => `${s.median.toFixed(3)} / ${s.p95.toFixed(3)}`;
  const header = ['spec', 'chars', 'layers', 'analyze', 'resolve+summary', 'total', '1-char edit', 'edit (syntax err)'];
  const body = rows.map((r) => [r.spec, String(r.chars), String(r.layers), f(r.analyze), f(r.resolveSummary), f(r.total), f(r.editValid), f(r.editSyntaxError)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '(milliseconds, median / p95)'].join('\n');
}

/** Runs the benchmark; prints a table and a JSON line unless `print` is false. */
export async function run(options: CoreBenchOptions = {}): Promise<object> {
  const iterations = options.iterations ?? 200;
  const warmup = options.warmup ?? 50;
  const layerCount = options.layers ?? 200;
  const rows: SpecFigures[] = [measure(`generated (${layerCount} layers)`, buildLargeSpec(layerCount), iterations, warmup)];
  const examples = findUp('examples');
  const example = examples && path.join(examples, 'mnist-initializers.model.json');
  if (example && fs.existsSync(example)) rows.push(measure(path.basename(example), fs.readFileSync(example, 'utf8'), iterations, warmup));

  const result = { bench: 'core', node: process.version, iterations, warmup, unit: 'ms', specs: rows };
  if (options.print ?? true) {
    console.log(`core: analyze + resolveSpec + summaryText, ${iterations} iterations after ${warmup} warm-up (node ${process.version})`);
    console.log(table(rows));
    console.log(JSON.stringify(result));
  }
  return result;
}

/** A numeric `--name N` command-line argument, for running a bench file directly. */
export function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  run({ iterations: arg('iterations'), warmup: arg('warmup'), layers: arg('layers') }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
