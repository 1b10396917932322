// Issue 14, the Authentik and Kubernetes planes in observe, adopt and own: synthesized
// snapshots per mode, "observe manages nothing of the plane", import blocks (addresses and
// IDs), and the real Terraform on a stand-in of the synthesized stack. The real providers
// cannot be downloaded here, so every resource `T.n` becomes `terraform_data.T__n` (same
// for_each, same locals) and every data source a local with the values a live read would
// give; terraform_data accepts import (any ID), so Terraform itself decides which import
// blocks fire, for which instance addresses, with which IDs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inputs } from '../../src/roster/load';
import type { MigrationMode } from '../../src/roster/site-schema';
import { ADOPTED_GROUP_IGNORED } from '../../constructs/authentik/access-groups';
import fc from 'fast-check';
import { validRoster } from '../support/arbitraries';
import { exampleInputs } from '../support/inputs';
import { inputsFromRaw, synthWorkstations, TfJson } from '../support/synth';
import { hasTerraform } from '../support/terraform';

const tfTest = hasTerraform || process.env.CI === 'true' ? test : test.skip;
const base = exampleInputs();

function withModes(authentik: MigrationMode, kubernetes: MigrationMode, adoption?: Inputs['adoption']): Inputs {
  return { ...base, site: { ...base.site, migration: { ...base.site.migration, authentik, kubernetes } }, ...(adoption ? { adoption } : {}) };
}

const observe = synthWorkstations(withModes('observe', 'observe'));
const adopt = synthWorkstations(withModes('adopt', 'adopt'));
const own = synthWorkstations(base);

const AUTHENTIK_TYPES = ['authentik_group'];
const KUBERNETES_TYPES = ['kubernetes_cluster_role_binding_v1', 'kubernetes_role_binding_v1', 'kubernetes_cluster_role_v1'];
type Import = { to: string; id: string; for_each?: string };
type Removed = { from: string; lifecycle: { destroy: boolean } };

describe('snapshots of the synthesized workstations stack per mode', () => {
  test('observe (Authentik and Kubernetes)', () => expect(observe).toMatchSnapshot());
  test('adopt (Authentik and Kubernetes)', () => expect(adopt).toMatchSnapshot());
  test('own is the existing stack: no data source, import, removed or output of the migration', () => {
    expect(own.import).toBeUndefined();
    expect(own.removed).toBeUndefined();
    expect(own.output).toBeUndefined();
    expect(own.data?.authentik_group).toBeUndefined();
    expect(own.data?.kubernetes_resources).toBeUndefined();
  });
});

