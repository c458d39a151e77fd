/**
 * What the JSON schema gives a spec in the editor (key and value completion, descriptions on
 * hover, folding, formatting, selection ranges), from `vscode-json-languageservice` running in
 * the extension host. Free of `vscode`: the adapters in providers.ts convert the results.
 *
 * Why not VS Code's JSON language server through `jsonLanguageParticipants`: its `comments`
 * flag is not implemented server-side (VS Code 1.139), so every comment in a spec became a
 * "Comments are not permitted in JSON" error, and the server also validated against the
 * spec's `$schema`, duplicating our diagnostics. Here validation stays ours alone.
 */
import {
  getLanguageService, TextDocument,
  type CompletionList, type FoldingRange, type FormattingOptions, type Hover, type LanguageService, type Range, type SelectionRange, type TextEdit,
} from 'vscode-json-languageservice';

/**
 * Every spec is given to the service under this one URI, so the schema association is one
 * fixed pattern whatever the real URI (`untitled:`, virtual file systems) looks like.
 */
const SPEC_URI = 'modelspec://editor/spec.model.json';
const SCHEMA_URI = 'modelspec://schemas/model-spec.editor.schema.json';
/** `$schema` values naming our schema (the examples point at the strict one): served the editor variant. */
const OUR_SCHEMA = /(^|\/)model-spec(\.editor)?\.schema\.json$/;

/** The schema-driven JSON features of the spec text. Positions are LSP line/character pairs. */
export class SchemaFeatures {
  private readonly service: LanguageService;

  /** `loadSchema` reads the editor schema's text; it is called once, on the first request that needs it. */
  constructor(loadSchema: () => Promise<string>) {
    let schema: Promise<string> | undefined;
    this.service = getLanguageService({
      schemaRequestService: (uri) => (uri === SCHEMA_URI || OUR_SCHEMA.test(uri)
        ? (schema ??= loadSchema())
        : Promise.reject(new Error(`Model specs use the Model Spec schema; ${uri} is not loaded.`))),
      clientCapabilities: { textDocument: { completion: { completionItem: { documentationFormat: ['markdown', 'plaintext'] } } } },
    });
    this.service.configure({ validate: false, allowComments: true, schemas: [{ uri: SCHEMA_URI, fileMatch: ['*.model.json'] }] });
  }

  private parse(text: string): { doc: TextDocument; json: ReturnType<LanguageService['parseJSONDocument']> } {
    const doc = TextDocument.create(SPEC_URI, 'jsonc', 1, text);
    return { doc, json: this.service.parseJSONDocument(doc) };
  }

  /** Keys and values the schema allows at `offset`. */
  async completions(text: string, offset: number): Promise<CompletionList | null> {
    const { doc, json } = this.parse(text);
    return this.service.doComplete(doc, doc.positionAt(offset), json);
  }

  /** The schema's description of the key or value at `offset`. */
  async hover(text: string, offset: number): Promise<Hover | null> {
    const { doc, json } = this.parse(text);
    return this.service.doHover(doc, doc.positionAt(offset), json);
  }

  /** Objects, arrays, block comments and `// #region`s. */
  foldingRanges(text: string): FoldingRange[] {
    return this.service.getFoldingRanges(this.parse(text).doc, { rangeLimit: 5000 });
  }

  /** Edits that format the whole text, or only `range`. */
  format(text: string, range: Range | undefined, options: FormattingOptions): TextEdit[] {
    return this.service.format(this.parse(text).doc, range, options);
  }

  /** Smart-select ranges (string, property, object, ...) around each offset. */
  selectionRanges(text: string, offsets: number[]): SelectionRange[] {
    const { doc, json } = this.parse(text);
    return this.service.getSelectionRanges(doc, offsets.map((o) => doc.positionAt(o)), json);
  }
}
