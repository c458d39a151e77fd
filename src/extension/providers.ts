/**
 * The language feature providers: thin adapters from the pure editor functions (text and
 * offsets in, offsets out) and the schema service (LSP types) to `vscode` objects.
 */
import * as vscode from 'vscode';
import * as editor from '../editor';
import { COMPLETION_KIND, DIAGNOSTIC_SOURCE, SYMBOL_KIND, fromLspCompletion, fromLspMarkup, fromLspRange, rangeAt } from './convert';
import { LANGUAGE_ID } from './language';
import type { SelectionRange } from 'vscode-json-languageservice';
import { SchemaFeatures } from './schemaFeatures';

/** Every scheme: the features only read the document's text, so they work in untitled and virtual documents too. */
const SELECTOR: vscode.DocumentSelector = { language: LANGUAGE_ID };

/** The settings that switch providers on and off. */
const SETTING = {
  inlayHints: 'modelSpec.inlayHints.enabled',
  codeLens: 'modelSpec.codeLens.enabled',
} as const;

function enabled(setting: string, document: vscode.TextDocument): boolean {
  return vscode.workspace.getConfiguration(undefined, document).get<boolean>(setting, true);
}

class CompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    return editor.completions(document.getText(), document.offsetAt(position)).map((c) => {
      const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
      item.insertText = c.snippet ? new vscode.SnippetString(c.insertText) : c.insertText;
      item.range = rangeAt(document, c.range.offset, c.range.length);
      if (c.detail !== undefined) item.detail = c.detail;
      if (c.documentation !== undefined) item.documentation = new vscode.MarkdownString(c.documentation);
      if (c.filterText !== undefined) item.filterText = c.filterText;
      if (c.sortText !== undefined) item.sortText = c.sortText;
      if (c.preselect !== undefined) item.preselect = c.preselect;
      return item;
    });
  }
}

/** Keys and values from the schema; the editor features never repeat these labels (their tests check it). */
class SchemaCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly schema: SchemaFeatures) {}

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const list = await this.schema.completions(document.getText(), document.offsetAt(position));
    return (list?.items ?? []).map(fromLspCompletion);
  }
}

/** One hover: ours (shapes, parameter arithmetic, Keras equivalents) first, then the schema's description, which ours never repeats. */
class HoverProvider implements vscode.HoverProvider {
  constructor(private readonly schema: SchemaFeatures) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const text = document.getText();
    const offset = document.offsetAt(position);
    const ours = editor.hover(text, offset);
    const described = await this.schema.hover(text, offset);
    const contents = [...(ours ? [new vscode.MarkdownString(ours.contents)] : []), ...(described ? [fromLspMarkup(described.contents)] : [])];
    if (!contents.length) return undefined;
    const range = ours ? rangeAt(document, ours.offset, ours.length) : described?.range && fromLspRange(described.range);
    return new vscode.Hover(contents, range);
  }
}

const FOLDING_KIND: Partial<Record<string, vscode.FoldingRangeKind>> = {
  comment: vscode.FoldingRangeKind.Comment,
  region: vscode.FoldingRangeKind.Region,
  imports: vscode.FoldingRangeKind.Imports,
};

class FoldingProvider implements vscode.FoldingRangeProvider {
  constructor(private readonly schema: SchemaFeatures) {}

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    return this.schema.foldingRanges(document.getText()).map((r) => new vscode.FoldingRange(r.startLine, r.endLine, r.kind === undefined ? undefined : FOLDING_KIND[r.kind]));
  }
}

class FormattingProvider implements vscode.DocumentFormattingEditProvider, vscode.DocumentRangeFormattingEditProvider {
  constructor(private readonly schema: SchemaFeatures) {}

  provideDocumentFormattingEdits(document: vscode.TextDocument, options: vscode.FormattingOptions): vscode.TextEdit[] {
    return this.format(document, undefined, options);
  }

  provideDocumentRangeFormattingEdits(document: vscode.TextDocument, range: vscode.Range, options: vscode.FormattingOptions): vscode.TextEdit[] {
    return this.format(document, range, options);
  }

  private format(document: vscode.TextDocument, range: vscode.Range | undefined, options: vscode.FormattingOptions): vscode.TextEdit[] {
    const lspRange = range && { start: { line: range.start.line, character: range.start.character }, end: { line: range.end.line, character: range.end.character } };
    return this.schema.format(document.getText(), lspRange, { tabSize: options.tabSize, insertSpaces: options.insertSpaces })
      .map((e) => vscode.TextEdit.replace(fromLspRange(e.range), e.newText));
  }
}

class SelectionRangeProvider implements vscode.SelectionRangeProvider {
  constructor(private readonly schema: SchemaFeatures) {}

  provideSelectionRanges(document: vscode.TextDocument, positions: vscode.Position[]): vscode.SelectionRange[] {
    const convert = (r: SelectionRange): vscode.SelectionRange => new vscode.SelectionRange(fromLspRange(r.range), r.parent && convert(r.parent));
    return this.schema.selectionRanges(document.getText(), positions.map((p) => document.offsetAt(p))).map(convert);
  }
}

