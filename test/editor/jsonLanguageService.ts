/**
 * VS Code's JSON language service (the library its JSON support runs) loaded with the shipped
 * editor schema, as the extension's `jsonValidation` contributes it for `*.model.json`.
 */
import * as fs from 'fs';
import { ClientCapabilities, getLanguageService, TextDocument, type CompletionItem, type Diagnostic, type JSONSchema } from 'vscode-json-languageservice';
import { EDITOR_SCHEMA_FILE, SCHEMA_FILE } from '../../scripts/generateSchema';

const URI = 'file:///work/spec.model.json';

function service(file: string): ReturnType<typeof getLanguageService> {
  const ls = getLanguageService({ clientCapabilities: ClientCapabilities.LATEST });
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as JSONSchema;
  ls.configure({ validate: true, allowComments: true, schemas: [{ uri: String(schema.$id), fileMatch: ['*.model.json'], schema }] });
  return ls;
}

/** The service with the editor schema, and one with the strict schema to compare with. */
export const editorJson = service(EDITOR_SCHEMA_FILE);
export const strictJson = service(SCHEMA_FILE);

function open(text: string): TextDocument {
  return TextDocument.create(URI, 'jsonc', 1, text);
}

/** JSON completion at `offset`. */
export async function jsonCompletions(text: string, offset: number, ls = editorJson): Promise<CompletionItem[]> {
  const doc = open(text);
  const list = await ls.doComplete(doc, doc.positionAt(offset), ls.parseJSONDocument(doc));
  return list?.items ?? [];
}

/** JSON validation problems, as VS Code reports them for a JSONC document. */
export async function jsonDiagnostics(text: string, ls = editorJson): Promise<Diagnostic[]> {
  const doc = open(text);
  return ls.doValidation(doc, ls.parseJSONDocument(doc), { comments: 'ignore', trailingCommas: 'ignore' });
}

/** The JSON hover's markdown at `offset`, or '' when it has none. */
export async function jsonHover(text: string, offset: number, ls = editorJson): Promise<string> {
  const doc = open(text);
  const h = await ls.doHover(doc, doc.positionAt(offset), ls.parseJSONDocument(doc));
  const contents = h?.contents;
  return Array.isArray(contents) ? contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n') : typeof contents === 'string' ? contents : contents?.value ?? '';
}

/** A label as a user sees it: JSON completion quotes string values (`"relu"`). */
export function bareLabel(item: { label: string }): string {
  return item.label.replace(/^"(.*)"$/, '$1');
}