describe('observe', () => {
  test('no managed resource of either plane; the Vault plane (own here) is untouched', () => {
    for (const t of [...AUTHENTIK_TYPES, ...KUBERNETES_TYPES]) expect({ t, present: t in observe.resource }).toEqual({ t, present: false });
    expect(Object.keys(observe.resource).sort()).toEqual(['vault_identity_entity', 'vault_identity_entity_alias', 'vault_identity_entity_policies', 'vault_policy']);
    expect(observe.resource.vault_identity_entity).toEqual(own.resource.vault_identity_entity);
    expect(observe.import).toBeUndefined();
  });

  test('what exists is read: every site group by name with members, the three RBAC kinds', () => {
    expect(observe.data!.authentik_group).toEqual({
      kubernetes_admins: { include_users: true, name: 'kubernetes-admins' },
      kubernetes_namespace_owners: { include_users: true, name: 'kubernetes-namespace-owners' },
      kubernetes_power_users: { include_users: true, name: 'kubernetes-power-users' },
      t3_users: { include_users: true, name: 'T3 Users' },
    });
    expect(Object.values(observe.data!.kubernetes_resources).map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'RoleBinding']);
  });

  test('no Authentik user lookup (it fails the plan for a username Authentik lacks); adopt and own keep it', () => {
    expect(observe.data!.authentik_user).toBeUndefined();
    expect(adopt.data!.authentik_user).toEqual(own.data!.authentik_user);
  });

  test('going back: a removed block (destroy = false) for every address adopt or own manages, none for a declared resource', () => {
    const removed = observe.removed as Removed[];
    for (const r of removed) expect(r.lifecycle).toEqual({ destroy: false });
    const from = removed.map((r) => r.from);
    const managed = [adopt, own].flatMap((tf) =>
      [...AUTHENTIK_TYPES, ...KUBERNETES_TYPES].flatMap((t) => Object.keys(tf.resource[t] ?? {}).map((n) => `${t}.${n}`)),
    );
    for (const a of new Set(managed)) expect(from).toContain(a);
    for (const f of from) expect(Object.keys(observe.resource[f.split('.')[0]] ?? {})).not.toContain(f.split('.')[1]);
    // The one-block-per-person layout of old states too.
    expect(from).toContain('kubernetes_role_binding_v1.gheorghe_vabbit81');
  });

  test('planes are independent: Authentik observed, Kubernetes owned', () => {
    const mixed = synthWorkstations(withModes('observe', 'own'));
    expect(mixed.resource.authentik_group).toBeUndefined();
    expect(mixed.resource.kubernetes_cluster_role_binding_v1).toEqual(own.resource.kubernetes_cluster_role_binding_v1);
    expect(mixed.data!.kubernetes_resources).toBeUndefined();
    expect((mixed.removed as Removed[]).every((r) => r.from.startsWith('authentik_group.'))).toBe(true);
  });
});

describe('adopt', () => {
  const imports = adopt.import as Import[];

  test('import blocks: addresses and IDs', () => {
    expect(imports.filter((i) => i.to.startsWith('authentik_group.'))).toEqual([
      { to: 'authentik_group.kubernetes_admins', id: '${data.authentik_group.kubernetes_admins.pk}' },
      { to: 'authentik_group.kubernetes_power_users', id: '${data.authentik_group.kubernetes_power_users.pk}' },
      { to: 'authentik_group.kubernetes_namespace_owners', id: '${data.authentik_group.kubernetes_namespace_owners.pk}' },
      { to: 'authentik_group.t3_users', id: '${data.authentik_group.t3_users.pk}' },
    ]);
    const k8s = imports.filter((i) => !i.to.startsWith('authentik_group.'));
    expect(k8s.map((i) => [i.to, i.id])).toEqual([
      ['kubernetes_cluster_role_binding_v1.person[each.key]', '${each.value.binding_name}'],
      ['kubernetes_role_binding_v1.namespace_admin[each.key]', '${format("%s/%s", each.value.namespace, each.value.binding_name)}'],
      ['kubernetes_cluster_role_v1.tier_power_user', '${each.key}'],
      ['kubernetes_cluster_role_v1.tier_namespace_owner', '${each.key}'],
    ]);
    expect(k8s.every((i) => i.for_each !== undefined)).toBe(true);
  });

  test('every `to` is a resource block of the stack, keyed exactly when the block has for_each', () => {
    for (const i of imports) {
      const m = /^([a-z0-9_]+)\.([a-z0-9_]+)(\[each\.key\])?$/.exec(i.to)!;
      expect(m).not.toBeNull();
      const block = adopt.resource[m[1]]?.[m[2]];
      expect({ to: i.to, declared: block !== undefined }).toEqual({ to: i.to, declared: true });
      expect({ to: i.to, keyed: m[3] !== undefined }).toEqual({ to: i.to, keyed: block.for_each !== undefined });
    }
  });

  test('an imported group keeps what the product does not own; its parent comes from the group as it is', () => {
    for (const [name, g] of Object.entries(adopt.resource.authentik_group)) {
      expect(g.lifecycle).toEqual({ ignore_changes: [...ADOPTED_GROUP_IGNORED] });
      expect(g.parent).toBe(`\${data.authentik_group.${name}.parent}`);
      // users stay the roster's: the one attribute this product owns.
      expect(g.users).toEqual(own.resource.authentik_group[name].users);
    }
  });

  test('the adoption file pk: the group is read by pk and must still carry its name', () => {
    const pk = '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27';
    const tf = synthWorkstations(withModes('adopt', 'own', { version: 1, authentik: { groups: { 'T3 Users': pk } } }));
    const data = tf.data!.authentik_group.t3_users as { pk: string; name?: string; lifecycle: { postcondition: { condition: string }[] } };
    expect(data.pk).toBe(pk);
    expect(data.name).toBeUndefined();
    expect(data.lifecycle.postcondition[0].condition).toBe('${self.name == "T3 Users"}');
    expect((tf.import as Import[]).find((i) => i.to === 'authentik_group.t3_users')!.id).toBe('${data.authentik_group.t3_users.pk}');
  });
});

