// The `workstations` stack moved from one resource block per person to for_each blocks
// keyed by os_user (issue 15). Its `moved` blocks must carry an existing state over with
// no destroy and no create. The real providers (kubernetes, vault, authentik) cannot be
// downloaded here, so the real Terraform runs on a stand-in with the same address shapes:
// every resource `T.n` becomes `terraform_data.T__n` (the type is folded into the name
// because all stand-ins share one type), for_each blocks iterate the very same `locals`,
// and the moved blocks are rewritten the same way.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { buildApp } from '../../src/app';
import { EMPTY_GROUP_COMMENT } from '../../constructs/authentik/access-groups';
import { exampleInputs } from '../support/inputs';
import { synthWorkstations, TfJson } from '../support/synth';
import { hasTerraform } from '../support/terraform';

/**
 * Every per-person address the one-block-per-person layout synthesized for the example
 * roster (recorded from that version's synth: `resource` keys of cdk.tf.json).
 */
const OLD_PERSONAL_ADDRESSES = [
  'kubernetes_cluster_role_binding_v1.ancamilea',
  'kubernetes_cluster_role_binding_v1.emo',
  'kubernetes_cluster_role_binding_v1.gheorghe',
  'kubernetes_cluster_role_binding_v1.wizard',
  'kubernetes_role_binding_v1.ancamilea_plotting-book',
  'kubernetes_role_binding_v1.gheorghe_vabbit81',
  'vault_identity_entity.ancamilea',
  'vault_identity_entity.emo',
  'vault_identity_entity.gheorghe',
  'vault_identity_entity.wizard',
  'vault_identity_entity_alias.ancamilea',
  'vault_identity_entity_alias.emo',
  'vault_identity_entity_alias.gheorghe',
  'vault_identity_entity_alias.wizard',
  'vault_policy.user_ancamilea',
  'vault_policy.user_emo',
  'vault_policy.user_gheorghe',
  'vault_policy.user_wizard',
];

type Moved = { from: string; to: string };
type Body = Record<string, unknown>;

const standInName = (address: string) => {
  const [type, ...rest] = address.split('.');
  return `${type}__${rest.join('.')}`;
};
/** `T.n["k"]` -> `terraform_data.T__n["k"]`. */
const standInAddress = (address: string) => `terraform_data.${standInName(address)}`;

/** The value an instance at a moved-to address gets from the locals (`T.n["key"]`). */
function localValue(tf: TfJson, address: string): unknown {
  const m = /^([a-z0-9_]+)\.([a-z0-9_-]+)\["(.+)"\]$/.exec(address)!;
  const forEach = (tf.resource[m[1]][m[2]] as Body).for_each as string;
  const local = /^\$\{local\.([a-z0-9_]+)\}$/.exec(forEach)![1];
  return (tf.locals as Record<string, Record<string, unknown>>)[local][m[3]];
}

/** The new layout as terraform_data: for_each blocks over the same locals, the rest static. */
function newStandIn(tf: TfJson): Body {
  const blocks: Record<string, Body> = {};
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, body] of Object.entries(byName)) {
      const b = body as Body;
      blocks[standInName(`${type}.${name}`)] = b.for_each
        ? { for_each: b.for_each, input: '${each.value}' }
        : { input: 'static', ...('//' in b ? { '//': b['//'] } : {}) };
    }
  }
  const moved = (tf.moved as Moved[]).map((m) => ({ from: standInAddress(m.from), to: standInAddress(m.to) }));
  return { locals: tf.locals, resource: { terraform_data: blocks }, moved };
}

/** The old layout: one block per person, each holding what its keyed instance will hold. */
function oldStandIn(tf: TfJson): Body {
  const movedTo = new Map((tf.moved as Moved[]).map((m) => [m.from, m.to]));
  const blocks: Record<string, Body> = {};
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, body] of Object.entries(byName)) {
      if (!(body as Body).for_each) blocks[standInName(`${type}.${name}`)] = { input: 'static' };
    }
  }
  for (const address of OLD_PERSONAL_ADDRESSES) {
    const to = movedTo.get(address);
    // No moved block for an old address: the plan below would destroy it.
    blocks[standInName(address)] = { input: to ? localValue(tf, to) : 'unmoved' };
  }
  return { resource: { terraform_data: blocks } };
}

