/**
 * Property / fuzz test of the core: `analyze` must never throw (nor fall back to its
 * "Internal error" diagnostic) on any text, every diagnostic must be well-formed and lie inside
 * the text, invalid text must give an error, and a spec without errors must resolve and print a
 * summary.
 *
 * Inputs come from a seeded PRNG (mulberry32), so a failure is reproducible:
 *   FUZZ_SEED=<seed> npx mocha out/test/fuzz.test.js
 * FUZZ_SCALE=<factor> multiplies the number of random inputs (default 1, ~5,000 inputs, a few s).
 * On failure the message gives the seed, the input's label and the input; the full failing
 * inputs are also written to <tmpdir>/modelspec-fuzz/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { analyze, type Analysis } from '../src/core/analyze';
import { Code, type Diagnostic } from '../src/core/diagnostics';
import { LAYERS, NAMED, spellings, type Field, type NameKind, type ValueType } from '../src/core/registry';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { SPEC_FIELDS } from '../src/core/specFields';
import { summaryText } from '../src/core/summary';
import { mulberry32, ROOT } from './helpers';

// ---- Seeded randomness ---------------------------------------------------------------------

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed1234;
const SCALE = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1) || 1);
const n = (count: number): number => Math.max(1, Math.round(count * SCALE));


class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  float(): number { return this.next(); }
  /** An integer in [0, max). */
  int(max: number): number { return Math.floor(this.next() * max); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
}

/** One PRNG stream per block, so each block reproduces on its own. */
function blockRng(block: string): Rng {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < block.length; i++) h = Math.imul(h ^ block.charCodeAt(i), 16777619);
  return new Rng(h >>> 0);
}

// ---- The properties ------------------------------------------------------------------------

const CODES = new Set<string>(Object.values(Code));
const SEVERITIES = new Set(['error', 'warning', 'info', 'hint']);
const INTERNAL = /Internal error/i;

type Expectation = (a: Analysis, text: string) => string | undefined;

/** Everything wrong with `analyze(text)` (and resolve/summary of it); empty when all holds. */
function problems(text: string, expect?: Expectation, checkDeterminism = false): string[] {
  const out: string[] = [];
  let a: Analysis;
  try {
    a = analyze(text);
  } catch (e) {
    return [`analyze threw: ${(e as Error)?.stack ?? String(e)}`];
  }
  if (!a || !Array.isArray(a.diagnostics) || !Array.isArray(a.variants) || !a.model) return ['analyze returned a malformed Analysis'];
  const variantNames = new Set(a.variants.map((v) => v.name));
  for (const d of a.diagnostics) {
    const bad = diagnosticProblem(d, text, variantNames);
    if (bad) out.push(`${bad}: ${JSON.stringify(d)}`);
  }
  const errors = a.diagnostics.filter((d) => d.severity === 'error');

  // Invalid JSONC (or a root that is not an object) must give at least one error.
  const parseErrors: ParseError[] = [];
  let root: Node | undefined;
  let parserThrew = false;
  try {
    // A leading UTF-8 BOM is accepted, as VS Code does (a space keeps the offsets).
    root = parseTree(text.replace(/^\ufeff/, ' '), parseErrors, { allowTrailingComma: true, disallowComments: false });
  } catch {
    parserThrew = true; // the parser itself overflowed: certainly not a valid spec
  }
  if (parseErrors.length && !errors.some((d) => d.code === Code.SyntaxError)) out.push('invalid JSONC but no syntax-error diagnostic');
  if ((parserThrew || parseErrors.length || root?.type !== 'object') && !errors.length) out.push('invalid spec (syntax or root) but no error diagnostic');

  if (expect) {
    try {
      const bad = expect(a, text);
      if (bad) out.push(bad);
    } catch (e) {
      out.push(`checking the expected diagnostics threw: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  // resolveSpec must not throw; without errors it must succeed and the summary must print.
  const targets: (string | undefined)[] = [undefined, ...new Set(a.variants.map((v) => v.name))];
  for (const variant of targets) {
    const label = variant === undefined ? 'the base spec' : `variant ${JSON.stringify(variant)}`;
    const relevantErrors = errors.filter((d) => d.variant === undefined || d.variant === variant);
    let r: ReturnType<typeof resolveSpec>;
    try {
      r = resolveSpec(a, variant);
    } catch (e) {
      out.push(`resolveSpec(${label}) threw (analysis had ${relevantErrors.length} errors): ${(e as Error)?.stack ?? String(e)}`);
      continue;
    }
    if (relevantErrors.length) {
      if (r.ok) out.push(`resolveSpec(${label}) succeeded although the analysis has errors`);
      continue;
    }
    if (!r.ok) {
      out.push(`resolveSpec(${label}) failed without errors in the analysis: ${r.message}`);
      continue;
    }
    const bad = resolvedProblem(r.spec);
    if (bad) out.push(`resolveSpec(${label}) without errors gave an inconsistent spec: ${bad}`);
    try {
      const s = summaryText(r.spec);
      if (typeof s !== 'string' || !s.includes('Total params:')) out.push(`summaryText(${label}) returned no summary`);
      JSON.stringify(r.spec);
    } catch (e) {
      out.push(`summaryText/JSON of ${label} threw: ${(e as Error)?.stack ?? String(e)}`);
    }
  }
  // Unknown variants fail cleanly.
  try {
    const r = resolveSpec(a, '\u0000no such variant');
    if (r.ok) out.push('resolveSpec of a missing variant succeeded');
  } catch (e) {
    out.push(`resolveSpec(missing variant) threw: ${(e as Error)?.stack ?? String(e)}`);
  }

  if (checkDeterminism) {
    const again = analyze(text).diagnostics;
    if (JSON.stringify(again) !== JSON.stringify(a.diagnostics)) out.push('analyze is not deterministic: a second run gave other diagnostics');
  }
  return out;
}

/** A resolved spec is fully defaulted: required layer arguments are set, shapes are positive integers. */
function resolvedProblem(spec: ResolvedSpec): string | undefined {
  for (const l of spec.layers) {
    const entry = LAYERS.find((e) => e.name === l.type);
    if (!entry) return `layer "${l.name}" has unknown type ${JSON.stringify(l.type)}`;
    for (const f of entry.args) {
      if (f.required && (l.args[f.name] === undefined || l.args[f.name] === null)) return `layer "${l.name}" (${l.type}) has no value for its required "${f.name}": ${JSON.stringify(l.args)}`;
    }
    if (!l.outputShape.slice(1).every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) return `layer "${l.name}" has output shape ${JSON.stringify(l.outputShape)}`;
  }
  return undefined;
}

function diagnosticProblem(d: Diagnostic, text: string, variantNames: ReadonlySet<string>): string | undefined {
  if (typeof d.message !== 'string' || !d.message.trim()) return 'empty message';
  if (INTERNAL.test(d.message)) return 'analyze fell back to its internal-error diagnostic (it caught an exception)';
  if (!CODES.has(d.code)) return `unknown code ${JSON.stringify(d.code)}`;
  if (!SEVERITIES.has(d.severity)) return `bad severity ${JSON.stringify(d.severity)}`;
  if (!Number.isInteger(d.offset) || !Number.isInteger(d.length)) return 'offset/length not integers';
  if (d.offset < 0 || d.length < 0) return 'negative offset/length';
  const end = d.offset + d.length;
  // A syntax error at the end of the text may cover the (missing) next character: at the end
  // of the text (`{`), or over an unterminated block comment (jsonc-parser gives "/*" length 3).
  const eofSyntax = d.code === Code.SyntaxError && end === text.length + 1;
  if (end > text.length && !eofSyntax) return `range [${d.offset}, ${end}) outside the text (length ${text.length})`;
  if (!Array.isArray(d.path) || !d.path.every((p) => typeof p === 'string' || (typeof p === 'number' && Number.isInteger(p) && p >= 0))) return 'malformed path';
  if (d.suggestion !== undefined && typeof d.suggestion !== 'string') return 'non-string suggestion';
  if (d.variant !== undefined && !variantNames.has(d.variant)) return `variant ${JSON.stringify(d.variant)} is not one of the analysis's variants`;
  return undefined;
}

// ---- Failure collection --------------------------------------------------------------------

interface Failure { label: string; problems: string[]; input: string }

class Block {
  readonly failures: Failure[] = [];
  count = 0;
  readonly started = Date.now();
  constructor(readonly name: string) {}

  check(label: string, text: string, expect?: Expectation): void {
    const found = problems(text, expect, this.count % 7 === 0);
    this.count++;
    if (found.length) this.failures.push({ label, problems: found, input: text });
  }

  /** Fails the test with the seed and the first failing inputs (all are written to tmp). */
  finish(): void {
    const ms = Date.now() - this.started;
    timings.push(`${this.name}: ${this.count} inputs, ${ms} ms`);
    if (!this.failures.length) return;
    const dir = path.join(os.tmpdir(), 'modelspec-fuzz');
    fs.mkdirSync(dir, { recursive: true });
    const slug = this.name.replace(/[^a-z0-9]+/gi, '-');
    for (const f of fs.readdirSync(dir)) if (f.startsWith(`${slug}-${SEED}-`)) fs.rmSync(path.join(dir, f), { force: true });
    this.failures.forEach((f, i) => fs.writeFileSync(path.join(dir, `${slug}-${SEED}-${i}.model.json`), f.input));
    const shown = this.failures.slice(0, 5).map((f, i) => {
      const input = f.input.length > 1500 ? `${JSON.stringify(f.input.slice(0, 1500))} ... (${f.input.length} chars)` : JSON.stringify(f.input);
      return `#${i} ${f.label}\n  ${f.problems.map((p) => p.split('\n').slice(0, 4).join('\n    ')).join('\n  ')}\n  input: ${input}`;
    });
    assert.fail(
      `${this.failures.length} of ${this.count} inputs failed in "${this.name}" (FUZZ_SEED=${SEED}; all failing inputs in ${dir}/${slug}-${SEED}-*.model.json):\n` +
      shown.join('\n'),
    );
  }
}
const timings: string[] = [];

// ---- Corpus --------------------------------------------------------------------------------

/** `rel` in the nearest folder above this file (out/test/ or test/), else above the working directory. */
function findUp(rel: string): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, rel))) return path.join(dir, rel);
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`${rel} not found above ${__dirname} or ${process.cwd()}`);
}

