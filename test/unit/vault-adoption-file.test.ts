// The adoption file reaches the Vault plane: the fixture site and adoption file are read
// from disk by loadInputs (as `npm run synth` reads the live ones) and the app built from
// them imports the recorded identities in own and looks them up by ID in adopt. A record
// own cannot import is refused at its line before anything is synthesized.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/roster/problems';
import { loadInputs } from '../../src/roster/load';
import { FIXTURE_ROSTER, REPO_ROOT } from '../support/inputs';
import { synthWorkstations, type TfJson } from '../support/synth';

const DIR = join(REPO_ROOT, 'test/fixtures/vault-adoption');
const ROSTER = join(REPO_ROOT, FIXTURE_ROSTER);
/** The IDs test/fixtures/vault-adoption/adoption.yaml records. */
const RECORDED = {
  emo: { entity_id: '0e1f2a3b-0000-4000-8000-00000000e001', alias_id: '0e1f2a3b-0000-4000-8000-00000000a001' },
  ancamilea: { entity_id: '0e1f2a3b-0000-4000-8000-00000000e002', alias_id: '0e1f2a3b-0000-4000-8000-00000000a002' },
};

const synthFrom = (siteFile: string): TfJson => synthWorkstations(loadInputs(ROSTER, join(DIR, siteFile)));
const locals = (tf: TfJson) => (tf.locals ?? {}) as Record<string, unknown>;

describe('own: the recorded identities are imported, never created', () => {
  const tf = synthFrom('site-own.yaml');

  test('one import block per recorded entity and alias, keyed by os_user, with the recorded IDs', () => {
    expect(tf.import).toEqual([
      { for_each: '${local.workstations_vault_imports}', to: 'vault_identity_entity.person[each.key]', id: '${each.value.entity_id}' },
      { for_each: '${local.workstations_vault_imports}', to: 'vault_identity_entity_alias.person[each.key]', id: '${each.value.alias_id}' },
    ]);
    expect(locals(tf).workstations_vault_imports).toEqual(RECORDED);
  });

  test('everyone, recorded or not, has an owned entity and alias; nothing is looked up', () => {
    expect(tf.resource.vault_identity_entity.person.for_each).toBe('${local.workstations_vault_people}');
    expect(tf.resource.vault_identity_entity_alias.person.for_each).toBe('${local.workstations_vault_people}');
    expect(Object.keys(locals(tf).workstations_vault_people as object).sort()).toEqual(['ancamilea', 'emo', 'gheorghe', 'wizard']);
    expect(tf.data?.vault_identity_entity).toBeUndefined();
  });
});

describe('adopt: the recorded identities are looked up by ID, the others created', () => {
  const tf = synthFrom('site-adopt.yaml');

  test('the lookup data source iterates the recorded IDs (the entity ID wins over the alias ID)', () => {
    expect(tf.data?.vault_identity_entity?.adopted).toMatchObject({
      for_each: '${local.workstations_vault_adopted}',
      entity_id: '${each.value.entity_id}',
      alias_id: '${each.value.alias_id}',
    });
    expect(locals(tf).workstations_vault_adopted).toEqual({
      emo: { entity_id: RECORDED.emo.entity_id, alias_id: null },
      ancamilea: { entity_id: RECORDED.ancamilea.entity_id, alias_id: null },
    });
  });

  test('only the unrecorded people get an entity and alias; no import block', () => {
    expect(Object.keys(locals(tf).workstations_vault_created as object).sort()).toEqual(['gheorghe', 'wizard']);
    expect(tf.resource.vault_identity_entity.person.for_each).toBe('${local.workstations_vault_created}');
    expect(tf.import).toBeUndefined();
  });
});

test('own with a record lacking alias_id: refused at its line by the loader, before any synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-vault-adoption-'));
  try {
    copyFileSync(join(DIR, 'site-own.yaml'), join(dir, 'site.yaml'));
    writeFileSync(join(dir, 'adoption.yaml'), 'version: 1\nvault:\n  emo:\n    entity_id: 0e1f2a3b-0000-4000-8000-00000000e001\n');
    const load = () => loadInputs(ROSTER, join(dir, 'site.yaml'));
    expect(load).toThrow(InvalidInputError);
    expect(load).toThrow(
      `${join(dir, 'adoption.yaml')}:3:3 vault.emo: migration.vault is own: importing this identity needs both entity_id and alias_id; add alias_id`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
