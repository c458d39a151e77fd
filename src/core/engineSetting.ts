/**
 * What the engine setting (`modelSpec.training.engine`, the CLI's `--engine`) makes of a spec
 * that validates clean: with "tfjs", AdamW, Nadam and activity regularizers cannot train
 * (TensorFlow.js has none). The fused engine trains every spec that validates clean, so "kernel"
 * and "auto" always can. Said before training, on the spec and on each variant, rather than as a
 * failed run.
 */
import type { Node } from 'jsonc-parser';
import type { Analysis } from './analyze';
import { Code, type Diagnostic, type JsonPath } from './diagnostics';
import { properties } from './jsonTree';
import { kernelOnly } from './kernelPlan';
import { resolveSpec, type ResolvedSpec } from './resolve';

/** The node at `path` under `root`, when there is one. */
function nodeAt(root: Node | undefined, path: JsonPath): Node | undefined {
  let node = root;
  for (const key of path) node = typeof key === 'string' ? properties(node).get(key)?.value : node?.children?.[key];
  return node;
}

/** Why `engine` cannot train `spec`, and where to say so, or undefined. */
function problemOf(spec: ResolvedSpec, engine: string): { path: JsonPath; message: string } | undefined {
  const only = engine === 'tfjs' ? kernelOnly(spec) : undefined;
  if (!only) return undefined;
  return {
    path: only.path,
    message: `${only.name} trains only on the fused WebAssembly engine (${only.why}), but the modelSpec.training.engine setting is "tfjs". Set it to "auto", or ${only.instead}.`,
  };
}

/** Errors for the spec and its variants that `engine` cannot train (none for "auto" or "kernel"). */
export function checkEngineSetting(analysis: Analysis, engine: string): Diagnostic[] {
  if (engine !== 'tfjs' || !analysis.root) return [];
  const out: Diagnostic[] = [];
  const base = resolveSpec(analysis);
  const baseProblem = base.ok ? problemOf(base.spec, engine) : undefined;
  const at = (patch: Node | undefined, path: JsonPath): Node | undefined => nodeAt(patch, path) ?? nodeAt(analysis.root, path);
  if (baseProblem) out.push(diagnostic(baseProblem, at(undefined, baseProblem.path)));
  for (const v of analysis.variants) {
    const r = resolveSpec(analysis, v.name);
    const problem = r.ok ? problemOf(r.spec, engine) : undefined;
    // A variant that only inherits the spec's problem is covered by the spec's diagnostic.
    if (!problem || problem.message === baseProblem?.message) continue;
    out.push({ ...diagnostic({ ...problem, message: `Variant "${v.name}": ${problem.message}` }, at(v.node, problem.path)), variant: v.name });
  }
  return out;
}

function diagnostic(problem: { path: JsonPath; message: string }, node: Node | undefined): Diagnostic {
  return { severity: 'error', code: Code.EngineSetting, path: problem.path, offset: node?.offset ?? 0, length: node?.length ?? 0, message: problem.message };
}
