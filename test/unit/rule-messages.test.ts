// Every pattern rule of the roster and the site speaks in words: a person fixing a value
// reads "must start with a letter or digit and contain only ...", never a raw regex.
// The schemas are walked, so a pattern added later without a worded message fails here.
import { z } from 'zod';
import { Roster } from '../../src/roster/roster-schema';
import { Site } from '../../src/roster/site-schema';

interface PatternRule {
  readonly path: string;
  readonly schema: z.ZodType;
}

/** Every schema node carrying a regex check, with where it sits. */
function patternRules(node: z.ZodType, path: string, out: PatternRule[] = []): PatternRule[] {
  const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
  const checks = (def.checks ?? []) as { _zod: { def: { check: string; format?: string } } }[];
  if (checks.some((c) => c._zod.def.format === 'regex')) out.push({ path, schema: node });
  const child = (n: unknown, p: string) => patternRules(n as z.ZodType, p, out);
  switch (def.type) {
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) child(value, path ? `${path}.${key}` : key);
      break;
    case 'record':
      child(def.keyType, `${path}.<key>`);
      child(def.valueType, `${path}.<value>`);
      break;
    case 'array':
      child(def.element, `${path}[]`);
      break;
    case 'optional': case 'default': case 'prefault': case 'nullable':
      child(def.innerType, path);
      break;
    case 'pipe':
      child(def.in, path);
      break;
    case 'union':
      for (const option of def.options as unknown[]) child(option, path);
      break;
  }
  return out;
}

// A value no pattern of this project accepts: a control character.
const BAD = '\u0001 x';
// What a regex looks like in a message: anchors, character classes, quantifier braces, escapes.
const REGEX_LIKE = /[\^[\]{}\\]|\$$/;

const rules = [...patternRules(Roster, ''), ...patternRules(Site, '')];

test('the walk finds the pattern rules (so the test below is not vacuous)', () => {
  expect(rules.map((r) => r.path)).toEqual(expect.arrayContaining([
    'people.<key>', 'people.<value>.authentik_user', 'people.<value>.namespaces[]',
    'people.<value>.workstation.repos[]', 'people.<value>.workstation.memory_max',
    'infra_repo.url', 'infra_repo.default_branch', 'devvm.login_shell', 'oidc.username_prefix',
  ]));
  expect(rules.length).toBeGreaterThan(30);
});

test.each(rules.map((r) => [r.path, r.schema] as const))('%s states its rule in words', (_path, schema) => {
  const result = schema.safeParse(BAD);
  expect(result.success).toBe(false);
  for (const issue of result.error!.issues) {
    expect(issue.message).not.toMatch(REGEX_LIKE);
    expect(issue.message).toMatch(/^(must|may|is) /);
  }
});
