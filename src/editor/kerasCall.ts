/** Keras constructor calls in Python (`Dense(units=300, activation='relu')`), the equivalences hovers show. */
import type { Json } from '../core/registry';

/** A JSON value in Python syntax: `True`, `None`, `'relu'`, `(28, 28)` for shapes, dicts for objects. */
function pythonValue(v: Json): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pythonValue(v[0])},)` : `(${v.map(pythonValue).join(', ')})`;
  return `{${Object.entries(v).map(([k, x]) => `'${k}': ${pythonValue(x)}`).join(', ')}}`;
}

/** `Name(a=1, b='x')`, wrapped one argument per line when long. */
export function kerasCall(name: string, args: Readonly<Record<string, Json>>): string {
  const parts = Object.entries(args).map(([k, v]) => `${k}=${pythonValue(v)}`);
  const flat = `${name}(${parts.join(', ')})`;
  return flat.length <= 80 ? flat : `${name}(\n${parts.map((p) => `    ${p},`).join('\n')}\n)`;
}