const EXAMPLES_DIR = findUp('examples');
const EXAMPLES: { name: string; text: string }[] = fs.readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.model.json'))
  .sort()
  .map((f) => ({ name: f, text: fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8') }));

/** A convolutional spec, so the image layers, regularizers and other callbacks get mutated too. */
const CNN_SPEC = `// A small CNN on Fashion-MNIST.
{
  "name": "cnn",
  "seed": 7,
  "data": { "dataset": "fashion_mnist", "scale": 255, "validation": { "split": 0.1 } },
  "layer_defaults": { "Conv2D": { "padding": "same", "kernel_initializer": "he_normal" } },
  "layers": [
    { "type": "Input", "shape": [28, 28] },
    { "type": "Reshape", "target_shape": [28, 28, -1] },
    { "type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu" },
    { "type": "MaxPooling2D", "pool_size": [2, 2] },
    { "type": "BatchNormalization" },
    { "type": "Conv2D", "filters": 16, "kernel_size": [3, 3], "strides": 2, "padding": "valid" },
    { "type": "LeakyReLU", "negative_slope": 0.1 },
    { "type": "AveragePooling2D" },
    { "type": "GlobalAveragePooling2D" },
    { "type": "AlphaDropout", "rate": 0.1, "seed": 1 },
    { "type": "Dense", "units": 10, "activation": "softmax", "kernel_regularizer": { "type": "l2", "l2": 0.001 } }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "Adam", "learning_rate": 0.001 }, "metrics": ["accuracy"] },
  "fit": {
    "epochs": 3, "batch_size": 64,
    "callbacks": [
      { "type": "ReduceLROnPlateau", "monitor": "val_loss", "factor": 0.5 },
      { "type": "CSVLogger", "filename": "log.csv" },
      { "type": "TerminateOnNaN" }
    ]
  },
  "variants": [{ "name": "wide", "layer_defaults": { "Conv2D": { "kernel_size": 5 } } }]
}
`;

const BASES: { name: string; text: string }[] = [...EXAMPLES, { name: 'cnn (test)', text: CNN_SPEC }];
const BASE_VALUES = BASES.map((b) => ({ name: b.name, value: parseJsonc(b.text) }));
/** The notebook's MLP with callbacks (layers[1] is a Dense layer), for the targeted checks. */
const MLP_BASE = BASE_VALUES.find((b) => b.name === 'mnist-early-stopping.model.json') ?? BASE_VALUES[0];

function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  const root = parseTree(text.replace(/^\ufeff/, ' '), errors, { allowTrailingComma: true });
  if (errors.length || !root) throw new Error('base spec does not parse');
  return nodeValue(root);
}

/** Like jsonc's getNodeValue, but keys go through setKey (a "__proto__" key stays a key). */
function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const o: Obj = {};
      for (const p of node.children ?? []) if (p.children?.[1]) setKey(o, String(p.children[0].value), nodeValue(p.children[1]));
      return o;
    }
    case 'array': return (node.children ?? []).map(nodeValue);
    default: return node.value;
  }
}

// ---- Values and mutations ------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own, enumerable key, even "__proto__" (plain assignment would change the prototype). */
function setKey(o: Obj, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
function obj(entries: [string, unknown][]): Obj {
  const o: Obj = {};
  for (const [k, v] of entries) setKey(o, k, v);
  return o;
}

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__', 'then', 'length'];
const LAYER_NAMES = LAYERS.map((l) => l.name);
const SPEC_KEYS = SPEC_FIELDS.map((f) => f.name);
const ALL_ARG_NAMES = [...new Set(LAYERS.flatMap((l) => l.args.map((a) => a.name)))];
/** Text spliced in raw after JSON.stringify: things JSON.stringify cannot write. */
const RAW = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e-400', '0x1F', '.5', '01', '+1', '-0', '1.', '-', 'undefined',
  'True', "'single'", '123456789012345678901234567890', '9007199254740993', '1E9', '"unterminated', '"\\x41"', '"\\ud800"', '"\\u00"'];
const raw = (token: string): string => `@@RAW@@${token}@@`;
const HUGE = [1e9, 1e15, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 5e-324, -1, 0, -0.5, 1.5, 0.1];
const SHAPES: unknown[] = [[], [0], [0, 28], [28, 0], [-1], [28, 28], [784], [28, 28, 1], [4, 4, 3], [1e9, 1e9], [1e15], [1e308, 1e308],
  [1.5], ['28'], [null], [[28]], [28, -1], [-1, -1], new Array(40).fill(2), [1], [1, 1, 1]];
const PATHS = ['checkpoints/best', 'log.csv', '', '../escape', '/abs/path', 'C:\\win', 'a/../../b', 'model.h5', 'x.keras', '{epoch}.hdf5', '\u0000', '__proto__'];

function typo(rng: Rng, s: string): string {
  if (!s) return 'x';
  const i = rng.int(s.length);
  switch (rng.int(5)) {
    case 0: return s.slice(0, i) + s.slice(i + 1);
    case 1: return s.slice(0, i) + s[i] + s.slice(i);
    case 2: return s.toLowerCase();
    case 3: return s.toUpperCase();
    default: return s.slice(0, i) + String.fromCharCode(97 + rng.int(26)) + s.slice(i + 1);
  }
}

