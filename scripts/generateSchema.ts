/**
 * Writes the two schemas from the registry (`npm run schema`): the strict
 * schemas/model-spec.schema.json and the editor's schemas/model-spec.editor.schema.json.
 */
import * as path from 'path';
import { writeFileAtomic } from '../src/core/atomicWrite';
import { generateSchema, type SchemaOptions } from '../src/core/schema';

const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');
export const SCHEMA_FILE = path.join(SCHEMAS_DIR, 'model-spec.schema.json');
export const EDITOR_SCHEMA_FILE = path.join(SCHEMAS_DIR, 'model-spec.editor.schema.json');

/** A schema file's exact text. */
export function schemaText(options: SchemaOptions = {}): string {
  return JSON.stringify(generateSchema(options), null, 2) + '\n';
}

if (require.main === module) {
  for (const [file, options] of [[SCHEMA_FILE, {}], [EDITOR_SCHEMA_FILE, { editor: true }]] as const) {
    writeFileAtomic(file, schemaText(options));
    console.log(`Wrote ${path.relative(process.cwd(), file)}`);
  }
}
