import { analyze } from '../analyze';
import { DataError } from './dataError';

/**
 * Checks a data section with the spec validator's own rules (field types and ranges, one
 * training source, known dataset names), so loading and validation can never disagree about
 * what a valid data section is. Throws a DataError with the first problem, e.g.
 * `data.scale: "scale" must be a number > 0, but is 0.`
 */
export function checkDataSpec(data: unknown): void {
  const diagnostics = analyze(JSON.stringify({ data: data ?? null })).diagnostics;
  const first = diagnostics.find((d) => d.severity === 'error' && d.path[0] === 'data');
  if (first) throw new DataError(`${first.path.join('.')}: ${first.message}`);
}