// ---- the real Terraform on stand-ins -------------------------------------------------

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Body = Record<string, unknown>;
const standIn = (type: string, name: string) => `terraform_data.${type}__${name}`;

/** What a live read would give (the homelab's shape): which objects exist. */
interface World {
  readonly crbs: string[];
  readonly rbs: { namespace: string; name: string }[];
  readonly clusterRoles: string[];
}

/** The synthesized stack as built-in resources: same locals, for_each, import and removed blocks. */
function standInConfig(tf: TfJson, world: World): Body {
  const resources: Record<string, Body> = {};
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, body] of Object.entries(byName)) {
      resources[`${type}__${name}`] = body.for_each ? { for_each: body.for_each, input: '${each.key}' } : { input: 'static' };
    }
  }
  const rewrite = (s: string) =>
    s
      .replace(/data\.kubernetes_resources\.([a-z_]+)\.objects/g, 'local.fake_$1')
      .replace(/data\.authentik_group\.([a-z0-9_]+)\.(pk|parent)/g, 'local.fake_group_$2["$1"]')
      .replace(/^(kubernetes_[a-z0-9_]+|authentik_group|vault_[a-z_]+)\.([a-z0-9_]+)/, (_m, t: string, n: string) => standIn(t, n));
  const locals: Body = {};
  for (const [k, v] of Object.entries((tf.locals ?? {}) as Body)) locals[k] = typeof v === 'string' ? rewrite(v) : v;
  const groups = Object.keys(tf.data?.authentik_group ?? {});
  Object.assign(locals, {
    fake_observed_cluster_role_bindings: world.crbs.map((name) => ({ metadata: { name } })),
    fake_observed_role_bindings: world.rbs.map((m) => ({ metadata: m })),
    fake_observed_cluster_roles: world.clusterRoles.map((name) => ({ metadata: { name } })),
    fake_group_pk: Object.fromEntries(groups.map((g, i) => [g, `00000000-0000-4000-8000-00000000000${i}`])),
    fake_group_parent: Object.fromEntries(groups.map((g) => [g, ''])),
  });
  const config: Body = { locals, resource: { terraform_data: resources } };
  if (tf.import) config.import = (tf.import as Import[]).map((i) => ({ ...i, to: rewrite(i.to), id: rewrite(i.id), ...(i.for_each ? { for_each: rewrite(i.for_each) } : {}) }));
  if (tf.removed) config.removed = (tf.removed as Removed[]).map((r) => ({ ...r, from: rewrite(r.from) }));
  return config;
}

