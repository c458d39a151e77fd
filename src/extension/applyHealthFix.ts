/**
 * "Apply fix" of a training-health diagnosis: the run's spec file is opened, the fix becomes
 * text edits (`healthFixEdits`, the same code as the editor's quick fix) applied as one
 * workspace edit, and the spec is shown so the user sees what changed (and can undo it).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HealthFix } from '../core/health/types';
import { healthFixEdits } from '../editor/healthFix';
import { rangeAt } from './convert';

/** The spec file a run folder came from (`result.json`'s `specPath`, relative ones against the workspace); undefined if unknown. */
export function runSpecPath(runDir: string): string | undefined {
  try {
    const result: unknown = JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8'));
    const specPath = typeof result === 'object' && result !== null ? (result as { specPath?: unknown }).specPath : undefined;
    if (typeof specPath !== 'string' || !specPath) return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(runDir);
    return path.resolve(folder, specPath);
  } catch {
    return undefined;
  }
}

/** Applies `fix` to the spec at `specPath` and shows it; tells the user what happened. */
export async function applyHealthFix(specPath: string, fix: HealthFix): Promise<void> {
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(specPath));
  } catch {
    void vscode.window.showErrorMessage(`Cannot apply "${fix.title}": the spec ${specPath} cannot be opened. Was it moved or deleted?`);
    return;
  }
  const text = document.getText();
  // Edits that would write what is already there do not count: the fix may be applied already.
  const edits = healthFixEdits(text, fix).filter((e) => text.slice(e.offset, e.offset + e.length) !== e.newText);
  // Where the spec already shows (its editor beside the panel), else the first column: not over the panel.
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === document.uri.toString());
  await vscode.window.showTextDocument(document, { preview: false, viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One });
  if (!edits.length) {
    void vscode.window.showInformationMessage(`"${fix.title}" is already in ${path.basename(specPath)}.`);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(document.uri, rangeAt(document, e.offset, e.length), e.newText);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Cannot apply "${fix.title}" to ${path.basename(specPath)}: the editor refused the edit.`);
    return;
  }
  void vscode.window.showInformationMessage(`Applied "${fix.title}" to ${path.basename(specPath)}. Train again to see the effect.`);
}
