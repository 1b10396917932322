// The Vault plane in each migration mode (issue 14 items 1 and 2): what observe, adopt and
// own synthesize, that an existing identity is never created, that removing a person
// removes only what this product attached, the checks' HCL evaluated by the real Terraform,
// the plan summary's Vault lines, and every Vault attribute name against the provider's schema.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { NEW_IDENTITY_CHECK_PREFIX, OBSERVE_CHECK_PREFIX } from '../../constructs/vault/vault-identities';
import { derive } from '../../src/desired/derive';
import type { PlanJson } from '../../src/plan/plan-json';
import { renderSummary, summarize } from '../../src/plan/summary';
import { vaultObservations } from '../../src/plan/vault-summary';
import { VaultAdoption } from '../../src/roster/adoption-vault';
import type { Roster } from '../../src/roster/roster-schema';
import type { MigrationMode, Site } from '../../src/roster/site-schema';
import { WorkstationsStack } from '../../stacks/workstations-stack';
import { expandInstances, instanceIndex } from '../support/for-each';
import { exampleInputs, REPO_ROOT } from '../support/inputs';
import type { TfJson } from '../support/synth';
import { hasTerraform } from '../support/terraform';

const base = exampleInputs();
const EMO_ENTITY = '0e1f2a3b-0000-4000-8000-000000000001';
const ANCA_ALIAS = '0e1f2a3b-0000-4000-8000-000000000002';
/** emo logged in before (entity recorded), ancamilea too (only her alias ID recorded). */
const ADOPTION: VaultAdoption = VaultAdoption.parse({ emo: { entity_id: EMO_ENTITY }, ancamilea: { alias_id: ANCA_ALIAS } });

function siteIn(mode: MigrationMode): Site {
  return { ...base.site, migration: { ...base.site.migration, vault: mode } };
}