/** Base for providers a setting turns off: they refresh when it changes. */
abstract class ToggledProvider implements vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<void>();
  private readonly listener: vscode.Disposable;

  constructor(protected readonly setting: string) {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(setting)) this.changed.fire();
    });
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}

class InlayHintsProvider extends ToggledProvider implements vscode.InlayHintsProvider {
  readonly onDidChangeInlayHints = this.changed.event;

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!enabled(this.setting, document)) return [];
    return editor.inlayHints(document.getText()).flatMap((h) => {
      const position = document.positionAt(h.offset);
      if (!range.contains(position)) return [];
      const hint = new vscode.InlayHint(position, h.label);
      hint.paddingLeft = true;
      if (h.tooltip !== undefined) hint.tooltip = new vscode.MarkdownString(h.tooltip);
      return [hint];
    });
  }
}

class CodeLensProvider extends ToggledProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!enabled(this.setting, document)) return [];
    return editor.codeLenses(document.getText()).map((l) => new vscode.CodeLens(rangeAt(document, l.offset, l.length), {
      title: l.title,
      command: l.command,
      // Every command of ours takes the spec's URI, so a lens acts on its own document even when another is active;
      // a variant's lens also names its variant.
      arguments: l.variant === undefined ? [document.uri] : [document.uri, l.variant],
      ...(l.tooltip === undefined ? {} : { tooltip: l.tooltip }),
    }));
  }
}

class CodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const offset = document.offsetAt(range.start);
    const length = document.offsetAt(range.end) - offset;
    return editor.codeActions(document.getText(), offset, length).map((a) => {
      const action = new vscode.CodeAction(a.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      for (const e of a.edits) action.edit.replace(document.uri, rangeAt(document, e.offset, e.length), e.newText);
      if (a.isPreferred !== undefined) action.isPreferred = a.isPreferred;
      // Attaching the diagnostic lets VS Code list the fix on that problem (Problems panel, lightbulb, Ctrl+.).
      const target = a.diagnosticRange && rangeAt(document, a.diagnosticRange.offset, a.diagnosticRange.length);
      const fixed = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && d.code === a.diagnosticCode && target !== undefined && d.range.isEqual(target));
      if (fixed.length) action.diagnostics = fixed;
      return action;
    });
  }
}

function toSymbol(document: vscode.TextDocument, s: editor.DocumentSymbol): vscode.DocumentSymbol {
  const range = rangeAt(document, s.offset, s.length);
  const selection = rangeAt(document, s.selectionOffset, s.selectionLength);
  // VS Code rejects the whole outline if one selection range leaves its symbol's range.
  const symbol = new vscode.DocumentSymbol(s.name, s.detail ?? '', SYMBOL_KIND[s.kind], range, range.contains(selection) ? selection : range);
  symbol.children = s.children.map((c) => toSymbol(document, c));
  return symbol;
}

class SymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    return editor.documentSymbols(document.getText()).map((s) => toSymbol(document, s));
  }
}

/** Registers every language feature provider for `modelspec` documents. */
export function registerProviders(context: vscode.ExtensionContext): void {
  const schemaFile = vscode.Uri.joinPath(context.extensionUri, 'schemas', 'model-spec.editor.schema.json');
  const schema = new SchemaFeatures(async () => new TextDecoder().decode(await vscode.workspace.fs.readFile(schemaFile)));
  const inlayHints = new InlayHintsProvider(SETTING.inlayHints);
  const codeLens = new CodeLensProvider(SETTING.codeLens);
  const formatting = new FormattingProvider(schema);
  context.subscriptions.push(
    inlayHints,
    codeLens,
    // `"` and `:` start a value or key, like the JSON language server's triggers.
    vscode.languages.registerCompletionItemProvider(SELECTOR, new CompletionProvider(), '"', ':'),
    vscode.languages.registerCompletionItemProvider(SELECTOR, new SchemaCompletionProvider(schema), '"', ':'),
    vscode.languages.registerHoverProvider(SELECTOR, new HoverProvider(schema)),
    vscode.languages.registerInlayHintsProvider(SELECTOR, inlayHints),
    vscode.languages.registerCodeLensProvider(SELECTOR, codeLens),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new CodeActionProvider(), { providedCodeActionKinds: CodeActionProvider.kinds }),
    vscode.languages.registerDocumentSymbolProvider(SELECTOR, new SymbolProvider(), { label: 'Model Spec' }),
    vscode.languages.registerFoldingRangeProvider(SELECTOR, new FoldingProvider(schema)),
    vscode.languages.registerDocumentFormattingEditProvider(SELECTOR, formatting),
    vscode.languages.registerDocumentRangeFormattingEditProvider(SELECTOR, formatting),
    vscode.languages.registerSelectionRangeProvider(SELECTOR, new SelectionRangeProvider(schema)),
  );
}
