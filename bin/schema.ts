// npm run schema: JSON Schemas for editors (yaml-language-server), generated from the
// zod schemas so the editor and the loader can never disagree.   (--help)
import { schemaFiles } from '../src/roster/json-schema';
import { SCHEMA } from '../src/cli/commands';
import { UsageError } from '../src/roster/load';
import { writeFileSync } from 'node:fs';
import { runCommand } from './cli';

runCommand(SCHEMA, () => {
  for (const { file, content } of schemaFiles()) {
    try {
      writeFileSync(file, content);
    } catch (err) {
      throw new UsageError(`cannot write ${file}: ${(err as Error).message}`);
    }
    process.stdout.write(`wrote ${file}\n`);
  }
});
