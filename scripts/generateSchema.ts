/** Writes schemas/model-spec.schema.json from the registry (`npm run schema`). */
import * as path from 'path';
import { writeFileAtomic } from '../src/core/atomicWrite';
import { generateSchema } from '../src/core/schema';

export const SCHEMA_FILE = path.join(__dirname, '..', '..', 'schemas', 'model-spec.schema.json');

/** The schema file's exact text. */
export function schemaText(): string {
  return JSON.stringify(generateSchema(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileAtomic(SCHEMA_FILE, schemaText());
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
