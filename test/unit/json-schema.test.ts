// The committed JSON Schemas (for editors) must match the zod schemas the loader uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../../src/roster/json-schema';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, REPO_ROOT } from '../support/inputs';

test.each(schemaFiles().map((f) => [f.file, f.content]))('%s is up to date (run `npm run schema`)', (file, content) => {
  expect(readFileSync(join(REPO_ROOT, file), 'utf8')).toBe(content);
});

test('the roster and site files reference their schema on the first line', () => {
  expect(EXAMPLE_ROSTER_TEXT.split('\n')[0]).toBe('# yaml-language-server: $schema=./roster.schema.json');
  expect(EXAMPLE_SITE_TEXT.split('\n')[0]).toBe('# yaml-language-server: $schema=./site.schema.json');
});
