/** Test helpers: specs with marked ranges, and small spec builders. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../src/core/analyze';
import type { Code, Diagnostic } from '../src/core/diagnostics';

/** Repository root (tests run from out/test). */
export const ROOT = path.resolve(__dirname, '..', '..');

export function example(name: string): string {
  return fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');
}

/** Strips `⟦` and `⟧` from a text and returns the marked range. */
export function marked(src: string): { text: string; offset: number; length: number } {
  const start = src.indexOf('⟦');
  const end = src.indexOf('⟧');
  assert.ok(start >= 0 && end > start, 'test text needs ⟦ and ⟧ around the expected range');
  const text = src.replace('⟦', '').replace('⟧', '');
  return { text, offset: start, length: end - start - 1 };
}

/**
 * Asserts the marked spec yields a diagnostic with `code` exactly at the marked range, and
 * returns it. `matches` must occur in the message.
 */
export function expectDiagnostic(src: string, code: Code, matches?: string | RegExp): Diagnostic {
  const { text, offset, length } = marked(src);
  const diags = analyze(text).diagnostics;
  const hit = diags.find((d) => d.code === code && d.offset === offset && d.length === length);
  assert.ok(hit, `expected ${code} at [${offset}, +${length}] "${text.slice(offset, offset + length)}"; got:\n` +
    diags.map((d) => `  ${d.code} [${d.offset}, +${d.length}] "${text.slice(d.offset, d.offset + d.length)}": ${d.message}`).join('\n'));
  if (matches !== undefined) {
    if (typeof matches === 'string') assert.ok(hit.message.includes(matches), `message "${hit.message}" lacks "${matches}"`);
    else assert.match(hit.message, matches);
  }
  return hit;
}

/** A minimal valid MLP spec around the given layers JSON and extra top-level members. */
export function spec(layers: string, extra = '', compile = '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "SGD", "metrics": ["accuracy"] }'): string {
  return `{
  "name": "t",
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } },
  "layers": [${layers}],
  ${compile}${extra ? ',\n  ' + extra : ''}
}`;
}

export const MLP = `
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 300, "activation": "relu" },
    { "type": "Dense", "units": 10, "activation": "softmax" }`;

export function codes(text: string): string[] {
  return analyze(text).diagnostics.map((d) => d.code);
}

/** A seeded uniform [0, 1) generator (mulberry32): reproducible test data without a dependency. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
