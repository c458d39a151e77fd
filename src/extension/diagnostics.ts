/** Publishes the core's diagnostics for open model specs: immediately on open and save, debounced while typing. */
import * as vscode from 'vscode';
import { analysisOf } from '../editor/analysisCache';
import { toDiagnostic } from './convert';
import { LANGUAGE_ID } from './language';


/** Long enough to skip most keystrokes of a word, short enough to feel live. */
const DEBOUNCE_MS = 200;

/** Keeps one `DiagnosticCollection` in step with the open `modelspec` documents. */
export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('modelspec');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.validateSoon(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.cancel(doc.uri);
        this.collection.delete(doc.uri);
      }),
    );
    // Documents already open when the extension activates (activation is `onLanguage`, so there is at least one).
    for (const doc of vscode.workspace.textDocuments) this.validateNow(doc);
  }

  private validateNow(doc: vscode.TextDocument): void {
    if (doc.languageId !== LANGUAGE_ID) {
      // A file whose language was switched away from modelspec keeps no stale problems.
      if (this.collection.has(doc.uri)) this.collection.delete(doc.uri);
      return;
    }
    this.cancel(doc.uri);
    this.collection.set(doc.uri, analysisOf(doc.getText()).diagnostics.map((d) => toDiagnostic(doc, d)));
  }

  private validateSoon(doc: vscode.TextDocument): void {
    if (doc.languageId !== LANGUAGE_ID) return;
    this.cancel(doc.uri);
    this.pending.set(doc.uri.toString(), setTimeout(() => this.validateNow(doc), DEBOUNCE_MS));
  }

  private cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.pending.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.pending.delete(key);
    }
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const d of this.disposables) d.dispose();
  }
}
