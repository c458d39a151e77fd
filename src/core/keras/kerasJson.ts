/**
 * JSON (and Python literals) for Keras, where `0` and `0.0` differ: Keras checks some arguments
 * with `isinstance(x, float)` (SGD rejects `momentum=0`), and Python reads a JSON `0` as an int.
 * Arguments the registry types as numbers are written as floats (`0.0`), integers stay integers.
 */
import { LAYERS, NAMED, type Json, type ValueType } from '../registry';

const isNumber = (t: ValueType): boolean =>
  t.kind === 'number' || (t.kind === 'oneOf' && t.options.some(isNumber)) || (t.kind === 'array' && isNumber(t.items));

/** Argument names the registry types as (arrays of) real numbers, in any layer or named entry. */
const FLOAT_ARGS: ReadonlySet<string> = new Set(
  [...LAYERS.flatMap((l) => l.args), ...Object.values(NAMED).flatMap((es) => es.flatMap((e) => e.args))]
    .filter((f) => isNumber(f.type))
    .map((f) => f.name),
);

/** Whether Keras takes `key` as a float. */
export function isFloatArg(key: string | undefined): boolean {
  return key !== undefined && FLOAT_ARGS.has(key);
}

/** `n` as a float literal: `0.0`, `1e-07`, `0.5` (valid both as JSON and as Python). */
export function floatLiteral(n: number): string {
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** `JSON.stringify` with float arguments written as floats. */
export function kerasJson(v: Json, key?: string): string {
  if (typeof v === 'number') return isFloatArg(key) && Number.isFinite(v) ? floatLiteral(v) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => kerasJson(x, key)).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${kerasJson(x, k)}`).join(', ')}}`;
  return JSON.stringify(v);
}
