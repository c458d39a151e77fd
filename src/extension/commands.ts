/** The `modelSpec.*` commands. Each takes an optional spec URI (CodeLens, editor title) and falls back to the active editor. */
import * as vscode from 'vscode';
import { newModelSpec, openExample } from './gallery';
import { LANGUAGE_ID } from './language';
import { SUMMARY_SCHEME, SummaryDocumentProvider, summaryUri } from './summaryDocument';

/**
 * The spec a command acts on: its argument (CodeLens, editor title, explorer), else the active
 * `modelspec` editor's document. When no text editor is active (the walkthrough, the panel or
 * another webview has the focus), a visible spec editor beside it.
 */
export function targetSpec(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor;
  const doc = active ? active.document : vscode.window.visibleTextEditors.find((e) => e.document.languageId === LANGUAGE_ID)?.document;
  return doc?.languageId === LANGUAGE_ID ? doc.uri : undefined;
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
    vscode.commands.registerCommand('modelSpec.newModelSpec', () => newModelSpec(context.extensionUri)),
    vscode.commands.registerCommand('modelSpec.openExample', () => openExample(context.extensionUri)),
    vscode.commands.registerCommand('modelSpec.showSummary', showSummary),
  );
}
