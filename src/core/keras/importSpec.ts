/**
 * The import's pure core: Keras code or a Keras config -> the text of a formatted JSONC spec
 * that the validator has checked, plus the problems found on the way (with source lines).
 */
import { analyze } from '../analyze';
import { LineIndex } from '../diagnostics';
import type { Json } from '../registry';
import type { Report } from './fromKerasObjects';
import { modelFromKerasConfig, UnsupportedModel } from './fromKerasConfig';
import { specFromModel, type ImportedModel } from './fromKerasModel';
import { modelsFromPython } from './pythonModels';
import { describeLine, type PythonSource } from './pythonSource';
import { combineSpecs } from './specVariants';

type Obj = { [key: string]: Json };

/** Something the import could not map: a message and, when known, the 1-based line in the source file. */
export interface ImportProblem {
  line?: number;
  message: string;
}

export interface ImportResult {
  /** The spec object, or undefined when the source has no model to import. */
  spec?: Obj;
  problems: ImportProblem[];
  /** How many models the source builds (each a variant when more than one). */
  models: number;
}

/** Thrown when a source has nothing to import; the message says why (the caller adds the file name). */
export class ImportError extends Error {}

/** The spec of a saved Keras config (`to_json()`, `config.json`, `model_config`). */
export function importKerasConfig(config: Json, name: string, compile?: Json): ImportResult {
  const problems: ImportProblem[] = [];
  let model: ImportedModel;
  try {
    model = modelFromKerasConfig(config, name, compile);
  } catch (e) {
    if (e instanceof UnsupportedModel) throw new ImportError(e.message);
    throw e;
  }
  const spec = specFromModel(model, (message) => problems.push({ message }));
  return { spec: { name, ...spec }, problems, models: 1 };
}

/** The spec of Keras code: one model, or one variant per model the code builds. */
export function importPython(src: PythonSource, name: string): ImportResult {
  const problems: ImportProblem[] = [];
  const report: Report = (message, line) => {
    if (line === undefined) return void problems.push({ message });
    const at = describeLine(src, line);
    const cellNote = src.lines[line - 1]?.cell === undefined ? '' : ` (${at.where})`;
    problems.push({ ...(at.fileLine === undefined ? {} : { line: at.fileLine }), message: `${message}${cellNote}` });
  };
  const models = modelsFromPython(src.code, report);
  if (!models.length) {
    const found = problems.slice(0, 3).map((p) => `${p.line === undefined ? '' : `line ${p.line}: `}${p.message}`);
    const hint = found.length ? ` Found while reading it: ${found.join(' ')}` : '';
    throw new ImportError(`no Keras Sequential model found: the import looks for keras.Sequential([...]) or Sequential() with model.add(...).${hint}`);
  }
  const specs = models.map((m) => ({
    name: m.name,
    ...(m.line === undefined ? {} : { where: describeLine(src, m.line).where.replace(/, line \d+$/, '') }),
    spec: specFromModel(m, report),
  }));
  return { spec: { name, ...combineSpecs(specs) }, problems, models: models.length };
}

/** One JSON value on one line when it fits, else one key or item per line. */
function format(value: Json, indent: string, width: number): string {
  const flat = JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
  if (flat.length + indent.length <= width || value === null || typeof value !== 'object') return flat;
  const inner = indent + '  ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + format(v, inner, width)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner, width)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/**
 * The spec as JSONC: a header naming the source, the formatted spec, and when the validator
 * finds problems, each as a comment at the top so the file says what still needs fixing.
 */
export function specText(spec: Obj, header: readonly string[]): { text: string; errors: number; warnings: number; diagnostics: string[] } {
  const body = format(spec, '', 110) + '\n';
  const { diagnostics } = analyze(body);
  const lines = new LineIndex(body);
  const serious = diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  // The comments come first, so the lines they name are counted past them.
  const prefix = header.length + (serious.length ? serious.length + 1 : 0);
  const messages = serious.map((d) => `${d.severity} [${d.code}] line ${lines.positionAt(d.offset).line + 1 + prefix}: ${d.message.replace(/\n/g, ' ')}`);
  const comments = [
    ...header.map((h) => `// ${h}`),
    ...(messages.length ? ['// The validator reports:', ...messages.map((m) => `//   ${m}`)] : []),
  ];
  return {
    text: comments.join('\n') + (comments.length ? '\n' : '') + body,
    errors: serious.filter((d) => d.severity === 'error').length,
    warnings: serious.filter((d) => d.severity === 'warning').length,
    diagnostics: messages,
  };
}
