// The committed JSON Schemas (for editors) must match the zod schemas the loader uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../../src/roster/json-schema';
import { REPO_ROOT } from '../support/inputs';
import { readLiveInput } from '../support/live-inputs-guard';

test.each(schemaFiles().map((f) => [f.file, f.content]))('%s is up to date (run `npm run schema`)', (file, content) => {
  expect(readFileSync(join(REPO_ROOT, file), 'utf8')).toBe(content);
});

// The one check of the live files under jest: their first line, which no roster edit
// touches (editors need it to find the schema). Their content is checked by `validate` in CI.
test('the roster and site files reference their schema on the first line', () => {
  expect(readLiveInput('roster/roster.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=./roster.schema.json');
  expect(readLiveInput('roster/site.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=./site.schema.json');
});