function plan(config: Body, state?: string): { changes: { address: string; actions: string[]; importing?: string }[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dw-migration-'));
  scratch.push(dir);
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'empty.tfrc'), '');
  if (state) writeFileSync(join(dir, 'terraform.tfstate'), state);
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' };
  const run = (...args: string[]) => execFileSync('terraform', args, { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
  run('init', '-input=false', '-no-color');
  run('plan', '-input=false', '-no-color', '-out=tfplan');
  const shown = JSON.parse(run('show', '-json', 'tfplan')) as {
    resource_changes?: { address: string; change: { actions: string[]; importing?: { id: string } } }[];
  };
  const changes = (shown.resource_changes ?? []).map((rc) => ({ address: rc.address, actions: rc.change.actions, ...(rc.change.importing ? { importing: rc.change.importing.id } : {}) }));
  return { changes, dir };
}

describe('real Terraform on a stand-in of the synthesized stack', () => {
  const world: World = {
    // emo's binding exists already (an earlier apply whose state was lost), the legacy ones are not ours.
    crbs: ['workstations-emo', 'oidc-power-user-readonly-emo', 'cluster-admin'],
    rbs: [{ namespace: 'vabbit81', name: 'workstations-gheorghe' }, { namespace: 'plotting-book', name: 'namespace-owner-ancamilea' }],
    clusterRoles: ['workstations-power-user-readonly', 'cluster-admin'],
  };

  tfTest('adopt imports exactly the objects that exist, at the keyed addresses, with the provider ID formats', () => {
    const { changes } = plan(standInConfig(adopt, world));
    const imported = changes.filter((c) => c.importing !== undefined).map((c) => [c.address, c.importing]).sort();
    expect(imported).toEqual(
      [
        ['terraform_data.authentik_group__kubernetes_admins', '00000000-0000-4000-8000-000000000000'],
        ['terraform_data.authentik_group__kubernetes_namespace_owners', '00000000-0000-4000-8000-000000000001'],
        ['terraform_data.authentik_group__kubernetes_power_users', '00000000-0000-4000-8000-000000000002'],
        ['terraform_data.authentik_group__t3_users', '00000000-0000-4000-8000-000000000003'],
        ['terraform_data.kubernetes_cluster_role_binding_v1__person["emo"]', 'workstations-emo'],
        ['terraform_data.kubernetes_cluster_role_v1__tier_power_user', 'workstations-power-user-readonly'],
        ['terraform_data.kubernetes_role_binding_v1__namespace_admin["gheorghe/vabbit81"]', 'vabbit81/workstations-gheorghe'],
      ].sort(),
    );
    // What does not exist yet is created, never imported.
    expect(changes.find((c) => c.address === 'terraform_data.kubernetes_cluster_role_binding_v1__person["wizard"]')!.actions).toEqual(['create']);
    expect(changes.find((c) => c.address === 'terraform_data.kubernetes_role_binding_v1__namespace_admin["ancamilea/plotting-book"]')!.actions).toEqual(['create']);
  });

  tfTest('after the adopting apply, the same import blocks do nothing: a second plan imports nothing and changes nothing', () => {
    const first = plan(standInConfig(adopt, world));
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color', 'tfplan'], {
      cwd: first.dir,
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(first.dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' },
      stdio: 'pipe',
    });
    const state = execFileSync('cat', [join(first.dir, 'terraform.tfstate')], { encoding: 'utf8' });
    // Now every binding and role exists (the apply created the rest): their import blocks fire
    // for addresses already in the state, which Terraform skips.
    const after: World = {
      crbs: [...world.crbs, 'workstations-ancamilea', 'workstations-gheorghe', 'workstations-wizard'],
      rbs: [...world.rbs, { namespace: 'plotting-book', name: 'workstations-ancamilea' }],
      clusterRoles: [...world.clusterRoles, 'workstations-namespace-owner-nav'],
    };
    for (const w of [world, after]) {
      const { changes } = plan(standInConfig(adopt, w), state);
      expect(changes.filter((c) => c.importing !== undefined || c.actions.join() !== 'no-op')).toEqual([]);
    }
  });

  tfTest('going back to observe forgets what adopt or own managed and destroys nothing', () => {
    // A state as `own` leaves it: apply the own stand-in, then plan the observe stand-in on that state.
    const first = plan(standInConfig(own, world));
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color', 'tfplan'], {
      cwd: first.dir,
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(first.dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' },
      stdio: 'pipe',
    });
    const state = execFileSync('cat', [join(first.dir, 'terraform.tfstate')], { encoding: 'utf8' });
    const { changes } = plan(standInConfig(observe, world), state);
    const managedBefore = changes.filter((c) => /__(kubernetes|authentik)|^terraform_data\.(kubernetes|authentik)/.test(c.address));
    expect(managedBefore.length).toBeGreaterThan(0);
    for (const c of managedBefore) expect({ address: c.address, actions: c.actions }).toEqual({ address: c.address, actions: ['forget'] });
    expect(changes.filter((c) => c.actions.includes('delete'))).toEqual([]);
  });
});

