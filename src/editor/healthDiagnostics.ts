/**
 * A finished run's health diagnoses as problems on the spec: each warning at the layer it names
 * (the layer's object in the run's `layers`), at the variant whose run it is when that variant
 * shares the base spec's layers, or at `compile` for the whole model. Pure, over offsets.
 */
import { analyze } from '../core/analyze';
import { properties } from '../core/jsonTree';
import type { HealthDiagnosis, HealthFix } from '../core/health/types';

/** One run's diagnoses (the base spec's when `variant` is undefined). */
export interface RunHealth {
  variant?: string;
  diagnoses: readonly HealthDiagnosis[];
}

/** A health warning to show on the spec. */
export interface HealthProblem {
  offset: number;
  length: number;
  /** The diagnosis's message, prefixed with the variant and layer where the range does not say them. */
  message: string;
  code: HealthDiagnosis['code'];
  fix: HealthFix | null;
}

/** The warnings of the runs as problems on `text`; hints are left to the panel. */
export function healthProblems(text: string, runs: readonly RunHealth[]): HealthProblem[] {
  const analysis = analyze(text);
  const root = analysis.root;
  if (!root) return [];
  const out: HealthProblem[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    const v = run.variant === undefined ? undefined : analysis.variants.find((x) => x.name === run.variant);
    if (run.variant !== undefined && !v) continue;
    // A variant with its own `layers` shows problems on them; one sharing the base layers, on itself.
    const ownLayers = !v || properties(v.node).get('layers')?.value?.type === 'array';
    const model = v ? v.model : analysis.model;
    const at = v ? properties(v.node).get('name')?.prop ?? v.node : properties(root).get('compile')?.key ?? root;
    for (const d of run.diagnoses) {
      if (d.severity !== 'warning') continue;
      const layer = d.layer === null ? undefined : model.layers.find((l) => l.name === d.layer);
      const node = layer && ownLayers ? layer.node : at;
      const where = [v ? `Variant "${v.name}"` : '', layer && !ownLayers ? `layer ${layer.name}` : ''].filter(Boolean).join(', ');
      const message = where ? `${where}: ${d.message}` : d.message;
      const key = `${node.offset}:${d.code}:${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ offset: node.offset, length: node.length, message, code: d.code, fix: d.fix });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