function deep(rng: Rng, depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  const arrays = rng.chance(0.5);
  for (let i = 0; i < depth; i++) v = arrays ? [v] : obj([[rng.pick(['a', 'type', 'layers', '__proto__']), v]]);
  return v;
}

/** A value of any shape, mostly wrong for wherever it lands. */
function wild(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 12 : 20)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: case 3: return rng.pick(HUGE);
    case 4: return rng.pick(['', 'x', 'relu', 'Dense', ' ', '\u0000', '\ud800', '\u2028', 'é', '𝔘']);
    case 5: return rng.pick(HOSTILE);
    case 6: return raw(rng.pick(RAW));
    case 7: return 'a'.repeat(1 + rng.int(5000));
    case 8: return [];
    case 9: return {};
    case 10: return rng.int(1000) - 500;
    case 11: return rng.pick(SHAPES);
    case 12: return Array.from({ length: 1 + rng.int(4) }, () => wild(rng, depth + 1));
    case 13: return obj(Array.from({ length: 1 + rng.int(3) }, () => [rng.pick([...HOSTILE, ...SPEC_KEYS, ...ALL_ARG_NAMES, 'x']), wild(rng, depth + 1)] as [string, unknown]));
    case 14: return deep(rng, 1 + rng.int(300), wild(rng, 3));
    case 15: return new Array(500 + rng.int(2000)).fill(0);
    case 16: return obj([['__proto__', obj([['polluted', 'yes']])]]);
    case 17: return obj([['constructor', obj([['prototype', obj([['polluted', 'yes']])]])]]);
    case 18: return randomLayer(rng, false);
    default: return rng.float() * 1e6 - 5e5;
  }
}

function randomName(rng: Rng, kind: Exclude<NameKind, 'layer'>): unknown {
  const r = rng.float();
  if (r < 0.7) return rng.pick(spellings(kind));
  if (r < 0.8) return typo(rng, rng.pick(spellings(kind)));
  if (r < 0.9) return rng.pick(HOSTILE);
  const entry = rng.pick(NAMED[kind]);
  return obj([['type', entry.name], ...entry.args.filter(() => rng.chance(0.5)).map((f) => [f.name, sample(rng, f.type, 3)] as [string, unknown])]);
}

/** A value for a field type: usually valid, sometimes not. */
function sample(rng: Rng, t: ValueType, depth = 0): unknown {
  if (rng.chance(0.12)) return wild(rng, depth + 1);
  switch (t.kind) {
    case 'int': {
      const lo = t.min ?? -5;
      return rng.pick([lo, lo + 1, lo + rng.int(100), t.max ?? lo + 1000, lo + 1]);
    }
    case 'number': {
      const lo = t.min ?? -1;
      const hi = t.max ?? lo + 10;
      return rng.pick([lo + (hi - lo) / 2, lo + (hi - lo) * rng.float(), hi, lo, 0.5]);
    }
    case 'bool': return rng.chance(0.5);
    case 'string': return rng.pick(['x', 'model', 'val_loss', 'loss', 'accuracy', 'val_accuracy', '', ...HOSTILE]);
    case 'path': return rng.pick(PATHS);
    case 'enum': return rng.chance(0.85) ? rng.pick(t.values) : typo(rng, rng.pick(t.values));
    case 'shape': return rng.chance(0.7) ? rng.pick([[28, 28], [784], [28, 28, 1], [8, 8, 3], [16], ...(t.inferOne ? [[-1], [28, 28, -1], [-1, 7]] : [])]) : rng.pick(SHAPES);
    case 'intOrTuple': return rng.pick([1, 2, 3, [2, 2], [3, 1], [1, 2, 3], 0, 100]);
    case 'ref': return randomName(rng, t.ref);
    case 'object': return obj(t.fields.filter((f) => (f.required ? rng.chance(0.9) : rng.chance(0.4))).map((f) => [f.name, sample(rng, f.type, depth + 1)]));
    case 'array': return Array.from({ length: rng.int(4) }, () => sample(rng, t.items, depth + 1));
    case 'oneOf': return sample(rng, rng.pick(t.options), depth);
    case 'layers': return Array.from({ length: 1 + rng.int(6) }, (_, i) => randomLayer(rng, i === 0));
    case 'callbacks': return Array.from({ length: rng.int(3) }, () => randomTyped(rng, 'callback'));
    case 'layerDefaults': return obj(Array.from({ length: 1 + rng.int(2) }, () => [rng.chance(0.85) ? rng.pick(LAYER_NAMES) : rng.pick(HOSTILE), layerArgs(rng)] as [string, unknown]));
    case 'variants': return Array.from({ length: 1 + rng.int(3) }, (_, i) => weirdVariant(rng, i));
  }
}

function randomTyped(rng: Rng, kind: Exclude<NameKind, 'layer'>): unknown {
  const entry = rng.pick(NAMED[kind]);
  return obj([['type', rng.chance(0.9) ? entry.name : rng.pick(HOSTILE)],
    ...entry.args.filter((f) => f.required || rng.chance(0.4)).map((f) => [f.name, sample(rng, f.type, 2)] as [string, unknown])]);
}

function layerArgs(rng: Rng, entry = rng.pick(LAYERS)): Obj {
  return obj(entry.args.filter(() => rng.chance(0.4)).map((f) => [f.name, rng.chance(0.15) ? null : sample(rng, f.type, 2)]));
}

function randomLayer(rng: Rng, first: boolean): Obj {
  const entry = rng.pick(LAYERS);
  const o = obj([['type', entry.name]]);
  for (const f of entry.args) if (f.required ? rng.chance(0.95) : rng.chance(0.25)) setKey(o, f.name, sample(rng, f.type, 2));
  if (first && !entry.shapeArg && rng.chance(0.8)) setKey(o, 'input_shape', sample(rng, { kind: 'shape' }, 2));
  if (rng.chance(0.2)) setKey(o, 'name', rng.chance(0.7) ? `layer_${rng.int(5)}` : rng.pick(HOSTILE));
  return o;
}

function weirdVariant(rng: Rng, i: number): unknown {
  if (rng.chance(0.1)) return rng.pick<unknown>([null, [], [obj([['name', 'x']])], 1, 'variant', true]);
  const v: Obj = {};
  const r = rng.float();
  if (r < 0.7) setKey(v, 'name', `v${i}_${rng.int(3)}`);
  else if (r < 0.85) setKey(v, 'name', rng.pick(HOSTILE));
  else if (r < 0.95) setKey(v, 'name', rng.pick<unknown>(['', null, 1, [], {}, ' ']));
  for (let k = rng.int(4); k > 0; k--) {
    switch (rng.int(9)) {
      case 0: setKey(v, 'layers', rng.pick<unknown>([null, [], {}, [null], sample(rng, { kind: 'layers' }, 2)])); break;
      case 1: setKey(v, 'compile', rng.pick<unknown>([null, {}, obj([['loss', null]]), obj([['optimizer', randomName(rng, 'optimizer')]]), obj([['metrics', null]]), obj([['loss', randomName(rng, 'loss')]])])); break;
      case 2: setKey(v, 'fit', rng.pick<unknown>([null, {}, obj([['epochs', rng.pick(HUGE)]]), obj([['callbacks', null]]), sample(rng, SPEC_FIELDS.find((f) => f.name === 'fit')!.type, 2)])); break;
      case 3: setKey(v, 'layer_defaults', rng.pick<unknown>([null, {}, obj([['Dense', null]]), sample(rng, { kind: 'layerDefaults' }, 2), obj([['__proto__', obj([['activation', 'relu']])]])])); break;
      case 4: setKey(v, 'data', rng.pick<unknown>([null, {}, obj([['dataset', rng.pick(['mnist', 'fashion_mnist', '__proto__'])]]), obj([['validation', null]]), obj([['npz', 'x.npz']])])); break;
      case 5: setKey(v, 'variants', [weirdVariant(rng, i + 1)]); break;
      case 6: setKey(v, rng.pick([...HOSTILE, '$schema', 'seed', 'description', 'x']), wild(rng, 2)); break;
      case 7: setKey(v, 'seed', rng.pick<unknown>([null, 1, -1, 1e308])); break;
      default: setKey(v, 'name', rng.pick<unknown>([null, `v${i}`])); break;
    }
  }
  return v;
}

