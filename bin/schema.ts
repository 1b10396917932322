// npm run schema: JSON Schemas for editors (yaml-language-server), generated from the
// zod schemas so the editor and the loader can never disagree.
import { writeFileSync } from 'node:fs';
import { schemaFiles } from '../src/roster/json-schema';

const HELP = `usage: npm run schema

Regenerates roster/roster.schema.json and roster/site.schema.json (JSON Schema draft-07)
from the zod schemas in src/roster/. Editors pick them up through the first line of
roster.yaml and site.yaml: # yaml-language-server: $schema=./<name>.schema.json
A unit test fails while the committed files are stale.
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else if (args.length > 0) {
  process.stderr.write(`error: unexpected argument ${args[0]} (see --help)\n`);
  process.exitCode = 2;
} else {
  for (const { file, content } of schemaFiles()) {
    writeFileSync(file, content);
    process.stdout.write(`wrote ${file}\n`);
  }
}
