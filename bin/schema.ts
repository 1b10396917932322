// npm run schema: JSON Schemas for editors (yaml-language-server), generated from the
// zod schemas so the editor and the loader can never disagree.
import { writeFileSync } from 'node:fs';
import { schemaFiles } from '../src/roster/json-schema';

for (const { file, content } of schemaFiles()) {
  writeFileSync(file, content);
  process.stdout.write(`wrote ${file}\n`);
}
