/** A small, strict argument parser: unknown flags are usage errors, not silently ignored. */
import type { Field } from '../core/registry';
import { DATA_FIELDS, FIT_FIELDS } from '../core/specFields';

export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value (`--variant NAME`). */
  values: readonly string[];
  /** Boolean flags (`--json`). */
  booleans: readonly string[];
}

export interface Parsed {
  positionals: string[];
  values: Map<string, string>;
  booleans: Set<string>;
}

/** Parses `argv` (without the command name) against the flags a command accepts. */
export function parseArgs(argv: readonly string[], spec: FlagSpec): Parsed {
  const out: Parsed = { positionals: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-') throw new UsageError(`Unknown option ${a}.`);
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (spec.booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value.`);
      out.booleans.add(name);
    } else if (spec.values.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value.`);
      if (v === '') throw new UsageError(`--${name} needs a value, but got an empty string.`);
      out.values.set(name, v);
    } else {
      const known = [...spec.values, ...spec.booleans].map((f) => `--${f}`).join(', ');
      throw new UsageError(`Unknown option --${name}.${known ? ` Options: ${known}.` : ''}`);
    }
  }
  return out;
}

/** The spec fields integer flags override: a flag is capped as the schema caps its field. */
const FLAG_FIELDS: Record<string, Field | undefined> = {
  epochs: FIT_FIELDS.find((f) => f.name === 'epochs'),
  limit: DATA_FIELDS.find((f) => f.name === 'limit'),
};

/** A positive integer flag value, or a usage error naming the flag. */
export function intFlag(p: Parsed, name: string): number | undefined {
  const v = p.values.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive integer, got "${v.slice(0, 40)}".`);
  const t = FLAG_FIELDS[name]?.type;
  const max = t?.kind === 'int' && t.max !== undefined ? t.max : Number.MAX_SAFE_INTEGER;
  if (Number(v) > max) throw new UsageError(`--${name} must be at most ${max.toLocaleString('en-US')}, got ${v.slice(0, 40)}.`);
  return Number(v);
}