function synth(mode: MigrationMode, roster: Roster = base.roster, adoption: VaultAdoption | undefined = ADOPTION): TfJson {
  const site = siteIn(mode);
  const stack = new WorkstationsStack(Testing.app(), 'workstations', { desired: derive(roster, site), site, adoption: adoption && { version: 1, vault: adoption } });
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** The Vault plane of a synthesized stack: vault_* blocks, the Vault locals, the checks, the moved blocks. */
function vaultPlane(tf: TfJson): Record<string, unknown> {
  const pick = (blocks: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.entries(blocks ?? {}).filter(([type]) => type.startsWith('vault_')));
  return {
    resource: pick(tf.resource),
    data: pick(tf.data),
    locals: Object.fromEntries(Object.entries((tf.locals ?? {}) as Record<string, unknown>).filter(([k]) => k.startsWith('workstations_vault_'))),
    check: tf.check ?? {},
    import: tf.import ?? [],
    moved: ((tf.moved ?? []) as { to: string }[]).filter((m) => m.to.startsWith('vault_')),
  };
}

const observe = synth('observe');
const adopt = synth('adopt');
/** own imports what is recorded: both IDs of emo's identity. */
const EMO_ALIAS = '0e1f2a3b-0000-4000-8000-000000000003';
const own = synth('own', base.roster, VaultAdoption.parse({ emo: { entity_id: EMO_ENTITY, alias_id: EMO_ALIAS } }));

describe.each([
  ['observe', observe],
  ['adopt', adopt],
  ['own', own],
] as const)('migration.vault = %s', (_mode, tf) => {
  test('Vault plane snapshot', () => {
    expect(vaultPlane(tf)).toMatchSnapshot();
  });
});

describe('observe', () => {
  test('manages nothing in Vault: no vault_* resource, only lookups', () => {
    expect(Object.keys(observe.resource).filter((t) => t.startsWith('vault_'))).toEqual([]);
    expect(Object.keys(observe.data ?? {}).filter((t) => t.startsWith('vault_'))).toEqual(['vault_auth_backend']);
    expect(((observe.moved ?? []) as { to: string }[]).filter((m) => m.to.startsWith('vault_'))).toEqual([]);
  });

  test('one check per person, looked up by the recorded ID or else by the OIDC alias', () => {
    const checks = observe.check as Record<string, { data: { vault_identity_entity: Record<string, unknown> } }>;
    expect(Object.keys(checks).sort()).toEqual(['ancamilea', 'emo', 'gheorghe', 'wizard'].map((u) => `${OBSERVE_CHECK_PREFIX}${u}`));
    const lookup = (u: string) => checks[`${OBSERVE_CHECK_PREFIX}${u}`].data.vault_identity_entity[`${OBSERVE_CHECK_PREFIX}${u}`];
    expect(lookup('emo')).toEqual({ entity_id: EMO_ENTITY });
    expect(lookup('ancamilea')).toEqual({ alias_id: ANCA_ALIAS });
    expect(lookup('wizard')).toEqual({ alias_name: 'vbarzin@example.com', alias_mount_accessor: '${data.vault_auth_backend.oidc.accessor}' });
  });

  test('the tier policies are not written either (TierBinding keeps its ClusterRoles)', () => {
    expect(observe.resource.vault_policy).toBeUndefined();
    expect(Object.keys(observe.resource.kubernetes_cluster_role_v1).sort()).toEqual(['tier_namespace_owner', 'tier_power_user']);
  });
});

describe('adopt', () => {
  const x = expandInstances(adopt);

  test('a person with an existing identity never gets an entity or alias create (adopt and observe)', () => {
    for (const tf of [x, expandInstances(observe)]) {
      for (const u of ['emo', 'ancamilea']) {
        expect(tf.resource.vault_identity_entity?.[`person["${u}"]`]).toBeUndefined();
        expect(tf.resource.vault_identity_entity_alias?.[`person["${u}"]`]).toBeUndefined();
      }
    }
    expect(Object.keys(x.resource.vault_identity_entity_alias).sort()).toEqual(['person["gheorghe"]', 'person["wizard"]']);
  });

  test('recorded identities are looked up by ID; a wrong ID fails the plan instead of becoming a create', () => {
    expect(x.data!.vault_identity_entity).toEqual({
      'adopted["ancamilea"]': { alias_id: ANCA_ALIAS, entity_id: null },
      'adopted["emo"]': { alias_id: null, entity_id: EMO_ENTITY },
    });
  });

  test('policies are attached non-exclusively to every entity, adopted or created', () => {
    const attached = x.resource.vault_identity_entity_policies as Record<string, { entity_id: string; exclusive: boolean; policies: string[] }>;
    expect(Object.keys(attached).sort()).toEqual(['ancamilea', 'emo', 'gheorghe', 'wizard'].map((u) => `person["${u}"]`));
    for (const a of Object.values(attached)) expect(a.exclusive).toBe(false);
    expect(attached['person["emo"]']).toEqual({ entity_id: '${local.workstations_vault_entity_ids["emo"]}', exclusive: false, policies: ['workstations-power-user', 'workstations-user-emo'] });
    expect((adopt.locals as Record<string, string>).workstations_vault_entity_ids).toBe(
      '${merge({ for k, e in vault_identity_entity.person : k => e.id }, { for k, d in data.vault_identity_entity.adopted : k => d.entity_id })}',
    );
    // Created entities never write policies themselves (that would replace the foreign ones).
    for (const e of Object.values(x.resource.vault_identity_entity)) {
      expect(e).toMatchObject({ external_policies: true });
      expect(e).not.toHaveProperty('policies');
    }
  });

  test('people the adoption file does not record get a check that warns when they have an identity after all', () => {
    expect(Object.keys(adopt.check as object).sort()).toEqual([`${NEW_IDENTITY_CHECK_PREFIX}gheorghe`, `${NEW_IDENTITY_CHECK_PREFIX}wizard`]);
  });

  test('removing an adopted person removes only what this product attached (their policies), never the entity or alias', () => {
    const roster = structuredClone(base.roster);
    delete roster.people.emo;
    const before = instanceIndex(adopt);
    const after = instanceIndex(synth('adopt', roster));
    const gone = [...before.keys()].filter((k) => !after.has(k) && k.includes('vault_')).sort();
    expect(gone).toEqual(['data.vault_identity_entity.adopted["emo"]', 'vault_identity_entity_policies.person["emo"]', 'vault_policy.personal["emo"]']);
  });

  test('a recorded os_user not in the roster is ignored (no lookup, nothing attached)', () => {
    const tf = expandInstances(synth('adopt', base.roster, { ...ADOPTION, dora: { entity_id: EMO_ENTITY.replace(/1$/, '9') } }));
    expect(Object.keys(tf.data!.vault_identity_entity)).not.toContain('adopted["dora"]');
  });
});

describe('own', () => {
  test('creates every entity and alias; policies still attached non-exclusively', () => {
    const x = expandInstances(own);
    expect(Object.keys(x.resource.vault_identity_entity_alias)).toHaveLength(4);
    expect(own.resource.vault_identity_entity.person).toMatchObject({ external_policies: true });
    expect(own.resource.vault_identity_entity_policies.person).toMatchObject({ exclusive: false, entity_id: '${vault_identity_entity.person[each.key].id}' });
    expect(own.data?.vault_identity_entity).toBeUndefined();
    expect(own.check).toBeUndefined();
  });

  test('a recorded identity is imported into its keyed address, never created', () => {
    expect(own.import).toEqual([
      { for_each: '${local.workstations_vault_imports}', to: 'vault_identity_entity.person[each.key]', id: '${each.value.entity_id}' },
      { for_each: '${local.workstations_vault_imports}', to: 'vault_identity_entity_alias.person[each.key]', id: '${each.value.alias_id}' },
    ]);
    expect((own.locals as Record<string, unknown>).workstations_vault_imports).toEqual({ emo: { entity_id: EMO_ENTITY, alias_id: EMO_ALIAS } });
    // Without a record nothing is imported.
    expect(synth('own', base.roster, {}).import).toBeUndefined();
  });

  test('importing needs both IDs', () => {
    expect(() => synth('own')).toThrow(/needs both entity_id and alias_id .*missing for ancamilea/);
  });
});

describe('the adoption file section', () => {
  test('needs an ID and takes Vault UUIDs only', () => {
    expect(VaultAdoption.safeParse({ emo: {} }).success).toBe(false);
    expect(VaultAdoption.safeParse({ emo: { entity_id: 'not-a-uuid' } }).success).toBe(false);
    expect(VaultAdoption.safeParse({ emo: { entity_id: EMO_ENTITY, extra: 1 } }).success).toBe(false);
    expect(VaultAdoption.safeParse({ emo: { alias_id: ANCA_ALIAS } }).success).toBe(true);
  });
});

/**
 * The provider's attribute names, read from the prebuilt provider (generated from the
 * provider's schema, version in its terraformGeneratorMetadata): the keys its
 * synthesizeAttributes() writes. A misspelt attribute would be a plan-time error only.
 */
function providerAttributes(kind: 'resource' | 'data', type: string): Set<string> {
  const dir = (kind === 'data' ? `data-${type}` : type.replace(/^vault_/, '')).replace(/_/g, '-');
  const js = readFileSync(join(REPO_ROOT, 'node_modules/@cdktf/provider-vault/lib', dir, 'index.js'), 'utf8');
  const body = /synthesizeAttributes\(\) \{\s*return \{([\s\S]*?)\};/.exec(js)?.[1];
  if (!body) throw new Error(`no synthesizeAttributes in ${dir}`);
  return new Set([...body.matchAll(/^\s*([a-z_]+): cdktf\./gm)].map((m) => m[1]));
}
const META = new Set(['for_each', 'depends_on', 'lifecycle', 'provider', 'count']);

test.each([
  ['observe', observe],
  ['adopt', adopt],
  ['own', own],
] as const)('every Vault attribute name exists in the provider schema (%s)', (_mode, tf) => {
  const blocks: [string, 'resource' | 'data', string, Record<string, unknown>][] = [];
  for (const [type, byName] of Object.entries(tf.resource)) for (const [n, b] of Object.entries(byName)) blocks.push([`${type}.${n}`, 'resource', type, b]);
  for (const [type, byName] of Object.entries(tf.data ?? {})) for (const [n, b] of Object.entries(byName)) blocks.push([`data.${type}.${n}`, 'data', type, b]);
  for (const [, check] of Object.entries((tf.check ?? {}) as Record<string, { data: Record<string, Record<string, Record<string, unknown>>> }>)) {
    for (const [type, byName] of Object.entries(check.data)) for (const [n, b] of Object.entries(byName)) blocks.push([`check data.${type}.${n}`, 'data', type, b]);
  }
  const vault = blocks.filter(([, , type]) => type.startsWith('vault_'));
  expect(vault.length).toBeGreaterThan(0);
  for (const [address, kind, type, body] of vault) {
    const known = providerAttributes(kind, type);
    for (const attr of Object.keys(body)) expect([address, attr, META.has(attr) || known.has(attr)]).toEqual([address, attr, true]);
  }
  // The check catches a misspelling.
  expect(providerAttributes('resource', 'vault_identity_entity_policies').has('exclusive')).toBe(true);
  expect(providerAttributes('resource', 'vault_identity_entity_policies').has('exclusive_policies')).toBe(false);
});

describe('plan summary: the Vault lines come from the checks', () => {
  const check = (name: string, status: string, messages: string[] = []) => ({
    address: { kind: 'check', name, to_display: `check.${name}` },
    status,
    instances: [{ address: { to_display: `check.${name}` }, status, problems: messages.map((message) => ({ message })) }],
  });
  const plan = {
    format_version: '1.2',
    resource_changes: [],
    checks: [
      check(`${OBSERVE_CHECK_PREFIX}emo`, 'fail', ['emo: Vault entity entity_1 (id x) lacks [workstations-power-user, workstations-user-emo]; it has [personal-emo, projects-emo] (kept when adopted)']),
      check(`${OBSERVE_CHECK_PREFIX}wizard`, 'pass'),
      check(`${OBSERVE_CHECK_PREFIX}gheorghe`, 'fail', ["no Identity Entity found 'map[alias_mount_accessor:auth_oidc_1 alias_name:vabbit81@example.com]'"]),
      check(`${NEW_IDENTITY_CHECK_PREFIX}dora`, 'fail', ['dora: an identity exists already (entity e, id y): record it in the adoption file (vault.dora.entity_id) before applying, or the alias create fails']),
      check(`${NEW_IDENTITY_CHECK_PREFIX}zed`, 'fail', ["no Identity Entity found 'map[...]'"]),
      check('legacy_cross_check_missing', 'fail', ['other check']),
    ],
  } as unknown as PlanJson;

  test('per person: matches, differs, missing, unrecorded, new', () => {
    expect(vaultObservations([plan]).map((o) => [o.osUser, o.finding])).toEqual([
      ['dora', 'unrecorded'],
      ['emo', 'differs'],
      ['gheorghe', 'missing'],
      ['wizard', 'matches'],
      ['zed', 'new'],
    ]);
  });

  test('rendered after the other sections', () => {
    const text = renderSummary(summarize([plan]));
    expect(text).toContain('Vault identities (what the plan looked up):\n');
    expect(text).toContain('  ~ emo       Vault entity entity_1 (id x) lacks [workstations-power-user, workstations-user-emo]; it has [personal-emo, projects-emo] (kept when adopted)\n');
    expect(text).toContain('  ! dora      an identity exists already');
    expect(text).toContain('  = wizard    Vault entity exists with every policy the roster wants\n');
  });
});

/**
 * The checks' HCL evaluated by the real Terraform: the lookups need the Vault provider, so
 * each check's data source is replaced by a terraform_data whose output has the data
 * source's attribute shapes (policies a set, or null).
 */
(hasTerraform || process.env.CI === 'true' ? test : test.skip)('real Terraform: the checks report what differs and never fail the plan', () => {
  const found: Record<string, { policies: string[] | null; entity_name: string; entity_id: string; metadata: Record<string, string> | null }> = {
    emo: { policies: ['personal-emo', 'projects-emo'], entity_name: 'entity_a', entity_id: 'id-emo', metadata: null },
    wizard: { policies: ['vault-admin', 'workstations-admin', 'workstations-user-wizard', 'other'], entity_name: 'wizard', entity_id: 'id-wizard', metadata: {} },
    gheorghe: { policies: null, entity_name: 'g', entity_id: 'id-g', metadata: { os_user: 'gheorghe', tier: 'namespace-owner' } },
  };
  const config: { resource: { terraform_data: Record<string, unknown> }; check: Record<string, unknown> } = { resource: { terraform_data: {} }, check: {} };
  const rewrite = (name: string, u: string, tf: TfJson) => {
    const c = (tf.check as Record<string, { assert: unknown }>)[name];
    config.resource.terraform_data[`fake_${u}`] = { input: { ...found[u], policies: found[u].policies === null ? null : `\${toset(${JSON.stringify(found[u].policies)})}` } };
    config.check[name] = { assert: JSON.parse(JSON.stringify(c.assert).split(`data.vault_identity_entity.${name}`).join(`terraform_data.fake_${u}.output`)) };
  };
  for (const u of Object.keys(found)) rewrite(`${OBSERVE_CHECK_PREFIX}${u}`, u, observe);
  // wizard: an identity Vault made (no metadata); gheorghe: the one adopt created (metadata os_user).
  rewrite(`${NEW_IDENTITY_CHECK_PREFIX}wizard`, 'wizard', adopt);
  rewrite(`${NEW_IDENTITY_CHECK_PREFIX}gheorghe`, 'gheorghe', adopt);
  const dir = mkdtempSync(join(tmpdir(), 'dw-vault-checks-'));
  try {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'empty.tfrc'), '');
    const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' };
    const tf = (...args: string[]) => execFileSync('terraform', [...args, '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
    tf('init');
    tf('apply', '-auto-approve');
    tf('plan', '-out=tfplan');
    const plan = JSON.parse(execFileSync('terraform', ['show', '-json', 'tfplan'], { cwd: dir, env, encoding: 'utf8' })) as PlanJson;
    expect(vaultObservations([plan])).toEqual([
      { osUser: 'emo', finding: 'differs', detail: 'Vault entity entity_a (id id-emo) lacks [workstations-power-user, workstations-user-emo]; it has [personal-emo, projects-emo] (kept when adopted)' },
      { osUser: 'gheorghe', finding: 'differs', detail: 'Vault entity g (id id-g) lacks [workstations-namespace-owner, workstations-user-gheorghe]; it has [] (kept when adopted)' },
      { osUser: 'gheorghe', finding: 'matches', detail: 'the Vault entity this product created exists' },
      { osUser: 'wizard', finding: 'matches', detail: 'Vault entity exists with every policy the roster wants' },
      {
        osUser: 'wizard',
        finding: 'unrecorded',
        detail: 'an identity exists already (entity wizard, id id-wizard): record it in the adoption file (vault.wizard.entity_id) before applying, or the alias create fails',
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * own's for_each import blocks planned by the real Terraform: the vault provider is not
 * available, so each target type becomes a terraform_data stand-in at the same keyed
 * address shape, iterating the very same locals.
 */
(hasTerraform || process.env.CI === 'true' ? test : test.skip)('real Terraform: own plans an import of each recorded entity and alias, no create', () => {
  const standIn = (to: string) => to.replace(/^vault_identity_entity(_alias)?\.person/, (_m, alias) => `terraform_data.${alias ? 'alias' : 'entity'}`);
  const imports = own.import as { for_each: string; to: string; id: string }[];
  const config = {
    locals: { workstations_vault_imports: (own.locals as Record<string, unknown>).workstations_vault_imports },
    resource: { terraform_data: { entity: { for_each: '${local.workstations_vault_imports}', input: 'x' }, alias: { for_each: '${local.workstations_vault_imports}', input: 'x' } } },
    import: imports.map((i) => ({ ...i, to: standIn(i.to) })),
  };
  const dir = mkdtempSync(join(tmpdir(), 'dw-vault-import-'));
  try {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'empty.tfrc'), '');
    const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' };
    const tf = (...args: string[]) => execFileSync('terraform', [...args, '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
    tf('init');
    tf('plan', '-out=tfplan');
    const plan = JSON.parse(execFileSync('terraform', ['show', '-json', 'tfplan'], { cwd: dir, env, encoding: 'utf8' })) as {
      resource_changes: { address: string; change: { actions: string[]; importing?: { id: string } } }[];
    };
    expect(plan.resource_changes.map((c) => [c.address, c.change.importing?.id, c.change.actions.includes('create')]).sort()).toEqual([
      ['terraform_data.alias["emo"]', EMO_ALIAS, false],
      ['terraform_data.entity["emo"]', EMO_ENTITY, false],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
