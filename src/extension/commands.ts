/** The `modelSpec.*` commands. Each takes an optional spec URI (CodeLens, editor title) and falls back to the active editor. */
import * as vscode from 'vscode';
import { newSpecText } from '../editor';
import { LANGUAGE_ID } from './language';
import { SUMMARY_SCHEME, SummaryDocumentProvider, summaryUri } from './summaryDocument';

/** The spec a command acts on: its argument (CodeLens, editor title, explorer), else the active `modelspec` editor's document. */
export function targetSpec(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === LANGUAGE_ID ? doc.uri : undefined;
}

async function newModelSpec(): Promise<void> {
  // Untitled: works in every workspace (none, virtual, untrusted); saving asks where, like File > New File.
  const doc = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: newSpecText() });
  await vscode.window.showTextDocument(doc);
}

async function showSummary(arg: unknown): Promise<void> {
  const spec = targetSpec(arg);
  if (!spec) {
    void vscode.window.showInformationMessage('Open a model spec (*.model.json) to see its summary.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument(summaryUri(spec));
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
}

/** Registers the commands and the summary document provider. */
export function registerCommands(context: vscode.ExtensionContext): void {
  const summaries = new SummaryDocumentProvider();
  context.subscriptions.push(
    summaries,
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, summaries),
    vscode.commands.registerCommand('modelSpec.newModelSpec', newModelSpec),
    vscode.commands.registerCommand('modelSpec.showSummary', showSummary),
  );
}