/** Every (container, key) in a value, for picking a random place to mutate. */
function places(v: unknown, out: { parent: Obj | unknown[]; key: string | number }[] = [], depth = 0): typeof out {
  if (depth > 50) return out;
  if (Array.isArray(v)) v.forEach((item, i) => { out.push({ parent: v, key: i }); places(item, out, depth + 1); });
  else if (isObj(v)) for (const k of Object.keys(v)) { out.push({ parent: v, key: k }); places(v[k], out, depth + 1); }
  return out;
}
function containers(v: unknown): (Obj | unknown[])[] {
  const out: (Obj | unknown[])[] = [v as Obj];
  for (const p of places(v)) {
    const c = (p.parent as Record<string | number, unknown>)[p.key];
    if (Array.isArray(c) || isObj(c)) out.push(c as Obj | unknown[]);
  }
  return out;
}

/** Rebuilds an object in the same key order, renaming or dropping one key. */
function rekey(o: Obj, from: string, to: string | undefined): void {
  const entries = Object.keys(o).map((k) => [k, o[k]] as [string, unknown]);
  for (const k of Object.keys(o)) delete o[k];
  for (const [k, v] of entries) if (k !== from || to !== undefined) setKey(o, k === from ? (to as string) : k, v);
}

const layersOf = (spec: Obj): Obj[] => (Array.isArray(spec.layers) ? spec.layers.filter(isObj) : []);

/** Applies one random mutation to a spec value in place; returns what it did. */
function mutate(rng: Rng, spec: Obj): string {
  const layers = layersOf(spec);
  switch (rng.int(17)) {
    case 0: case 1: { // replace any value
      const ps = places(spec);
      const p = rng.pick(ps);
      const v = wild(rng);
      if (Array.isArray(p.parent)) p.parent[p.key as number] = v;
      else setKey(p.parent, p.key as string, v);
      return `replace ${String(p.key)}`;
    }
    case 2: { // drop a key
      const objs = containers(spec).filter((c): c is Obj => isObj(c) && Object.keys(c).length > 0);
      const o = rng.pick(objs);
      const k = rng.pick(Object.keys(o));
      rekey(o, k, undefined);
      return `drop ${k}`;
    }
    case 3: { // rename a key
      const objs = containers(spec).filter((c): c is Obj => isObj(c) && Object.keys(c).length > 0);
      const o = rng.pick(objs);
      const k = rng.pick(Object.keys(o));
      const to = rng.pick([typo(rng, k), rng.pick(HOSTILE), rng.pick(SPEC_KEYS), rng.pick(ALL_ARG_NAMES), '', k + ' ', k.toUpperCase()]);
      if (!Object.prototype.hasOwnProperty.call(o, to)) rekey(o, k, to);
      return `rename ${k} -> ${to}`;
    }
    case 4: { // insert an unknown (or known) key
      const objs = containers(spec).filter(isObj);
      const o = rng.pick(objs);
      const k = rng.pick([...HOSTILE, ...SPEC_KEYS, ...ALL_ARG_NAMES, 'unknown_key', '']);
      setKey(o, k, rng.chance(0.5) ? wild(rng) : sample(rng, { kind: 'string' }));
      return `insert ${k}`;
    }
    case 5: { // array surgery
      const arrays = containers(spec).filter(Array.isArray) as unknown[][];
      if (!arrays.length) return 'no array';
      const a = rng.pick(arrays);
      const i = rng.int(a.length + 1);
      switch (rng.int(5)) {
        case 0: a.splice(i, 1); return 'array remove';
        case 1: if (a.length) a.splice(i, 0, a[Math.min(i, a.length - 1)]); return 'array duplicate';
        case 2: a.splice(i, 0, wild(rng)); return 'array insert';
        case 3: a.length = 0; return 'array empty';
        default: a.reverse(); return 'array reverse';
      }
    }
    case 6: { // layer type
      if (!layers.length) return 'no layers';
      const l = rng.pick(layers);
      const t = rng.float() < 0.6 ? rng.pick(LAYER_NAMES) : rng.chance(0.5) ? rng.pick(HOSTILE) : rng.chance(0.5) ? typo(rng, String(l.type)) : wild(rng);
      setKey(l, 'type', t);
      return `layer type ${JSON.stringify(t)}`;
    }
    case 7: { // activation, in a layer or in layer_defaults
      const targets: Obj[] = [...layers];
      if (isObj(spec.layer_defaults)) for (const v of Object.values(spec.layer_defaults)) if (isObj(v)) targets.push(v);
      if (!targets.length) return 'no layers';
      const a = rng.chance(0.7) ? randomName(rng, 'activation') : wild(rng);
      setKey(rng.pick(targets), 'activation', a);
      return 'activation';
    }
    case 8: { // units
      const dense = layers.filter((l) => l.type === 'Dense' || l.type === 'Conv2D');
      if (!dense.length) return 'no dense';
      const v = rng.chance(0.8) ? rng.pick(HUGE) : rng.pick<unknown>(['300', null, raw('1e400'), raw('NaN'), [300]]);
      setKey(rng.pick(dense), rng.pick(['units', 'filters']), v);
      return `units ${JSON.stringify(v)}`;
    }
    case 9: { // input shape
      if (!layers.length) return 'no layers';
      setKey(layers[0], layers[0].type === 'Input' ? 'shape' : 'input_shape', rng.pick(SHAPES));
      return 'input shape';
    }
    case 10: case 11: { // a registry argument of a layer
      if (!layers.length) return 'no layers';
      const l = rng.pick(layers);
      const entry = LAYERS.find((e) => e.name === l.type) ?? rng.pick(LAYERS);
      const fields: readonly Field[] = entry.args.length ? entry.args : [{ name: 'trainable', type: { kind: 'bool' }, doc: '' }];
      const f = rng.pick(fields);
      setKey(l, f.name, sample(rng, f.type));
      return `arg ${f.name}`;
    }
    case 12: { // add a layer
      if (!Array.isArray(spec.layers)) spec.layers = [];
      const arr = spec.layers as unknown[];
      arr.splice(rng.int(arr.length + 1), 0, randomLayer(rng, arr.length === 0));
      return 'add layer';
    }
    case 13: { // compile / fit / data / top-level field
      const f = rng.pick(SPEC_FIELDS);
      setKey(spec, f.name, sample(rng, f.type));
      return `field ${f.name}`;
    }
    case 14: case 15: { // weird variants
      const vs = Array.isArray(spec.variants) ? (spec.variants as unknown[]) : [];
      for (let k = 1 + rng.int(3); k > 0; k--) vs.push(weirdVariant(rng, vs.length));
      setKey(spec, 'variants', rng.chance(0.05) ? obj([['0', vs[0]]]) : vs);
      return 'variants';
    }
    default: { // layer_defaults
      const ld = isObj(spec.layer_defaults) ? spec.layer_defaults : {};
      const type = rng.chance(0.5) && layers.length ? String(rng.pick(layers).type) : rng.chance(0.8) ? rng.pick(LAYER_NAMES) : rng.pick(HOSTILE);
      setKey(ld, type, rng.chance(0.8) ? layerArgs(rng, LAYERS.find((e) => e.name === type)) : wild(rng));
      setKey(spec, 'layer_defaults', ld);
      return 'layer_defaults';
    }
  }
}

