/**
 * Offsets and LSP results to `vscode` objects: the only place where the editor features'
 * offset-based results and the schema service's LSP types meet the editor's own.
 */
import * as vscode from 'vscode';
import type { Diagnostic as CoreDiagnostic, Severity } from '../core/diagnostics';
import type { CompletionKind, SymbolKind as CoreSymbolKind } from '../editor';
import * as lsp from 'vscode-json-languageservice';

/** The `source` of every diagnostic we publish; code actions match on it. */
export const DIAGNOSTIC_SOURCE = 'modelspec';

/** The range of `length` characters at `offset` in `document`. */
export function rangeAt(document: vscode.TextDocument, offset: number, length: number): vscode.Range {
  return new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** A core diagnostic as a `vscode.Diagnostic`. The core already prefixes variant problems with `Variant "name":`. */
export function toDiagnostic(document: vscode.TextDocument, d: CoreDiagnostic): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(rangeAt(document, d.offset, d.length), d.message, SEVERITY[d.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = d.code;
  // Keras ignores it, so the editor fades it like unused code.
  if (d.code === 'ignored-input-shape') diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
  return diagnostic;
}

/** A `Record` over every kind, so a new kind in the editor types fails to compile here until mapped. */
export const COMPLETION_KIND: Record<CompletionKind, vscode.CompletionItemKind> = {
  layer: vscode.CompletionItemKind.Class,
  argument: vscode.CompletionItemKind.Property,
  activation: vscode.CompletionItemKind.Function,
  initializer: vscode.CompletionItemKind.Constructor,
  regularizer: vscode.CompletionItemKind.Constructor,
  optimizer: vscode.CompletionItemKind.Module,
  loss: vscode.CompletionItemKind.Function,
  metric: vscode.CompletionItemKind.Function,
  callback: vscode.CompletionItemKind.Event,
  dataset: vscode.CompletionItemKind.Reference,
  value: vscode.CompletionItemKind.Value,
  snippet: vscode.CompletionItemKind.Snippet,
};

/** Outline icons per symbol kind. */
export const SYMBOL_KIND: Record<CoreSymbolKind, vscode.SymbolKind> = {
  model: vscode.SymbolKind.Module,
  layer: vscode.SymbolKind.Class,
  callback: vscode.SymbolKind.Event,
  variant: vscode.SymbolKind.EnumMember,
  section: vscode.SymbolKind.Namespace,
  field: vscode.SymbolKind.Field,
};

/** An LSP position or range (from vscode-json-languageservice) as a `vscode` one. */
export function fromLspRange(r: lsp.Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** LSP markup, or the older marked strings, as one `MarkdownString`. */
export function fromLspMarkup(content: lsp.MarkupContent | lsp.MarkedString | lsp.MarkedString[] | string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  for (const part of Array.isArray(content) ? content : [content]) {
    if (typeof part === 'string') md.appendMarkdown(part);
    else if ('kind' in part) {
      if (part.kind === 'markdown') md.appendMarkdown(part.value);
      else md.appendText(part.value);
    } else md.appendCodeblock(part.value, part.language);
  }
  return md;
}

/** A schema completion as a `vscode.CompletionItem` (LSP kinds are `vscode` kinds plus one). */
export function fromLspCompletion(item: lsp.CompletionItem): vscode.CompletionItem {
  const out = new vscode.CompletionItem(item.label, item.kind === undefined ? undefined : item.kind - 1);
  const snippet = item.insertTextFormat === lsp.InsertTextFormat.Snippet;
  const edit = item.textEdit;
  const text = edit ? edit.newText : item.insertText ?? item.label;
  out.insertText = snippet ? new vscode.SnippetString(text) : text;
  if (edit) out.range = 'range' in edit ? fromLspRange(edit.range) : { inserting: fromLspRange(edit.insert), replacing: fromLspRange(edit.replace) };
  if (item.detail !== undefined) out.detail = item.detail;
  if (item.documentation !== undefined) out.documentation = fromLspMarkup(item.documentation);
  if (item.filterText !== undefined) out.filterText = item.filterText;
  if (item.sortText !== undefined) out.sortText = item.sortText;
  // After a key, the service asks to suggest again so its values appear at once.
  if (item.command) out.command = { command: item.command.command, title: item.command.title };
  return out;
}
