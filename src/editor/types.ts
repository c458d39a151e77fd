/**
 * Results of the pure editor features. Everything is in offsets into the spec's text; the
 * extension's thin adapters turn offsets into `vscode` ranges. Nothing here imports `vscode`.
 */

/** A replacement of `length` characters at `offset` with `newText`. */
export interface TextEdit {
  offset: number;
  length: number;
  newText: string;
}

export type CompletionKind =
  | 'layer' | 'argument' | 'activation' | 'initializer' | 'regularizer' | 'optimizer'
  | 'loss' | 'metric' | 'callback' | 'dataset' | 'value' | 'snippet';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line shown beside the label (e.g. `Dense layer`, `default: "glorot_uniform"`). */
  detail?: string;
  /** Markdown shown in the details pane. */
  documentation?: string;
  /** The text that replaces `range`; a snippet with `${1:...}` placeholders when `snippet`. */
  insertText: string;
  snippet?: boolean;
  /** The range the item replaces (for a string value: the whole string token, quotes included). */
  range: { offset: number; length: number };
  /** Text the client filters on when it differs from the label (e.g. the quoted label). */
  filterText?: string;
  sortText?: string;
  preselect?: boolean;
}

export interface Hover {
  /** Markdown. */
  contents: string;
  offset: number;
  length: number;
}

export interface InlayHint {
  /** Where the hint is drawn (after the layer object's closing brace). */
  offset: number;
  label: string;
  tooltip?: string;
}

export interface CodeLensInfo {
  offset: number;
  length: number;
  title: string;
  /** A command id contributed by the extension, e.g. `modelSpec.showSummary`. */
  command: string;
  tooltip?: string;
  /** The variant the command is for (the lenses above each variant); absent: the whole spec. */
  variant?: string;
}

export interface CodeAction {
  title: string;
  /** The diagnostic code this fixes, if any (matches `Diagnostic.code`). */
  diagnosticCode?: string;
  /** Offset/length of the diagnostic it fixes, so adapters can attach it. */
  diagnosticRange?: { offset: number; length: number };
  edits: TextEdit[];
  isPreferred?: boolean;
}

export type SymbolKind = 'model' | 'layer' | 'callback' | 'variant' | 'section' | 'field';

export interface DocumentSymbol {
  name: string;
  detail?: string;
  kind: SymbolKind;
  /** The whole node (property and value). */
  offset: number;
  length: number;
  /** The part to reveal and highlight (the key or the name). */
  selectionOffset: number;
  selectionLength: number;
  children: DocumentSymbol[];
}
