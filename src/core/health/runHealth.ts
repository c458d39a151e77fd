/**
 * Reading a run folder's training health back: `health.jsonl` (one health message per line)
 * and `result.json`'s `health`, checked field by field, so a truncated or edited file gives a
 * message that says where, never an internal error. Pure: the callers read the files.
 */
import type { HealthDiagnosis, HealthSample, HealthSummary, LayerHealth } from './types';

/** A health message as stored: a sample and the diagnoses so far. */
export type StoredHealth = HealthSample & { type: 'health'; diagnoses: HealthDiagnosis[] };

/** What a run's health files hold: the layers as of the last sample, the diagnoses, every sample. */
export interface RunHealthRecord {
  layers: Omit<LayerHealth, 'histogram'>[];
  diagnoses: HealthDiagnosis[];
  samples: StoredHealth[];
}

/** A file that is not what the trainer writes. */
export class HealthFileError extends Error {}

const CODES = new Set(['vanishing-gradients', 'exploding-gradients', 'saturation', 'dead-units', 'learning-rate-high', 'learning-rate-low', 'initial-loss']);
const STATS = ['gradientNorm', 'weightNorm', 'updateRatio', 'activationMean', 'activationStd', 'saturation', 'deadFraction'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks `v` against a small shape; throws a message naming the path. */
class Checker {
  constructor(private readonly where: string) {}

  fail(path: string, what: string, v: unknown): never {
    const got = v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 40) ?? String(v);
    throw new HealthFileError(`${this.where}: ${path} must be ${what}, but is ${got}.`);
  }

  obj(v: unknown, path: string): Obj {
    return isObj(v) ? v : this.fail(path, 'an object', v);
  }

  arr(v: unknown, path: string): unknown[] {
    return Array.isArray(v) ? v : this.fail(path, 'a list', v);
  }

  str(v: unknown, path: string): string {
    return typeof v === 'string' ? v : this.fail(path, 'a string', v);
  }

  /** NaN and infinities are written as null by JSON. */
  numOrNull(v: unknown, path: string): number | null {
    return v === null || typeof v === 'number' ? v : this.fail(path, 'a number or null', v);
  }

  num(v: unknown, path: string): number {
    return typeof v === 'number' ? v : this.fail(path, 'a number', v);
  }

  layer(v: unknown, path: string, histogram: boolean): LayerHealth {
    const o = this.obj(v, path);
    for (const k of ['name', 'type', 'activation']) this.str(o[k], `${path}.${k}`);
    for (const k of STATS) this.numOrNull(o[k], `${path}.${k}`);
    if (o.nonFinite !== undefined) this.num(o.nonFinite, `${path}.nonFinite`);
    if (histogram) this.arr(o.histogram, `${path}.histogram`).forEach((x, i) => this.num(x, `${path}.histogram[${i}]`));
    return o as unknown as LayerHealth;
  }

  diagnosis(v: unknown, path: string): HealthDiagnosis {
    const o = this.obj(v, path);
    if (!CODES.has(o.code as string)) this.fail(`${path}.code`, `one of ${[...CODES].join(', ')}`, o.code);
    if (o.severity !== 'warning' && o.severity !== 'info') this.fail(`${path}.severity`, '"warning" or "info"', o.severity);
    if (o.layer !== null) this.str(o.layer, `${path}.layer`);
    this.num(o.epoch, `${path}.epoch`);
    this.str(o.message, `${path}.message`);
    if (o.fix !== null) {
      const fix = this.obj(o.fix, `${path}.fix`);
      this.str(fix.title, `${path}.fix.title`);
      this.arr(fix.edits, `${path}.fix.edits`).forEach((e, i) => {
        const edit = this.obj(e, `${path}.fix.edits[${i}]`);
        this.arr(edit.path, `${path}.fix.edits[${i}].path`).forEach((s, j) => {
          if (typeof s !== 'string' && typeof s !== 'number') this.fail(`${path}.fix.edits[${i}].path[${j}]`, 'a key or an index', s);
        });
        if (!('value' in edit)) this.fail(`${path}.fix.edits[${i}].value`, 'a value', undefined);
      });
    }
    return o as unknown as HealthDiagnosis;
  }

  sample(v: unknown): StoredHealth {
    const o = this.obj(v, 'the line');
    if (o.type !== 'health') this.fail('type', '"health"', o.type);
    for (const k of ['epoch', 'step', 'globalStep']) this.num(o[k], k);
    this.numOrNull(o.loss, 'loss');
    this.numOrNull(o.learningRate, 'learningRate');
    this.arr(o.layers, 'layers').forEach((l, i) => this.layer(l, `layers[${i}]`, true));
    this.arr(o.diagnoses, 'diagnoses').forEach((d, i) => this.diagnosis(d, `diagnoses[${i}]`));
    return o as unknown as StoredHealth;
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HealthFileError(`${where} is not valid JSON (the file may be truncated or edited).`);
  }
}

/** The samples of `health.jsonl`; blank lines are skipped. */
export function parseHealthLines(text: string, file = 'health.jsonl'): StoredHealth[] {
  const out: StoredHealth[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file} line ${i + 1}`;
    out.push(new Checker(where).sample(parseJson(line, where)));
  });
  return out;
}

/** `result.json`'s `health`, if it has one. */
export function parseResultHealth(text: string, file = 'result.json'): HealthSummary | undefined {
  const c = new Checker(file);
  const result = c.obj(parseJson(text, file), 'the file');
  if (result.health === undefined) return undefined;
  const h = c.obj(result.health, 'health');
  c.arr(h.layers, 'health.layers').forEach((l, i) => c.layer(l, `health.layers[${i}]`, false));
  c.arr(h.diagnoses, 'health.diagnoses').forEach((d, i) => c.diagnosis(d, `health.diagnoses[${i}]`));
  return h as unknown as HealthSummary;
}

/**
 * The record of a run from its files' texts (either may be missing; `names` are the files as
 * the messages name them); undefined when neither has health.
 */
export function runHealthRecord(resultText: string | undefined, linesText: string | undefined, names = { result: 'result.json', health: 'health.jsonl' }): RunHealthRecord | undefined {
  const summary = resultText === undefined ? undefined : parseResultHealth(resultText, names.result);
  const samples = linesText === undefined ? [] : parseHealthLines(linesText, names.health);
  const last = samples[samples.length - 1];
  if (!summary && !last) return undefined;
  return {
    layers: summary?.layers ?? last.layers.map(({ histogram: _h, ...rest }) => rest),
    diagnoses: summary?.diagnoses ?? last.diagnoses,
    samples,
  };
}