describe('item 5: the legacy map keys output', () => {
  const current = base.site.vault.legacy_cross_check;
  const withCheck: Inputs = { ...base, site: { ...base.site, vault: { ...base.site.vault, legacy_cross_check: { ...current, enabled: true } } } };
  const tf = synthWorkstations(withCheck);

  tfTest('the real Terraform turns the sensitive legacy map into its sorted keys only (no email, role or namespace)', () => {
    const locals = tf.locals as Record<string, string>;
    const output = (tf.output as Record<string, { value: string }>).legacy_k8s_users;
    const dataRef = 'data.vault_kv_secret_v2.legacy_cross_check.data';
    expect(locals.legacy_k8s_users).toContain(dataRef);
    const secret = { k8s_users: JSON.stringify({ zoe: { role: 'admin', email: 'zoe@example.com' }, emo: { role: 'power-user', namespaces: ['x'] } }) };
    const config = {
      locals: {
        fake_data: `\${sensitive(${JSON.stringify(secret).replace(/"([a-z0-9_]+)":/g, '$1 = ')})}`,
        legacy_k8s_users: locals.legacy_k8s_users.split(dataRef).join('local.fake_data'),
      },
      output: { legacy_k8s_users: { value: output.value } },
    };
    const dir = mkdtempSync(join(tmpdir(), 'dw-legacy-keys-'));
    scratch.push(dir);
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    writeFileSync(join(dir, 'empty.tfrc'), '');
    const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc'), CHECKPOINT_DISABLE: '1' };
    const run = (...args: string[]) => execFileSync('terraform', args, { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
    run('init', '-input=false', '-no-color');
    run('plan', '-input=false', '-no-color', '-out=tfplan');
    const shown = JSON.parse(run('show', '-json', 'tfplan')) as { planned_values: { outputs: Record<string, { value: unknown; sensitive: boolean }> } };
    expect(shown.planned_values.outputs.legacy_k8s_users).toEqual({ value: ['emo', 'zoe'], sensitive: false, type: ['list', 'string'] });
  });
});

describe('random rosters', () => {
  test('observe manages nothing of either plane; every adopt import targets a declared block, keyed iff for_each', () => {
    fc.assert(
      fc.property(validRoster(6), (raw) => {
        const inputs = inputsFromRaw(raw, base.site);
        const at = (m: MigrationMode): Inputs => ({ ...inputs, site: { ...inputs.site, migration: { ...inputs.site.migration, authentik: m, kubernetes: m } } });
        const o = synthWorkstations(at('observe'));
        for (const t of [...AUTHENTIK_TYPES, ...KUBERNETES_TYPES]) expect(o.resource[t]).toBeUndefined();
        const a = synthWorkstations(at('adopt'));
        for (const i of a.import as Import[]) {
          const m = /^([a-z0-9_]+)\.([a-z0-9_]+)(\[each\.key\])?$/.exec(i.to)!;
          const block = a.resource[m[1]][m[2]];
          expect(block).toBeDefined();
          expect(m[3] !== undefined).toBe(block.for_each !== undefined);
        }
      }),
      { numRuns: 10 },
    );
  });
});
