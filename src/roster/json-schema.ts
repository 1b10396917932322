// JSON Schema documents generated from the zod schemas (see bin/schema.ts). The test
// suite compares them with the committed files so a stale schema fails CI.
import { z } from 'zod';
import { Roster } from './roster-schema';
import { Site } from './site-schema';

export function schemaFiles(): { file: string; content: string }[] {
  return [
    { file: 'roster/roster.schema.json', content: render(Roster, 'devvm-workstations roster') },
    { file: 'roster/site.schema.json', content: render(Site, 'devvm-workstations site') },
  ];
}

function render(schema: z.ZodType, title: string): string {
  // io: 'input' so keys with defaults are optional for the person writing the file.
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...json, title }, null, 2)}\n`;
}
