/**
 * After a run, its training-health warnings as problems on the spec (source "Model Spec
 * health", code = the health code), each with its fix as a quick fix, until the spec changes.
 * Thin glue over src/editor/healthDiagnostics.ts and src/editor/healthFix.ts.
 */
import * as vscode from 'vscode';
import { healthProblems, type RunHealth } from '../editor/healthDiagnostics';
import { healthFixEdits } from '../editor/healthFix';
import type { HealthFix } from '../core/health/types';
import type { TrainerOutcome } from '../host/trainerClient';
import { rangeAt } from './convert';
import { LANGUAGE_ID } from './language';
import type { TrainingListener } from './training';

/** The `source` of the health problems; the quick fixes match on it. */
export const HEALTH_SOURCE = 'Model Spec health';

/** The health problems of the documents trained last, and their fixes. */
export class HealthDiagnostics implements vscode.Disposable, vscode.CodeActionProvider, TrainingListener {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('modelspec-health');
  private readonly fixes = new Map<string, Map<vscode.Diagnostic, HealthFix>>();
  private readonly disposables: vscode.Disposable[] = [
    this.collection,
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length) this.clear(e.document.uri); }),
    vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
    vscode.languages.registerCodeActionsProvider({ language: LANGUAGE_ID }, this, { providedCodeActionKinds: HealthDiagnostics.kinds }),
  ];

  /** A new training of the spec: the last one's problems go. */
  onTrainingStart(specUri: vscode.Uri): void {
    this.clear(specUri);
  }

  onMessage(): void {}

  /** Shows the runs' warnings on the spec they trained, if it is open and unchanged since training started. */
  onTrainingDone(specUri: vscode.Uri, specText: string, outcomes: readonly { variant: string | undefined; outcome: TrainerOutcome }[]): void {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === specUri.toString());
    this.clear(specUri);
    if (!doc || doc.getText() !== specText) return;
    const runs: RunHealth[] = outcomes.flatMap(({ variant, outcome }) => {
      const diagnoses = outcome.result?.health?.diagnoses;
      return diagnoses ? [{ ...(variant === undefined ? {} : { variant }), diagnoses }] : [];
    });
    const fixes = new Map<vscode.Diagnostic, HealthFix>();
    const list = healthProblems(specText, runs).map((p) => {
      const d = new vscode.Diagnostic(rangeAt(doc, p.offset, p.length), p.message, vscode.DiagnosticSeverity.Warning);
      d.source = HEALTH_SOURCE;
      d.code = p.code;
      if (p.fix) fixes.set(d, p.fix);
      return d;
    });
    this.fixes.set(specUri.toString(), fixes);
    this.collection.set(specUri, list);
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const fixes = this.fixes.get(document.uri.toString());
    if (!fixes) return [];
    return context.diagnostics.flatMap((d) => {
      const fix = d.source === HEALTH_SOURCE ? [...fixes].find(([k]) => k.code === d.code && k.range.isEqual(d.range) && k.message === d.message)?.[1] : undefined;
      if (!fix) return [];
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      for (const e of healthFixEdits(document.getText(), fix)) action.edit.replace(document.uri, rangeAt(document, e.offset, e.length), e.newText);
      action.diagnostics = [d];
      action.isPreferred = true;
      return [action];
    });
  }

  private clear(uri: vscode.Uri): void {
    if (!this.fixes.delete(uri.toString())) return;
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
