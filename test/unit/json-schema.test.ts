// The committed JSON Schemas (for editors) must match the zod schemas the loader uses,
// be draft-07 (yaml-language-server's full level) and describe every key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../../src/roster/json-schema';
import { REPO_ROOT } from '../support/inputs';
import { readLiveInput } from '../support/live-inputs-guard';

type Json = { [key: string]: unknown };
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

test.each(schemaFiles().map((f) => [f.file, f.content]))('%s is up to date (run `npm run schema`)', (file, content) => {
  expect(readFileSync(join(REPO_ROOT, file), 'utf8')).toBe(content);
});

test.each(schemaFiles().map((f) => [f.file, JSON.parse(f.content) as Json]))('%s is a draft-07 schema', (_file, schema) => {
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  // Keywords of later drafts that a draft-07 reader ignores or rejects.
  expect(JSON.stringify(schema)).not.toMatch(/"\$(defs|dynamicRef|dynamicAnchor)"|"prefixItems"|"unevaluated(Properties|Items)"|"dependentRequired"/);
});

/** Every key a person can write, with its schema: properties, record keys and values, list items. */
function keys(schema: Json, path: string, out: [string, Json][] = []): [string, Json][] {
  const visit = (node: unknown, p: string) => {
    if (!isObj(node)) return;
    if (isObj(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        out.push([p ? `${p}.${key}` : key, child as Json]);
        visit(child, p ? `${p}.${key}` : key);
      }
    }
    if (isObj(node.propertyNames)) out.push([`${p}.<key>`, node.propertyNames]);
    if (isObj(node.additionalProperties)) {
      out.push([`${p}.<key>:`, node.additionalProperties]);
      visit(node.additionalProperties, `${p}.<key>`);
    }
    if (isObj(node.items)) visit(node.items, `${p}[]`);
    for (const alt of [...((node.anyOf as unknown[]) ?? []), ...((node.oneOf as unknown[]) ?? [])]) visit(alt, p);
  };
  visit(schema, path);
  return out;
}

describe.each(schemaFiles().map((f) => [f.file, JSON.parse(f.content) as Json]))('%s', (_file, schema) => {
  const all = keys(schema, '');

  test('the walk sees every key (not vacuous)', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  test('the document and every key have a description', () => {
    expect(typeof schema.description).toBe('string');
    const missing = all.filter(([, s]) => typeof s.description !== 'string' || (s.description as string).length < 10).map(([p]) => p);
    expect(missing).toEqual([]);
  });

  test('every pattern says its rule in words (patternErrorMessage), as validate does', () => {
    const patterns: [string, Json][] = [];
    const collect = (node: unknown, p: string) => {
      if (Array.isArray(node)) node.forEach((n, i) => collect(n, `${p}/${i}`));
      if (!isObj(node)) return;
      if (typeof node.pattern === 'string') patterns.push([p, node]);
      for (const [k, v] of Object.entries(node)) collect(v, `${p}/${k}`);
    };
    collect(schema, '');
    expect(patterns.length).toBeGreaterThan(3);
    expect(patterns.filter(([, n]) => typeof n.patternErrorMessage !== 'string').map(([p]) => p)).toEqual([]);
  });
});

test('the roster schema shows the defaults and examples an editor offers', () => {
  const [roster, site] = schemaFiles().map((f) => JSON.parse(f.content));
  const person = roster.properties.people.additionalProperties;
  expect(person.properties.workstation.properties.code_layout.default).toBe('single');
  expect(person.properties.workstation.properties.memory_max.examples).toEqual(['12G']);
  expect(site.properties.capacity.properties.swap.default).toBe('8G');
  expect(site.properties.devvm.properties.port.default).toBe(22);
});

// The one check of the live files under jest: their first line, which no roster edit
// touches (editors need it to find the schema). Their content is checked by `validate` in CI.
test('the roster and site files reference their schema on the first line', () => {
  expect(readLiveInput('roster/roster.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=./roster.schema.json');
  expect(readLiveInput('roster/site.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=./site.schema.json');
});
