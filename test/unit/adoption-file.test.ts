// The adoption file (site migration.adoption_file): validated like the roster, with
// file:line:col problems at the line to edit; loadInputs reads it next to the site file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAdoption } from '../../src/roster/adoption';
import { InvalidInputError, formatProblem } from '../../src/roster/problems';
import { loadInputs } from '../../src/roster/load';
import type { MigrationMode } from '../../src/roster/site-schema';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs, yaml } from '../support/inputs';

const { roster, site } = exampleInputs();
/** The example site owns every plane; `vault` overrides the Vault plane's mode. */
const problems = (text: string, vault: MigrationMode = site.migration.vault) =>
  parseAdoption('roster/adoption.yaml', text, { ...site, migration: { ...site.migration, vault } }, roster).problems.map(formatProblem);

test('a valid file: group pks and the vault section the vault plane fills', () => {
  const r = parseAdoption('roster/adoption.yaml', yaml`
    version: 1
    authentik:
      groups:
        T3 Users: 5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27
    vault:
      emo: { entity_id: 0b6d1d8e-6a4e-4f5c-8f3e-2d9d7c1a0b11, alias_id: 7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b }
  `, site, roster);
  expect(r.ok && r.value).toEqual({
    version: 1,
    authentik: { groups: { 'T3 Users': '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27' } },
    vault: { emo: { entity_id: '0b6d1d8e-6a4e-4f5c-8f3e-2d9d7c1a0b11', alias_id: '7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b' } },
  });
});

test('every problem at its line: a bad UUID, a group the site does not manage, a person not in the roster, an unknown key', () => {
  expect(problems(yaml`
    version: 1
    authentik:
      groups:
        kubernetes-admins: not-a-uuid
        Other Group: 5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27
    vault:
      zoe: { entity_id: 0b6d1d8e-6a4e-4f5c-8f3e-2d9d7c1a0b11 }
      emo: {}
    kubernetes: {}
  `, 'adopt')).toEqual([
    'roster/adoption.yaml:4:24 authentik.groups.kubernetes-admins: must be a UUID in lowercase hex (8-4-4-4-12 digits), as the API prints it, got "not-a-uuid"',
    "roster/adoption.yaml:5:5 authentik.groups.Other Group: is not one of the site's authentik.groups (kubernetes-admins, kubernetes-power-users, kubernetes-namespace-owners, T3 Users)",
    'roster/adoption.yaml:7:3 vault.zoe: is not a person of the roster',
    'roster/adoption.yaml:8:8 vault.emo: must give entity_id, alias_id or both, got a mapping',
    'roster/adoption.yaml:9:1 kubernetes: unknown key "kubernetes" (known keys: version, authentik, vault)',
  ]);
});

describe('migration.vault own imports a recorded identity: both IDs, at the line to edit', () => {
  const file = yaml`
    version: 1
    vault:
      emo:
        entity_id: 0b6d1d8e-6a4e-4f5c-8f3e-2d9d7c1a0b11
      ancamilea: { alias_id: 7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b }
      gheorghe: {}
      wizard: { entity_id: 0b6d1d8e-6a4e-4f5c-8f3e-2d9d7c1a0b12, alias_id: 7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5c }
  `;

  test('own: every record lacking an ID is a problem naming the key to add (no "at least one" echo)', () => {
    expect(problems(file, 'own')).toEqual([
      'roster/adoption.yaml:3:3 vault.emo: migration.vault is own: importing this identity needs both entity_id and alias_id; add alias_id',
      'roster/adoption.yaml:5:3 vault.ancamilea: migration.vault is own: importing this identity needs both entity_id and alias_id; add entity_id',
      'roster/adoption.yaml:6:3 vault.gheorghe: migration.vault is own: importing this identity needs both entity_id and alias_id; add entity_id and alias_id',
    ]);
  });

  test('observe and adopt look an identity up: either ID is enough', () => {
    const lookups = file.replace(/ *gheorghe: \{\}\n/, '');
    expect(problems(lookups, 'adopt')).toEqual([]);
    expect(problems(lookups, 'observe')).toEqual([]);
  });
});

describe('loadInputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-adoption-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const siteText = `${EXAMPLE_SITE_TEXT.replace(/\nmigration:[\s\S]*$/, '\n')}migration:\n  authentik: adopt\n  adoption_file: adoption.yaml\n`;
  writeFileSync(join(dir, 'site.yaml'), siteText);
  writeFileSync(join(dir, 'roster.yaml'), EXAMPLE_ROSTER_TEXT);

  test('reads the file next to the site file', () => {
    writeFileSync(join(dir, 'adoption.yaml'), 'version: 1\nauthentik: { groups: { T3 Users: 5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27 } }\n');
    const inputs = loadInputs(join(dir, 'roster.yaml'), join(dir, 'site.yaml'));
    expect(inputs.site.migration.authentik).toBe('adopt');
    expect(inputs.adoption?.authentik?.groups).toEqual({ 'T3 Users': '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27' });
  });

  test('an invalid file fails the load with its problem lines', () => {
    writeFileSync(join(dir, 'adoption.yaml'), 'version: 2\n');
    expect(() => loadInputs(join(dir, 'roster.yaml'), join(dir, 'site.yaml'))).toThrow(InvalidInputError);
    expect(() => loadInputs(join(dir, 'roster.yaml'), join(dir, 'site.yaml'))).toThrow(/adoption\.yaml:1:10 version: /);
  });
});
