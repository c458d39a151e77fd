/** Publishes the core's diagnostics for open model specs: immediately on open and save, debounced while typing. */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analyze';
import { analysisOf } from '../editor/analysisCache';
import { toDiagnostic } from './convert';
import { InitialWeightsFiles } from './initialWeightsFiles';
import { checkDataFiles } from '../core/data/dataFilesCheck';
import { LANGUAGE_ID } from './language';
import { checkEngineSetting } from '../core/engineSetting';
import { trainingSettings } from './training';

/** Long enough to skip most keystrokes of a word, short enough to feel live. */
const DEBOUNCE_MS = 200;

/** Keeps one `DiagnosticCollection` in step with the open `modelspec` documents. */
export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('modelspec');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly initialWeights = new InitialWeightsFiles();
  /** Per document, the latest validation: a late file read for an older one is dropped. */
  private readonly generation = new Map<string, number>();

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.validateSoon(e.document);
      }),
      // The engine setting decides what some specs can train on (engineSetting.ts).
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('modelSpec.training.engine')) return;
        for (const doc of vscode.workspace.textDocuments) this.validateNow(doc);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.cancel(doc.uri);
        this.generation.delete(doc.uri.toString());
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
    const analysis = analysisOf(doc.getText());
    // Data files are checked on disk only for saved specs (an untitled one has no folder to look in).
    const files = doc.uri.scheme === 'file' ? checkDataFiles(analysis, doc.uri.fsPath) : [];
    const engine = checkEngineSetting(analysis, trainingSettings(doc.uri).engine);
    const shown = [...analysis.diagnostics, ...files, ...engine].map((d) => toDiagnostic(doc, d));
    this.collection.set(doc.uri, shown);
    const key = doc.uri.toString();
    const generation = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, generation);
    if (doc.uri.scheme === 'file') void this.addInitialWeights(doc, analysis, shown, generation);
  }

  /** Adds the `initial_weights` file's problems once it is read, unless the document changed (or closed) meanwhile. */
  private async addInitialWeights(doc: vscode.TextDocument, analysis: Analysis, shown: vscode.Diagnostic[], generation: number): Promise<void> {
    const version = doc.version;
    const extra = await this.initialWeights.check(analysis, doc.uri.fsPath);
    if (!extra.length || doc.isClosed || doc.version !== version || this.generation.get(doc.uri.toString()) !== generation) return;
    this.collection.set(doc.uri, [...shown, ...extra.map((d) => toDiagnostic(doc, d))]);
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
