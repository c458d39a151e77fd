/**
 * Importing one file (a `.keras`, `.h5`, `to_json()` file, `.py` or `.ipynb`) into spec text:
 * what the CLI's `modelspec import` and the editor's "Import from Keras..." command share.
 */
import * as path from 'path';
import type { Json } from '../registry';
import { SPEC_FIELDS } from '../specFields';
import { parseConfigText } from './fromKerasConfig';
import { ImportError, importKerasConfig, importPython, specText, type ImportProblem, type ImportResult } from './importSpec';
import { KerasFileError, readBytes, readKerasArchive, readLegacyH5 } from './kerasFiles';
import { NotebookError, notebookSource, pythonFile } from './pythonSource';

type Obj = { [key: string]: Json };

/** The extensions the import reads, for messages and file pickers. */
export const IMPORT_EXTENSIONS = ['.keras', '.h5', '.hdf5', '.json', '.py', '.ipynb'];

/** Python sources above this size are refused (code that builds a model is never this large). */
export const MAX_CODE_BYTES = 20 * 1024 * 1024;

export interface ImportedSpec {
  /** The JSONC spec text, ready to write. */
  text: string;
  /** `source:line: message` lines for what could not be mapped. */
  problems: string[];
  models: number;
  /** Validator errors and warnings left in the spec (also written as comments in it). */
  errors: number;
  warnings: number;
  diagnostics: string[];
  /** Whether the spec takes its initial weights from the source. */
  weights: boolean;
}

/** A source that cannot be imported; the message names the file and says why. */
export class ImportFileError extends Error {}

function decode(bytes: Uint8Array, file: string): string {
  if (bytes.length > MAX_CODE_BYTES) throw new ImportFileError(`${file}: it is ${(bytes.length / 2 ** 20).toFixed(0)} MB; the import reads code and configs up to ${MAX_CODE_BYTES / 2 ** 20} MB.`);
  return new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
}

async function importSource(file: string, name: string, text: (b: Uint8Array) => string): Promise<{ result: ImportResult; weights: boolean }> {
  const ext = path.extname(file).toLowerCase();
  const configProblems: ImportProblem[] = [];
  const fromConfig = (configText: string, compile?: Json): ImportResult => {
    const config = parseConfigText(configText, (message, line) => configProblems.push({ message, ...(line ? { line } : {}) }));
    if (config === undefined) throw new ImportError(configProblems.map((p) => p.message).join(' '));
    return importKerasConfig(config, name, compile);
  };
  switch (ext) {
    case '.keras': {
      const archive = readKerasArchive(readBytes(file));
      return { result: fromConfig(archive.config), weights: archive.weights !== undefined };
    }
    case '.h5': case '.hdf5': {
      const legacy = await readLegacyH5(readBytes(file));
      return { result: importKerasConfig(legacy.config, name, legacy.training), weights: legacy.hasWeights };
    }
    case '.json': return { result: fromConfig(text(readBytes(file))), weights: false };
    case '.py': return { result: importPython(pythonFile(text(readBytes(file))), name), weights: false };
    case '.ipynb': return { result: importPython(notebookSource(text(readBytes(file))), name), weights: false };
    default: throw new ImportFileError(`${file}: the import reads ${IMPORT_EXTENSIONS.join(', ')} files, not "${ext || 'no extension'}".`);
  }
}

/** Keys in the order the spec documents them, so imported specs read like hand-written ones. */
function ordered(spec: Obj): Obj {
  const order = SPEC_FIELDS.map((f) => f.name);
  const rank = (k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(spec).sort(([a], [b]) => rank(a) - rank(b)));
}

/** `model.py` -> `model.model.json` beside it: where an import writes by default. */
export function defaultSpecPath(source: string): string {
  return path.join(path.dirname(source), `${path.basename(source).replace(/\.[^.]+$/, '')}.model.json`);
}

const specName = (file: string): string => path.basename(file).replace(/\.[^.]+$/, '').replace(/\.model$/, '') || 'model';

/** The result as spec text: `initial_weights` relative to `outFile`, keys in order, problems as `file:line: message`. */
function finish(result: ImportResult, weights: boolean, file: string, outFile: string): ImportedSpec {
  const spec = { ...result.spec };
  if (weights) spec.initial_weights = path.relative(path.dirname(path.resolve(outFile)), path.resolve(file)).split(path.sep).join('/');
  const header = [`Imported from ${path.basename(file)} by "modelspec import".`];
  const lost = result.problems.filter((p) => !p.message.startsWith('note: ')).length;
  if (lost) header.push(`${lost} thing${lost === 1 ? '' : 's'} in the source could not be imported; the import listed them.`);
  const out = specText(ordered(spec), header);
  const problems = result.problems.map((p) => `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.message}`);
  return { text: out.text, problems, models: result.models, errors: out.errors, warnings: out.warnings, diagnostics: out.diagnostics, weights };
}

const known = (e: unknown): boolean => e instanceof ImportError || e instanceof KerasFileError || e instanceof NotebookError;

/**
 * Imports `file` as the spec to be written at `outFile` (paths in the spec are relative to it).
 * Throws ImportFileError, with the file named, when there is nothing to import.
 */
export async function importFile(file: string, outFile: string): Promise<ImportedSpec> {
  try {
    const { result, weights } = await importSource(file, specName(file), (b) => decode(b, file));
    return finish(result, weights, file, outFile);
  } catch (e) {
    if (known(e)) throw new ImportFileError(`${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** Imports Python text (an editor's unsaved code or its selection) that `file` names. */
export function importPythonText(code: string, file: string, outFile: string): ImportedSpec {
  try {
    return finish(importPython(pythonFile(code), specName(file)), false, file, outFile);
  } catch (e) {
    if (known(e)) throw new ImportFileError(`${file}: ${(e as Error).message}`);
    throw e;
  }
}