class Tf {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-moved-'));
  private readonly env: NodeJS.ProcessEnv;
  constructor() {
    const rc = join(this.dir, 'empty.tfrc');
    writeFileSync(rc, '');
    this.env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: rc, CHECKPOINT_DISABLE: '1' };
  }
  run(config: Body, ...args: string[]): string {
    writeFileSync(join(this.dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    return execFileSync('terraform', [...args, '-input=false', '-no-color'], { cwd: this.dir, env: this.env, encoding: 'utf8', stdio: 'pipe' });
  }
  showPlan(): { resource_changes: { address: string; previous_address?: string; change: { actions: string[] } }[] } {
    return JSON.parse(execFileSync('terraform', ['show', '-json', 'tfplan'], { cwd: this.dir, env: this.env, encoding: 'utf8' }));
  }
  dispose() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const tf = synthWorkstations(exampleInputs());

test('a moved block exists for every address of the one-block-per-person layout', () => {
  const moved = tf.moved as Moved[];
  expect(moved.map((m) => m.from).sort()).toEqual(OLD_PERSONAL_ADDRESSES);
  expect(moved).toContainEqual({ from: 'kubernetes_role_binding_v1.ancamilea_plotting-book', to: 'kubernetes_role_binding_v1.namespace_admin["ancamilea/plotting-book"]' });
  expect(moved).toContainEqual({ from: 'vault_policy.user_emo', to: 'vault_policy.personal["emo"]' });
});

(hasTerraform || process.env.CI === 'true' ? test : test.skip)(
  'real Terraform: an old-layout state moves to the keyed addresses with nothing added, changed or destroyed',
  () => {
    const t = new Tf();
    try {
      t.run(oldStandIn(tf), 'init');
      t.run(oldStandIn(tf), 'apply', '-auto-approve');
      t.run(newStandIn(tf), 'plan', '-out=tfplan');
      const changes = t.showPlan().resource_changes;
      // The one addition: the non-exclusive policy attachment (issue 14), a create that
      // re-adds the policies the entity already has; nothing else is added or changed.
      const acting = changes.filter((c) => c.change.actions.some((a) => a !== 'no-op'));
      expect(acting.map((c) => [c.address, c.change.actions])).toEqual(
        ['ancamilea', 'emo', 'gheorghe', 'wizard'].map((u) => [`terraform_data.vault_identity_entity_policies__person["${u}"]`, ['create']]),
      );
      const moved = changes.filter((c) => c.previous_address !== undefined);
      expect(moved.map((c) => [c.previous_address, c.address]).sort()).toEqual(
        (tf.moved as Moved[]).map((m) => [standInAddress(m.from), standInAddress(m.to)]).sort(),
      );
      expect(moved).toHaveLength(OLD_PERSONAL_ADDRESSES.length);
      // Applying the move and planning again: a clean, empty plan.
      t.run(newStandIn(tf), 'apply', '-auto-approve');
      const again = t.run(newStandIn(tf), 'plan', '-detailed-exitcode');
      expect(again).toContain('No changes.');
    } finally {
      t.dispose();
    }
  },
);

(hasTerraform || process.env.CI === 'true' ? test : test.skip)('real Terraform accepts the comment of an emptied Authentik group', () => {
  const inputs = exampleInputs();
  const roster = structuredClone(inputs.roster);
  for (const u of Object.keys(roster.people)) if (roster.people[u].tier !== 'admin') delete roster.people[u];
  const lone = synthWorkstations({ roster, site: inputs.site });
  expect(lone.resource.authentik_group.kubernetes_power_users).toEqual({ name: 'kubernetes-power-users', users: [] });
  // The comment lives next to cdktf's metadata, which Testing.synth strips: read the raw stack.
  const { stacks } = buildApp({ roster, site: inputs.site }, Testing.app().outdir, { configBaseCommit: false });
  const raw = JSON.parse(JSON.stringify(stacks.workstations.toTerraform())) as TfJson;
  expect((raw.resource.authentik_group.kubernetes_power_users['//'] as Body).comment).toBe(EMPTY_GROUP_COMMENT);
  expect((raw.resource.authentik_group.kubernetes_admins['//'] as Body).comment).toBeUndefined();
  lone.resource.authentik_group = raw.resource.authentik_group;
  const t = new Tf();
  try {
    t.run(newStandIn(lone), 'init');
    expect(t.run(newStandIn(lone), 'plan')).toContain('Plan:');
  } finally {
    t.dispose();
  }
});
