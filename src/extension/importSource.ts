/**
 * What "Model Spec: Import from Keras..." imports, decided from the editor state without
 * `vscode`, so it is unit-tested: the selected Python, the active `.py` or notebook, or a file
 * the user picks.
 */
import * as path from 'path';
import { defaultSpecPath } from '../core/keras/importFile';

/** The editor state the command starts from. */
export interface EditorState {
  /** The active text editor's file path, language and text, when there is one. */
  file?: string;
  languageId?: string;
  text?: string;
  /** The selected text (empty when nothing is selected). */
  selection?: string;
  /** The active notebook's file path, when a notebook editor is active. */
  notebook?: string;
}

export type ImportSource =
  /** Python text from the editor (its selection or all of it, saved or not), named by its file. */
  | { kind: 'text'; text: string; file: string; specPath: string; what: string }
  /** A file on disk (a notebook, a `.keras`, `.h5`, `.json` or `.py`). */
  | { kind: 'file'; file: string; specPath: string; what: string }
  /** Nothing to import from the editor: ask for a file. */
  | { kind: 'pick' };

/** Decides what to import: the selection, then the active Python editor, then the active notebook, else a picked file. */
export function importSource(state: EditorState): ImportSource {
  if (state.notebook && state.notebook.endsWith('.ipynb')) {
    return { kind: 'file', file: state.notebook, specPath: defaultSpecPath(state.notebook), what: path.basename(state.notebook) };
  }
  const file = state.file;
  const isPython = state.languageId === 'python' || file?.endsWith('.py');
  if (file && isPython && state.text !== undefined) {
    const selected = state.selection?.trim() ? state.selection : undefined;
    return {
      kind: 'text', text: selected ?? state.text, file, specPath: defaultSpecPath(file),
      what: selected ? `the selection in ${path.basename(file)}` : path.basename(file),
    };
  }
  if (file?.endsWith('.ipynb')) return { kind: 'file', file, specPath: defaultSpecPath(file), what: path.basename(file) };
  return { kind: 'pick' };
}

/** The notification after an import: what was written and what needs the user's eye. */
export function importMessage(what: string, specPath: string, r: { models: number; problems: readonly string[]; errors: number; warnings: number }): { text: string; severity: 'info' | 'warning' } {
  const lost = r.problems.filter((p) => !/: note: /.test(p)).length;
  const parts = [`Imported ${what} into ${path.basename(specPath)}${r.models > 1 ? ` (${r.models} models as variants)` : ''}.`];
  if (lost) parts.push(`${lost} thing${lost === 1 ? '' : 's'} could not be imported (see the log).`);
  if (r.errors || r.warnings) parts.push(`The spec has ${r.errors} error(s) and ${r.warnings} warning(s), noted at its top.`);
  return { text: parts.join(' '), severity: lost || r.errors ? 'warning' : 'info' };
}