let structured: { label: string; text: string }[] | undefined;

/**
 * The structured-mutation corpus: mutated base specs, then specs made from the field
 * descriptions alone. Made once, before later blocks get to edit the base values.
 */
function structuredCorpus(): { label: string; text: string }[] {
  structured ??= makeStructuredCorpus();
  return structured;
}

function makeStructuredCorpus(): { label: string; text: string }[] {
  const rng = blockRng('structured');
  const out: { label: string; text: string }[] = [];
  for (let i = 0; i < n(1400); i++) {
    const base = rng.pick(BASE_VALUES);
    const spec = clone(base.value) as Obj;
    const ops: string[] = [];
    for (let k = 1 + rng.int(3); k > 0; k--) ops.push(mutate(rng, spec));
    out.push({ label: `${base.name}: ${ops.join(', ')}`, text: serialize(rng, spec) });
  }
  // Mostly valid, so resolve and summary run.
  for (let i = 0; i < n(400); i++) {
    const spec = obj(SPEC_FIELDS.filter((f) => (f.required ? rng.chance(0.95) : rng.chance(0.4))).map((f) => [f.name, sample(rng, f.type)]));
    out.push({ label: `generated spec #${i}`, text: serialize(rng, spec) });
  }
  return out;
}

const clone = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(clone) : isObj(v) ? obj(Object.keys(v).map((k) => [k, clone(v[k])])) : v;

/** JSON text of a value, with raw tokens spliced in and line-level damage/comments. */
function serialize(rng: Rng, v: unknown): string {
  let text = JSON.stringify(v, null, rng.pick<string | number>([0, 2, 2, '\t', 4]));
  text = text.replace(/"@@RAW@@(.*?)@@"/g, (_, t: string) => JSON.parse(`"${t}"`) as string);
  if (text.includes('\n')) {
    const lines = text.split('\n');
    for (let k = rng.int(3); k > 0; k--) {
      const i = rng.int(lines.length);
      switch (rng.int(7)) {
        case 0: lines.splice(i, 0, lines[i]); break; // duplicate line: duplicate keys
        case 1: lines.splice(i, 1); break;
        case 2: { const j = rng.int(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; }
        case 3: lines.splice(i, 0, '  // a comment with "quotes", { braces } and [brackets]'); break;
        case 4: lines[i] += ' /* block */'; break;
        case 5: lines[i] += ','; break;
        default: lines.splice(i, 0, '/* unterminated'); break;
      }
    }
    text = lines.join(rng.chance(0.15) ? '\r\n' : '\n');
  }
  if (rng.chance(0.05)) text = '\ufeff' + text;
  if (rng.chance(0.1)) text = '// leading comment\n' + text + '\n// trailing comment';
  return text;
}

// ---- Random text ---------------------------------------------------------------------------

const JSON_CHARS = '{}[]:,"\\/*\n\r\t 0123456789-+.eE';
const ODD = ['\u00a0', '\ufeff', '\u2028', '\u2029', '\u200b', '\u0085', '\uffff', '\ufffe', '\u0000'];

function randomUnicode(rng: Rng, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = rng.float();
    if (r < 0.3) s += JSON_CHARS[rng.int(JSON_CHARS.length)];
    else if (r < 0.5) s += String.fromCharCode(0x20 + rng.int(95));
    else if (r < 0.6) s += String.fromCharCode(rng.int(0x20));
    else if (r < 0.7) s += rng.pick(ODD);
    else if (r < 0.8) s += String.fromCharCode(0xd800 + rng.int(0x800)); // lone surrogates
    else if (r < 0.9) s += String.fromCodePoint(0x10000 + rng.int(0x100000));
    else s += String.fromCharCode(rng.int(0x10000));
  }
  return s;
}

const TOKENS = ['{', '}', '[', ']', ':', ',', ' ', '\n', '"layers"', '"type"', '"Dense"', '"units"', '"compile"', '"loss"', '"variants"',
  '"name"', '"layer_defaults"', '"activation"', '"input_shape"', '"__proto__"', '"constructor"', '"toString"', '10', '-1', '1e308', '0',
  'null', 'true', 'false', '"', '//', '/*', '*/', '"relu"', '"sparse_categorical_crossentropy"', '"Flatten"', '[28, 28]', 'NaN',
  '"\\u0000"', '"\\ud800"', '"\\', '"fit"', '"callbacks"', '"EarlyStopping"', '"monitor"', '"data"', '"dataset"', '"mnist"'];

// ---- The tests -----------------------------------------------------------------------------

