// JSON Schema documents generated from the zod schemas (see bin/schema.ts), for editors:
// yaml-language-server reads them through the `# yaml-language-server: $schema=...`
// modeline on the first line of roster.yaml and site.yaml. Draft-07, the draft that
// yaml-language-server supports in full. Descriptions come from the zod schemas'
// `.describe()` / `.meta()`; each pattern also carries `patternErrorMessage`, the same
// worded rule `validate` prints, so the editor never shows a raw regex either.
// The test suite compares the output with the committed files so a stale schema fails CI.
import { z } from 'zod';
import { Roster } from './roster-schema';
import { Site } from './site-schema';

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

export function schemaFiles(): { file: string; content: string }[] {
  return [
    { file: 'roster/roster.schema.json', content: render(Roster, 'devvm-workstations roster') },
    { file: 'roster/site.schema.json', content: render(Site, 'devvm-workstations site') },
  ];
}

function render(schema: z.ZodType, title: string): string {
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    // io: 'input' so keys with defaults are optional for the person writing the file.
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (typeof jsonSchema.pattern === 'string') {
        const message = patternRule(zodSchema as unknown as z.ZodType);
        if (message) jsonSchema.patternErrorMessage = message;
      }
    },
  });
  const { $schema: _draft, ...rest } = json;
  return `${JSON.stringify({ $schema: JSON_SCHEMA_DRAFT, title, ...rest }, null, 2)}\n`;
}

/** The worded message of a pattern rule: what the schema says for a value no pattern accepts. */
function patternRule(schema: z.ZodType): string | undefined {
  const result = schema.safeParse('\u0001');
  return result.success ? undefined : result.error.issues.find((i) => i.code === 'invalid_format')?.message;
}
