/**
 * Python source for the import: a `.py` file as it is, or a Jupyter notebook's code cells
 * joined into one program (magics and shell lines blanked), with a map from the program's
 * lines back to the notebook's cells. Pure.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { LineIndex } from '../diagnostics';

/** Where a line of the joined program came from. */
export interface SourceLine {
  /** 0-based code-cell index in the notebook (counting all cells), or undefined for a `.py` file. */
  cell?: number;
  /** 1-based line within the cell (or the file). */
  line: number;
  /** 1-based line of the notebook's JSON text that holds this line, when known. */
  fileLine?: number;
}

export interface PythonSource {
  code: string;
  /** One entry per line of `code`. */
  lines: SourceLine[];
}

/** A `.py` file's text as a PythonSource. */
export function pythonFile(text: string): PythonSource {
  const count = text.split('\n').length;
  return { code: text, lines: Array.from({ length: count }, (_, i) => ({ line: i + 1 })) };
}

/** Thrown when a notebook is not one this import can read; the message says why. */
export class NotebookError extends Error {}

/** IPython magics (`%matplotlib inline`, `%%time`) and shell lines (`!pip install`) are not Python. */
const isMagic = (line: string): boolean => /^\s*[%!]/.test(line);

function cellLines(source: Node | undefined, lineOf: (offset: number) => number): { text: string; fileLine?: number }[] {
  if (source?.type === 'string') {
    const at = lineOf(source.offset);
    return String(source.value).split('\n').map((t) => ({ text: t, fileLine: at }));
  }
  if (source?.type !== 'array') return [];
  // nbformat's list form: each item is one line, ending in "\n" except the last.
  return (source.children ?? []).flatMap((item) => {
    const s = item.type === 'string' ? String(item.value) : '';
    const at = lineOf(item.offset);
    return s.replace(/\n$/, '').split('\n').map((t) => ({ text: t, fileLine: at }));
  });
}

/** The code cells of an nbformat 4 notebook as one program. */
export function notebookSource(text: string): PythonSource {
  const root = parseTree(text);
  if (!root || root.type !== 'object') throw new NotebookError('it is not a Jupyter notebook (not a JSON object).');
  const prop = (n: Node | undefined, key: string): Node | undefined =>
    n?.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
  const format = prop(root, 'nbformat')?.value;
  if (typeof format === 'number' && format < 4) throw new NotebookError(`it is nbformat ${format}; save it as nbformat 4 (any current Jupyter does).`);
  const cells = prop(root, 'cells');
  if (cells?.type !== 'array') throw new NotebookError('it has no "cells" list, so it is not an nbformat 4 notebook.');
  const code: string[] = [];
  const lines: SourceLine[] = [];
  const index = new LineIndex(text);
  const lineOf = (offset: number): number => index.positionAt(offset).line + 1;
  (cells.children ?? []).forEach((cell, index) => {
    if (prop(cell, 'cell_type')?.value !== 'code') return;
    cellLines(prop(cell, 'source'), lineOf).forEach((l, i) => {
      code.push(isMagic(l.text) ? '' : l.text);
      lines.push({ cell: index, line: i + 1, fileLine: l.fileLine });
    });
    // A blank line between cells keeps one cell's open bracket from swallowing the next.
    code.push('');
    lines.push({ cell: index, line: lines.length ? lines[lines.length - 1].line + 1 : 1 });
  });
  return { code: code.join('\n'), lines };
}

/** `12` or `cell 5, line 3` for a 1-based program line, in the file's terms. */
export function describeLine(src: PythonSource, programLine: number): { fileLine?: number; where: string } {
  const l = src.lines[programLine - 1];
  if (!l) return { where: `line ${programLine}` };
  if (l.cell === undefined) return { fileLine: l.line, where: `line ${l.line}` };
  return { fileLine: l.fileLine, where: `cell ${l.cell + 1}, line ${l.line}` };
}