describe('fuzz: analyze / resolveSpec / summaryText never crash and report in range', function () {
  this.timeout(120000);
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
  const arrayProtoBefore = Object.getOwnPropertyNames(Array.prototype).sort().join();

  after(() => {
    console.log(`      fuzz seed ${SEED}: ${timings.join('; ')}`);
  });

  it('the base specs are valid (the mutations start from valid specs)', () => {
    for (const b of BASES) {
      const a = analyze(b.text);
      assert.deepStrictEqual(a.diagnostics.filter((d) => d.severity === 'error'), [], b.name);
      assert.ok(resolveSpec(a).ok, b.name);
    }
  });

  it('random bytes, random unicode and token soup', () => {
    const rng = blockRng('random');
    const b = new Block('random text');
    for (let i = 0; i < n(500); i++) {
      const bytes = Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256)));
      b.check(`bytes #${i} (latin1)`, bytes.toString('latin1'));
      if (i % 2 === 0) b.check(`bytes #${i} (utf8)`, bytes.toString('utf8'));
    }
    for (let i = 0; i < n(500); i++) b.check(`unicode #${i}`, randomUnicode(rng, rng.int(300)));
    for (let i = 0; i < n(600); i++) {
      const parts = Array.from({ length: 1 + rng.int(60) }, () => rng.pick(TOKENS));
      b.check(`tokens #${i}`, parts.join(rng.chance(0.5) ? '' : ' '));
    }
    for (const s of ['', ' ', '\n', '{', '}', '[]', '{}', 'null', '0', '"x"', '//', '/*', '{"layers":', '\ufeff{}', '\u0000', '{"a":1}{"b":2}',
      '{"seed": [/*', '["x"/*', '{"seed": "x" /*']) b.check(`fixed ${JSON.stringify(s)}`, s);
    b.finish();
  });

  it('truncations of the example specs at every position', () => {
    const rng = blockRng('truncate');
    const b = new Block('truncation');
    const closers = ['', '}', ']}', '"}', '"]}', ']}]}', '}]}', ' // c', '/*'];
    for (const base of BASES) {
      const t = base.text;
      for (let i = 0; i <= t.length; i++) {
        b.check(`${base.name} [0, ${i})`, t.slice(0, i));
        if (i % 5 === 0) b.check(`${base.name} [0, ${i}) + closer`, t.slice(0, i) + rng.pick(closers));
        if (i % 11 === 0) b.check(`${base.name} [${i}, end)`, t.slice(i));
      }
    }
    b.finish();
  });

  it('character-level mutations of the example specs', () => {
    const rng = blockRng('chars');
    const b = new Block('character mutations');
    for (let i = 0; i < n(700); i++) {
      const base = rng.pick(BASES);
      let t = base.text;
      const ops: string[] = [];
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const p = rng.int(t.length + 1);
        const len = 1 + rng.int(rng.chance(0.8) ? 3 : 60);
        switch (rng.int(7)) {
          case 0: t = t.slice(0, p) + t.slice(p + len); ops.push(`delete ${p}+${len}`); break;
          case 1: t = t.slice(0, p) + t.slice(p, p + len) + t.slice(p); ops.push(`duplicate ${p}+${len}`); break;
          case 2: if (p + 1 < t.length) t = t.slice(0, p) + t[p + 1] + t[p] + t.slice(p + 2); ops.push(`swap ${p}`); break;
          case 3: { const c = rng.chance(0.7) ? JSON_CHARS[rng.int(JSON_CHARS.length)] : randomUnicode(rng, 1); t = t.slice(0, p) + c + t.slice(p); ops.push(`insert ${p}`); break; }
          case 4: t = t.slice(0, p) + JSON_CHARS[rng.int(JSON_CHARS.length)] + t.slice(p + 1); ops.push(`replace ${p}`); break;
          case 5: { const q = rng.int(t.length + 1); const [a, c] = [Math.min(p, q), Math.max(p, q)]; t = t.slice(0, a) + t.slice(c, c + len) + t.slice(a + len, c) + t.slice(a, a + len) + t.slice(c + len); ops.push(`swap ranges ${a}/${c}`); break; }
          default: { // change a digit run or a quoted word
            const m = [...t.matchAll(/\d+|"[A-Za-z_]+"/g)];
            if (!m.length) break;
            const hit = rng.pick(m);
            const rep = /^\d/.test(hit[0]) ? rng.pick(['0', '-1', '1e308', '1e9', '1e15', '1.5', 'NaN', '1e400', '00', '-0', '"7"']) : JSON.stringify(rng.pick([...HOSTILE, ...LAYER_NAMES, 'relu', 'softmax', '']));
            t = t.slice(0, hit.index) + rep + t.slice((hit.index ?? 0) + hit[0].length);
            ops.push(`token ${hit[0]} -> ${rep}`);
          }
        }
      }
      b.check(`${base.name}: ${ops.join(', ')}`, t);
    }
    b.finish();
  });

  it('structured mutations: wrong types, huge numbers, renamed/dropped/unknown keys, layer types, activations, variants', () => {
    const b = new Block('structured mutations');
    for (const c of structuredCorpus()) b.check(c.label, c.text);
    b.finish();
  });

  it('hostile names and keys ("__proto__", "constructor", "toString", ...) give diagnostics, not crashes', () => {
    const b = new Block('hostile names');
    const spec = (): Obj => clone(MLP_BASE.value) as Obj;
    const firstDense = (s: Obj): Obj => layersOf(s).find((l) => l.type === 'Dense') as Obj;
    const expectCode = (code: Code, severity = 'error'): Expectation => (a) =>
      a.diagnostics.some((d) => d.code === code && d.severity === severity) ? undefined : `expected a ${severity} "${code}", got ${JSON.stringify(a.diagnostics.map((d) => d.code))}`;
    const expectClean: Expectation = (a) => {
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      return errors.length ? `expected no errors, got ${JSON.stringify(errors.map((d) => d.message))}` : undefined;
    };
    const text = (s: Obj): string => JSON.stringify(s, null, 2);

    for (const h of HOSTILE) {
      const q = JSON.stringify(h);
      let s = spec(); setKey(firstDense(s), 'type', h); b.check(`layer type ${q}`, text(s), expectCode(Code.UnknownLayerType));
      s = spec(); setKey(firstDense(s), 'activation', h); b.check(`activation ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(firstDense(s), 'kernel_initializer', h); b.check(`initializer ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(firstDense(s), 'kernel_initializer', obj([['type', h]])); b.check(`initializer {type: ${q}}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(firstDense(s), 'kernel_regularizer', h); b.check(`regularizer ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.compile as Obj, 'loss', h); b.check(`loss ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.compile as Obj, 'loss', obj([['type', h]])); b.check(`loss {type: ${q}}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.compile as Obj, 'optimizer', h); b.check(`optimizer ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.compile as Obj, 'optimizer', obj([['type', h]])); b.check(`optimizer {type: ${q}}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.compile as Obj, 'metrics', [h]); b.check(`metric ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s.fit as Obj, 'callbacks', [obj([['type', h]])]); b.check(`callback ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey(s, 'layer_defaults', obj([[h, obj([['activation', 'relu']])]])); b.check(`layer_defaults key ${q}`, text(s), expectCode(Code.UnknownLayerType));
      s = spec(); setKey(s, 'layer_defaults', obj([['Dense', obj([[h, 1]])]])); b.check(`layer_defaults.Dense key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(s, h, obj([['polluted', 'yes']])); b.check(`top-level key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(firstDense(s), h, obj([['polluted', 'yes']])); b.check(`layer key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(s.compile as Obj, h, 1); b.check(`compile key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(firstDense(s), 'kernel_initializer', obj([['type', 'HeNormal'], [h, obj([['polluted', 'yes']])]])); b.check(`initializer arg ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(s.data as Obj, 'dataset', h); b.check(`dataset ${q}`, text(s), expectCode(Code.OutOfRange));
      s = spec(); setKey(s.data as Obj, h, 1); b.check(`data key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(s, 'variants', [obj([['name', 'v'], [h, obj([['polluted', 'yes']])]])]); b.check(`variant key ${q}`, text(s), expectCode(Code.UnknownKey));
      s = spec(); setKey(s, 'variants', [obj([['name', 'v'], ['layer_defaults', obj([[h, obj([['activation', 'relu']])]])]])]); b.check(`variant layer_defaults key ${q}`, text(s), expectCode(Code.UnknownLayerType));
      s = spec(); setKey(s, 'variants', [obj([['name', 'v'], ['compile', obj([['loss', h]])]])]); b.check(`variant loss ${q}`, text(s), expectCode(Code.UnknownName));
      s = spec(); setKey((s.fit as Obj), 'callbacks', [obj([['type', 'EarlyStopping'], ['monitor', h]])]); b.check(`monitor ${q}`, text(s), expectCode(Code.UnknownMonitor, 'error'));
      // With "mode" given, training runs (the callback never acts): a warning.
      s = spec(); setKey((s.fit as Obj), 'callbacks', [obj([['type', 'EarlyStopping'], ['monitor', h], ['mode', 'min']])]); b.check(`monitor ${q}, mode min`, text(s), expectCode(Code.UnknownMonitor, 'warning'));
      // Names are free text: a layer or variant may be called "constructor" (but TensorFlow.js
      // refuses layer names that do not start with a letter or digit, such as "__proto__").
      s = spec(); setKey(firstDense(s), 'name', h);
      if (!/^[A-Za-z0-9]/.test(h)) b.check(`layer name ${q}`, text(s), expectCode(Code.InvalidLayerName));
      else b.check(`layer name ${q}`, text(s), (a) => expectClean(a, '') ?? (() => {
        const r = resolveSpec(a);
        return r.ok && summaryText(r.spec).includes(`${h} (Dense)`) ? undefined : `layer ${q} missing from the summary`;
      })());
      s = spec(); for (const l of layersOf(s)) setKey(l, 'name', h);
      b.check(`every layer named ${q}`, text(s), expectCode(Code.DuplicateName));
      s = spec(); setKey(s, 'variants', [obj([['name', h], ['layer_defaults', obj([['Dense', obj([['activation', 'tanh']])]])]])]);
      b.check(`variant named ${q}`, text(s), (a) => expectClean(a, '') ?? (() => {
        const r = resolveSpec(a, h);
        return r.ok && r.spec.variant === h ? undefined : `variant ${q} did not resolve: ${r.ok ? '' : r.message}`;
      })());
      s = spec(); b.check(`missing variant ${q}`, text(s), (a) => (resolveSpec(a, h).ok ? `resolveSpec(a, ${q}) succeeded without variants` : undefined));
    }
    b.finish();
  });

  it('wrong types, huge numbers and empty shapes give the right diagnostics', () => {
    const b = new Block('numbers and shapes');
    const base = (): Obj => clone(MLP_BASE.value) as Obj;
    const dense = (s: Obj): Obj => layersOf(s)[1];
    const expectAny = (codes: Code[]): Expectation => (a) =>
      a.diagnostics.some((d) => d.severity === 'error' && codes.includes(d.code)) ? undefined : `expected an error among ${codes.join(', ')}, got ${JSON.stringify(a.diagnostics.map((d) => `${d.severity} ${d.code}`))}`;
    const cases: [string, (s: Obj) => void, Code[]][] = [
      ['units 0', (s) => setKey(dense(s), 'units', 0), [Code.OutOfRange]],
      ['units -1', (s) => setKey(dense(s), 'units', -1), [Code.OutOfRange]],
      ['units 1.5', (s) => setKey(dense(s), 'units', 1.5), [Code.WrongType]],
      ['units "300"', (s) => setKey(dense(s), 'units', '300'), [Code.WrongType]],
      ['units null', (s) => setKey(dense(s), 'units', null), [Code.WrongType]],
      ['units []', (s) => setKey(dense(s), 'units', []), [Code.WrongType]],
      ['units 1e9', (s) => setKey(dense(s), 'units', 1e9), [Code.ModelTooLarge]],
      ['units 1e15', (s) => setKey(dense(s), 'units', 1e15), [Code.ModelTooLarge]],
      ['units 1e308', (s) => setKey(dense(s), 'units', 1e308), [Code.ModelTooLarge, Code.OutOfRange]],
      ['units 1e400 (parsed as Infinity)', (s) => setKey(dense(s), 'units', raw('1e400')), [Code.OutOfRange, Code.WrongType]],
      ['units NaN', (s) => setKey(dense(s), 'units', raw('NaN')), [Code.SyntaxError]],
      ['units Infinity', (s) => setKey(dense(s), 'units', raw('Infinity')), [Code.SyntaxError]],
      ['input_shape []', (s) => setKey(layersOf(s)[0], 'input_shape', []), [Code.OutOfRange]],
      ['input_shape [0, 28]', (s) => setKey(layersOf(s)[0], 'input_shape', [0, 28]), [Code.OutOfRange]],
      ['input_shape [0]', (s) => setKey(layersOf(s)[0], 'input_shape', [0]), [Code.OutOfRange]],
      ['input_shape [-1]', (s) => setKey(layersOf(s)[0], 'input_shape', [-1]), [Code.OutOfRange]],
      ['input_shape [1e9, 1e9]', (s) => setKey(layersOf(s)[0], 'input_shape', [1e9, 1e9]), [Code.InputShapeMismatch, Code.ModelTooLarge]],
      ['input_shape [1e308, 1e308] without data', (s) => { delete s.data; setKey(layersOf(s)[0], 'input_shape', [1e308, 1e308]); }, [Code.ModelTooLarge, Code.ShapeError]],
      ['input_shape "28"', (s) => setKey(layersOf(s)[0], 'input_shape', '28'), [Code.WrongType]],
      ['input_shape null', (s) => setKey(layersOf(s)[0], 'input_shape', null), [Code.WrongType]],
      ['deep input_shape', (s) => setKey(layersOf(s)[0], 'input_shape', deep(new Rng(1), 100)), [Code.WrongType]],
      // Past MAX_NESTING (500) the whole text is refused before parsing, with a syntax error.
      ['too deep input_shape', (s) => setKey(layersOf(s)[0], 'input_shape', deep(new Rng(1), 600)), [Code.SyntaxError]],
      ['layers {}', (s) => setKey(s, 'layers', {}), [Code.WrongType]],
      ['layers []', (s) => setKey(s, 'layers', []), [Code.OutOfRange]],
      ['layers [null]', (s) => setKey(s, 'layers', [null]), [Code.WrongType]],
      ['layers dropped', (s) => { delete s.layers; }, [Code.MissingKey]],
      ['compile dropped', (s) => { delete s.compile; }, [Code.MissingKey]],
      ['compile null', (s) => setKey(s, 'compile', null), [Code.WrongType]],
      ['loss null', (s) => setKey(s.compile as Obj, 'loss', null), [Code.WrongType]],
      ['epochs 1e308', (s) => setKey(s.fit as Obj, 'epochs', 1e308), [Code.OutOfRange]],
      ['batch_size 0', (s) => setKey(s.fit as Obj, 'batch_size', 0), [Code.OutOfRange]],
      ['seed -1', (s) => setKey(s, 'seed', -1), [Code.OutOfRange]],
      ['seed 1e15', (s) => setKey(s, 'seed', 1e15), [Code.OutOfRange]],
      ['first layer Dropout without rate', (s) => setKey(layersOf(s)[0], 'type', 'Dropout'), [Code.MissingKey, Code.ShapeError, Code.MissingInputShape]],
      ['variants {}', (s) => setKey(s, 'variants', {}), [Code.WrongType]],
      ['variants [null]', (s) => setKey(s, 'variants', [null]), [Code.WrongType]],
      ['variants [[]]', (s) => setKey(s, 'variants', [[]]), [Code.WrongType]],
      ['variant without name', (s) => setKey(s, 'variants', [obj([['fit', obj([['epochs', 2]])]])]), [Code.MissingKey]],
      ['variant name 1', (s) => setKey(s, 'variants', [obj([['name', 1]])]), [Code.WrongType]],
      ['variant name ""', (s) => setKey(s, 'variants', [obj([['name', '']])]), [Code.OutOfRange]],
      ['duplicate variant names', (s) => setKey(s, 'variants', [obj([['name', 'a']]), obj([['name', 'a']])]), [Code.DuplicateName]],
      ['nested variants', (s) => setKey(s, 'variants', [obj([['name', 'a'], ['variants', [obj([['name', 'b']])]]])]), [Code.UnknownKey]],
      ['variant units 1e15', (s) => setKey(s, 'variants', [obj([['name', 'a'], ['layers', [obj([['type', 'Flatten'], ['input_shape', [28, 28]]]), obj([['type', 'Dense'], ['units', 1e15]])]]])]), [Code.ModelTooLarge]],
      // null in layer_defaults (outside a variant) must not stand in for a required argument.
      ['layer_defaults.Input.shape null', (s) => { setKey(s, 'layer_defaults', obj([['Input', obj([['shape', null]])]])); s.layers = [obj([['type', 'Input']]), ...layersOf(s).slice(1)]; }, [Code.MissingKey, Code.WrongType]],
      ['layer_defaults.Dense.units null', (s) => { setKey(s, 'layer_defaults', obj([['Dense', obj([['units', null]])]])); delete dense(s).units; }, [Code.MissingKey, Code.WrongType]],
      ['layer_defaults.Dropout.rate null', (s) => { setKey(s, 'layer_defaults', obj([['Dropout', obj([['rate', null]])]])); (s.layers as unknown[]).splice(2, 0, obj([['type', 'Dropout']])); }, [Code.MissingKey, Code.WrongType]],
      ['layer_defaults.Activation.activation null', (s) => { setKey(s, 'layer_defaults', obj([['Activation', obj([['activation', null]])]])); (s.layers as unknown[]).splice(2, 0, obj([['type', 'Activation']])); }, [Code.MissingKey, Code.WrongType]],
      ['variant epochs "x"', (s) => setKey(s, 'variants', [obj([['name', 'a'], ['fit', obj([['epochs', 'x']])]])]), [Code.WrongType]],
    ];
    for (const [label, edit, codes] of cases) {
      const s = base();
      edit(s);
      b.check(label, JSON.stringify(s, null, 2).replace(/"@@RAW@@(.*?)@@"/g, '$1'), expectAny(codes));
    }
    // Variants whose patch removes what the base requires: whatever analyze says, resolving
    // must not crash (it reports a failure, or resolves with the defaults).
    const patches: [string, unknown][] = [
      ['compile: null', obj([['compile', null]])],
      ['compile.loss: null', obj([['compile', obj([['loss', null]])]])],
      ['compile.optimizer: null', obj([['compile', obj([['optimizer', null]])]])],
      ['compile.metrics: null', obj([['compile', obj([['metrics', null]])]])],
      ['fit: null', obj([['fit', null]])],
      ['fit.callbacks: null', obj([['fit', obj([['callbacks', null]])]])],
      ['layers: null', obj([['layers', null]])],
      ['layers: []', obj([['layers', []]])],
      ['layer_defaults: null', obj([['layer_defaults', null]])],
      ['layer_defaults.Dense: null', obj([['layer_defaults', obj([['Dense', null]])]])],
      ['data: null', obj([['data', null]])],
      ['data.validation: null', obj([['data', obj([['validation', null]])]])],
      ['seed: null', obj([['seed', null]])],
    ];
    for (const [label, patch] of patches) {
      const s = base();
      setKey(s, 'variants', [obj([['name', 'v'], ...Object.keys(patch as Obj).map((k) => [k, (patch as Obj)[k]] as [string, unknown])])]);
      b.check(`variant patch ${label}`, JSON.stringify(s, null, 2));
    }
    b.finish();
  });

  it('deeply nested arrays and objects', () => {
    const b = new Block('deep nesting');
    const example = BASES[0].text;
    for (const depth of [10, 100, 1000, 2000, 5000, 10000, 100000]) {
      b.check(`[ x ${depth} closed`, '['.repeat(depth) + ']'.repeat(depth));
      b.check(`[ x ${depth} unclosed`, '['.repeat(depth));
      b.check(`{"a": x ${depth}`, '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
      b.check(`seed = [ x ${depth}`, example.replace('"seed": 42', `"seed": ${'['.repeat(depth)}${']'.repeat(depth)}`));
      b.check(`units = {"type": x ${depth}`, example.replace('"units": 300', `"units": ${'{"type":'.repeat(depth)}1${'}'.repeat(depth)}`));
      b.check(`variant patch nested ${depth}`, example.replace(/\n\}\s*$/, `, "variants": [{ "name": "v", "data": ${'{"validation":'.repeat(depth)}null${'}'.repeat(depth)} }]\n}`));
    }
    b.finish();
  });

  it('leaves Object.prototype and Array.prototype untouched (no prototype pollution)', () => {
    assert.strictEqual((({}) as Record<string, unknown>).polluted, undefined);
    assert.strictEqual(([] as unknown as Record<string, unknown>).polluted, undefined);
    assert.strictEqual(Object.getOwnPropertyNames(Object.prototype).sort().join(), protoBefore);
    assert.strictEqual(Object.getOwnPropertyNames(Array.prototype).sort().join(), arrayProtoBefore);
  });
});

// ---- Diagnostic-free specs train ------------------------------------------------------------

/** IDX bytes: unsigned bytes with the given dimensions. */
function idx(dims: number[], values: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

/** Tiny MNIST-like files (28x28 bytes, labels 0-9) standing in for the built-in datasets. */
function tinyData(dir: string, count: number): { train: Obj; test: Obj } {
  const rng = new Rng(7);
  const write = (name: string, n: number): Obj => {
    const x = new Uint8Array(n * 784).map(() => rng.int(256));
    const y = new Uint8Array(n).map((_, i) => i % 10);
    fs.writeFileSync(path.join(dir, `${name}-x.idx`), idx([n, 28, 28], x));
    fs.writeFileSync(path.join(dir, `${name}-y.idx`), idx([n], y));
    return obj([['x', `${name}-x.idx`], ['y', `${name}-y.idx`]]);
  };
  return { train: write('train', count), test: write('test', 16) };
}

/** The spec with a built-in dataset swapped for the tiny files: same example shape and classes, a few examples. */
function onTinyData(text: string, files: { train: Obj; test: Obj }): string | undefined {
  const value = parseJsonc(text) as Obj;
  const swap = (data: unknown): void => {
    if (!isObj(data)) return;
    if ('dataset' in data) {
      delete data.dataset;
      setKey(data, 'train', files.train);
      setKey(data, 'test', files.test);
    }
    const v = data.validation;
    if (isObj(v) && typeof v.first === 'number') v.first = Math.min(v.first, 8);
    if (typeof data.limit === 'number') data.limit = Math.min(data.limit, 40);
  };
  swap(value.data);
  for (const v of Array.isArray(value.variants) ? value.variants : []) if (isObj(v)) swap(v.data);
  return JSON.stringify(value, null, 2);
}

describe('fuzz: every diagnostic-free spec trains', function () {
  // A few hundred one-epoch trainings on 48 examples; each takes tens of milliseconds.
  this.timeout(240_000);

  it('runs a one-epoch training of sampled diagnostic-free specs from the corpus, and no error is one validation did not predict', async () => {
    const { train } = await import('../src/trainer/train');
    const { checkInitialWeights } = await import('../src/core/keras/initialWeightsCheck');
    const { checkDataFiles } = await import('../src/core/data/dataFilesCheck');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-fuzz-train-'));
    const files = tinyData(dir, 48);
    // The examples' own data files (Iris's CSV), where their specs look for them.
    fs.cpSync(path.join(ROOT, 'examples', 'data'), path.join(dir, 'data'), { recursive: true });
    const clean = structuredCorpus().filter((c) => {
      const a = analyze(c.text);
      // A spec without "data" is for summaries and exports; the trainer says so before training starts.
      return !a.diagnostics.some((d) => d.severity === 'error') && a.root !== undefined && /"data"/.test(c.text);
    });
    const every = Math.max(1, Math.floor(clean.length / n(30)));
    const picked = clean.filter((_, i) => i % every === 0);
    const failures: string[] = [];
    let trained = 0;
    for (const c of picked) {
      const text = onTinyData(c.text, files);
      if (text === undefined) continue;
      const a = analyze(text);
      const specPath = path.join(dir, 'fuzz.model.json');
      // Validation as `modelspec validate` runs it: the analysis, then the checks that read files.
      const fileChecks = [...checkDataFiles(a, specPath), ...await checkInitialWeights(a, specPath)];
      if ([...a.diagnostics, ...fileChecks].some((d) => d.severity === 'error')) continue;
      const variant = a.variants[0]?.name;
      // A variant may patch "data" away: like a spec without it, it is for summaries (see above).
      const resolved = resolveSpec(a, variant);
      if (resolved.ok && !resolved.spec.data) continue;
      fs.writeFileSync(specPath, text);
      const errors: string[] = [];
      await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'wasm', epochs: 1, threads: 1, ...(variant === undefined ? {} : { variant }) }, {
        emit: (m) => { if (m.type === 'error') errors.push(m.message); },
        cancelled: () => false,
      });
      trained++;
      if (errors.length) failures.push(`${c.label}${variant === undefined ? '' : ` (variant ${JSON.stringify(variant)})`}: ${errors[0]}\n  spec: ${JSON.stringify(JSON.parse(text))}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(trained >= Math.min(20, picked.length), `only ${trained} specs trained`);
    if (failures.length) assert.fail(`${failures.length} of ${trained} diagnostic-free specs failed in training:\n${failures.slice(0, 6).join('\n')}`);
  });
});
