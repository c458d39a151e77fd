/**
 * The Keras summary of a spec as a read-only virtual document (`modelspec-summary:`), kept live
 * while the spec is edited.
 */
import { specNameFromFile } from '../core/diagnostics';
import * as vscode from 'vscode';
import { summaryOf } from './summaryText';

/** The URI scheme of summary documents. */
export const SUMMARY_SCHEME = 'modelspec-summary';

/** The summary URI of a spec: the spec's URI rides in the query, the path gives the tab its title. */
export function summaryUri(spec: vscode.Uri): vscode.Uri {
  const base = spec.path.split('/').pop() ?? 'spec';
  return vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${specNameFromFile(base)} summary.txt`, query: spec.toString() });
}

/** Serves summary documents from the spec's current (possibly unsaved) text and refreshes them as it changes. */
export class SummaryDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly listener = vscode.workspace.onDidChangeTextDocument((e) => {
    const uri = summaryUri(e.document.uri);
    // Only summaries someone has open are recomputed.
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
  });

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const spec = vscode.Uri.parse(uri.query);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(spec));
    return summaryOf(text, spec.path.split('/').pop() ?? spec.toString());
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}
