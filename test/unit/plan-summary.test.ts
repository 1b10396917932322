// The summary's wording for a first plan (real `terraform plan` of the synthesized devvm
// stack: planning needs no SSH). Guards and later changes are exercised on real plans
// against a test host in test/e2e/plan-guards.e2e.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { devvmAddress } from '../../src/desired/devvm-addresses';
import { derive } from '../../src/desired/derive';
import { checkGuards } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { emptiedGroupNotes, personOf, renderSummary, summarize } from '../../src/plan/summary';
import { accountUid } from '../../src/plan/account-uid';
import { account, plan } from '../support/plan-fixtures';
import type { Inputs } from '../../src/roster/load';
import { exampleInputs } from '../support/inputs';
import { hasTerraform } from '../support/terraform';
import { previousShardLayout } from '../support/devvm-previous-layout';

(hasTerraform || process.env.CI === 'true' ? test : test.skip)('a first plan onboards the cast, naming the legacy adoption', () => {
  const out = mkdtempSync(join(tmpdir(), 'dw-summary-'));
  buildApp(exampleInputs(), out, { configBaseCommit: false }).app.synth();
  const dir = join(out, 'stacks', 'workstations-devvm');
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(out, 'empty.tfrc') };
  writeFileSync(env.TF_CLI_CONFIG_FILE, '');
  writeFileSync(join(dir, 'zz_local_backend_override.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: join(out, 'state') } } } }));
  execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  execFileSync('terraform', ['plan', '-input=false', '-no-color', '-out=p.tfplan'], { cwd: dir, env, stdio: 'pipe' });
  const plan = JSON.parse(execFileSync('terraform', ['show', '-json', 'p.tfplan'], { cwd: dir, env, encoding: 'utf8' })) as PlanJson;
  const summary = summarize([plan]);
  expect(renderSummary(summary)).toBe(
    [
      'People:',
      '  + onboard   ancamilea  namespace-owner, workstation parked',
      '  + onboard   emo        power-user, workstation active (legacy: existing account adopted, additive only)',
      '  + onboard   wizard     admin, workstation active',
      'Other changes:',
      '  + create   terraform_data.accounts_ready',
      '  + create   terraform_data.claude_layer',
      '  + create   terraform_data.host',
      '',
    ].join('\n'),
  );
  // Nothing exists yet: no guard has anything to refuse.
  expect(checkGuards([plan], summary, { allowOffboard: [], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });
});

describe('failed applies and retired uids in the summary', () => {
  // Fixtures in the shape of real plan JSON (test/support/plan-fixtures.ts).

  it('a tainted account is a retry, not a recreate: nothing is offboarded', () => {
    const p = plan([account('emo', 1003, 'replace', 'replace_because_tainted')], [devvmAddress('account', 'emo')]);
    const s = summarize([p]);
    expect(s.people.map((x) => [x.kind, x.retiredUid])).toEqual([['retry', undefined]]);
    expect(renderSummary(s)).toContain(
      '  + retry     emo  account emo was left half-onboarded by a failed apply (tainted): this apply retries the onboarding; nothing is offboarded',
    );
  });

  it('an offboard and a recreate name the uid to add to retired_uids', () => {
    const s = summarize([
      plan([account('emo', 1003, 'delete'), account('zoe', 1004, 'replace', 'replace_because_cannot_update'), account('wiz', 1000, 'replace', 'replace_by_request')]),
    ]);
    expect(s.people.map((x) => [x.osUser, x.kind, x.retiredUid, x.details.join('; ')])).toEqual([
      ['emo', 'offboard', 1003, 'account locked, home archived on the devvm; then add uid 1003 to retired_uids'],
      ['wiz', 'recreate', 1000, 'replacement requested (-replace): OFFBOARD then ONBOARD; then add uid 1000 to retired_uids'],
      ['zoe', 'recreate', 1004, 'account identity (uid or host) changed: OFFBOARD then ONBOARD; then add uid 1004 to retired_uids'],
    ]);
  });

  it('removing the row of a tainted account says that Terraform runs no offboarding for it', () => {
    const s = summarize([plan([account('emo', 1003, 'delete')], [devvmAddress('account', 'emo')])]);
    expect([s.people[0].kind, s.people[0].retiredUid]).toEqual(['offboard', undefined]);
    expect(s.people[0].details[0]).toMatch(/^account was left half-onboarded by a failed apply \(tainted\): Terraform runs NO offboarding/);
  });

  it('a tainted profile (its converge failed) is a retried converge', () => {
    const profile = { address: 'terraform_data.profile["emo"]', mode: 'managed', type: 'terraform_data', name: 'profile', index: 'emo', action_reason: 'replace_because_tainted', change: { actions: ['delete', 'create'], before: {}, after: {} } } as const;
    expect(summarize([plan([profile], [profile.address])]).people).toEqual([
      expect.objectContaining({ osUser: 'emo', kind: 'update', details: ['converge retried (a failed apply left the profile tainted)'] }),
    ]);
  });

  it('a tainted host resource is marked as a retry among the other changes', () => {
    const host = { address: 'terraform_data.host', mode: 'managed', type: 'terraform_data', name: 'host', action_reason: 'replace_because_tainted', change: { actions: ['delete', 'create'], before: {}, after: {} } } as const;
    expect(renderSummary(summarize([plan([host], ['terraform_data.host'])]))).toContain('  ! replace  terraform_data.host (retry: left tainted by a failed apply)');
  });
});

describe('accountUid reads the uid however the stack carries it', () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');
  it.each([
    ['triggers_replace.uid', { triggers_replace: { uid: 1003 } }, 1003],
    ['triggers_replace.uid as a string', { triggers_replace: { uid: '1003' } }, 1003],
    ['input.uid', { input: { uid: 1004 } }, 1004],
    ['input.spec, base64 JSON', { input: { spec: b64({ osUser: 'emo', uid: 1005 }) } }, 1005],
    ['input.spec, structured', { input: { spec: { osUser: 'emo', uid: 1006 } } }, 1006],
    ['nothing', { input: { spec: 'not base64 json' } }, undefined],
    ['null', null, undefined],
  ])('%s', (_what, values, uid) => {
    expect(accountUid(values as Record<string, unknown> | null)).toBe(uid);
  });
});

// ---------------------------------------------------------------------------------------
// Per-person attribution of the for_each shapes (issue 15), and the note on an Authentik
// group the roster empties. The cluster providers cannot run here: these plans are written
// in Terraform's plan JSON format (format_version 1.2) with the addresses the stack has.

type Change = Parameters<typeof personOf>[0];
function rc(address: string, actions: string[], before: Record<string, unknown> | null, after: Record<string, unknown> | null): Change {
  const m = /^(?:data\.)?([a-z0-9_]+)\.([a-z0-9_-]+)(?:\[(.+)\])?$/.exec(address)!;
  return {
    address,
    mode: address.startsWith('data.') ? 'data' : 'managed',
    type: m[1],
    name: m[2],
    ...(m[3] !== undefined ? { index: JSON.parse(m[3]) as string } : {}),
    change: { actions: actions as never, before, after },
  };
}

describe('personOf', () => {
  test.each([
    ['kubernetes_cluster_role_binding_v1.person["emo"]', 'emo'],
    ['kubernetes_role_binding_v1.namespace_admin["gheorghe/vabbit81"]', 'gheorghe'],
    ['vault_policy.personal["wizard"]', 'wizard'],
    ['vault_identity_entity.person["ancamilea"]', 'ancamilea'],
    ['vault_identity_entity_alias.person["person"]', 'person'],
    [devvmAddress('account', 'emo'), 'emo'],
    [devvmAddress('profile', 'emo'), 'emo'],
    // The unsharded devvm blocks (a state from before 2026-12-01, seen when it is destroyed).
    ['terraform_data.account["emo"]', 'emo'],
    ['terraform_data.profile["emo"]', 'emo'],
    // The one-block-per-person layout (a state from before the move).
    ['kubernetes_cluster_role_binding_v1.emo', 'emo'],
    ['vault_identity_entity.emo', 'emo'],
  ])('%s belongs to %s', (address, who) => {
    expect(personOf(rc(address, ['delete'], { name: 'x' }, null))).toBe(who);
  });

  test.each([
    'vault_policy.tier_admin',
    'kubernetes_cluster_role_v1.tier_power_user',
    'authentik_group.kubernetes_admins',
    'terraform_data.host',
    'terraform_data.legacy_cross_check_emo',
  ])('%s belongs to nobody', (address) => {
    expect(personOf(rc(address, ['update'], { name: 'workstations-admin' }, { name: 'workstations-admin' }))).toBeUndefined();
  });

  test('old-layout role bindings and personal policies: by label and by name', () => {
    const labels = { metadata: [{ labels: { 'workstations/os-user': 'gheorghe' }, namespace: 'vabbit81' }] };
    expect(personOf(rc('kubernetes_role_binding_v1.gheorghe_vabbit81', ['delete'], labels, null))).toBe('gheorghe');
    expect(personOf(rc('vault_policy.user_emo', ['delete'], { name: 'workstations-user-emo' }, null))).toBe('emo');
  });

  test('a demotion that removes managed groups says, before apply, that it ends the person\'s live sessions', () => {
    const { roster, site } = exampleInputs();
    const before = derive(roster, site).people.find((p) => p.osUser === 'wizard')!.workstation!;
    const after = { ...before, tier: 'power-user' as const, unixGroups: before.unixGroups.filter((g) => !['sudo', 'docker', 'code-shared'].includes(g)) };
    const profile = (ws: typeof before) => ({ triggers_replace: { desired: ws } });
    const demote = (ws: typeof after) => summarize([{ format_version: '1.2', resource_changes: [rc('terraform_data.profile["wizard"]', ['delete', 'create'], profile(before), profile(ws))] }]);
    expect(before.unixGroups).toEqual(expect.arrayContaining(['sudo', 'docker', 'code-shared']));
    expect(demote(after).people[0].details).toEqual([
      'tier admin -> power-user',
      'groups -sudo -docker -code-shared',
      "ENDS wizard's live sessions on the devvm and restarts their units (running processes would keep sudo, docker, code-shared)",
    ]);
    // A legacy account's removals wait for cutover: nothing is ended now.
    expect(demote({ ...after, legacy: true }).people[0].details.filter((d) => d.startsWith('ENDS'))).toEqual([]);
  });

  test('a demotion in the keyed layout is one update of that person, with the namespace change', () => {
    const plan: PlanJson = {
      format_version: '1.2',
      resource_changes: [
        rc('vault_identity_entity.person["gheorghe"]', ['update'], { metadata: { tier: 'namespace-owner' } }, { metadata: { tier: 'power-user' } }),
        rc('kubernetes_role_binding_v1.namespace_admin["gheorghe/vabbit81"]', ['delete'], { metadata: [{ namespace: 'vabbit81', labels: {} }] }, null),
        rc('kubernetes_cluster_role_binding_v1.person["gheorghe"]', ['update'], {}, {}),
        rc('vault_identity_entity.person["emo"]', ['no-op'], {}, {}),
      ],
    };
    expect(summarize([plan]).people).toEqual([
      { osUser: 'gheorghe', kind: 'update', details: ['tier namespace-owner -> power-user', 'namespace -vabbit81'], tierBefore: 'namespace-owner', tierAfter: 'power-user' },
    ]);
  });
});

describe('an Authentik group the roster empties', () => {
  // emo (power-user, pk 7) leaves; the roster keeps one admin. `users = []` is Optional+
  // Computed in the provider: the plan keeps the server's members (a no-op).
  const group = (users: number[]) => ({ name: 'kubernetes-power-users', users });
  const plan = (after: number[], priorState: unknown[] = []) =>
    ({
      format_version: '1.2',
      resource_changes: [
        rc('authentik_group.kubernetes_power_users', ['no-op'], group([7]), group(after)),
        rc('authentik_group.kubernetes_admins', ['no-op'], { name: 'kubernetes-admins', users: [1] }, { name: 'kubernetes-admins', users: [1] }),
        rc('vault_identity_entity.person["emo"]', ['delete'], { metadata: { tier: 'power-user' } }, null),
        rc('kubernetes_cluster_role_binding_v1.person["emo"]', ['delete'], {}, null),
      ],
      prior_state: { values: { root_module: { resources: priorState } } },
      configuration: {
        root_module: {
          resources: [
            { address: 'authentik_group.kubernetes_power_users', expressions: { name: { constant_value: 'kubernetes-power-users' }, users: { constant_value: [] } } },
            { address: 'authentik_group.kubernetes_admins', expressions: { users: { references: ['data.authentik_user.person["wizard"].pk'] } } },
          ],
        },
      },
    }) as PlanJson;

  test('the person still loses their access, and the summary says who stays in the group and how to clear it', () => {
    const summary = summarize([plan([7])]);
    expect(summary.people).toEqual([{ osUser: 'emo', kind: 'offboard', details: ['cluster access removed'], tierBefore: 'power-user', tierAfter: undefined }]);
    expect(renderSummary(summary)).toBe(
      [
        'People:',
        '  - OFFBOARD  emo  cluster access removed',
        'Other changes: none',
        'Notes:',
        '  ! Authentik group kubernetes-power-users: the provider cannot empty a group; Authentik user pk 7 stays a member until removed in the Authentik UI (Directory > Groups > kubernetes-power-users)',
        '',
      ].join('\n'),
    );
  });

  test('members this plan still looks up are named by os_user; a planned empty list counts too', () => {
    const lookups = [
      { mode: 'data', type: 'authentik_user', name: 'person', index: 'emo', values: { username: 'emil.barzin', pk: 7 } },
      { mode: 'data', type: 'authentik_user', name: 'person', index: 'wizard', values: { username: 'vbarzin', pk: 1 } },
    ];
    const p = { ...plan([], lookups), configuration: undefined } as PlanJson;
    expect(emptiedGroupNotes([p])).toEqual([
      'Authentik group kubernetes-power-users: the provider cannot empty a group; emo stays a member until removed in the Authentik UI (Directory > Groups > kubernetes-power-users)',
    ]);
  });

  test('no note when the group keeps members, was already empty, or is destroyed', () => {
    const keeps = { format_version: '1.2', resource_changes: [rc('authentik_group.t3_users', ['update'], group([7, 8]), group([8]))] } as PlanJson;
    const wasEmpty = { format_version: '1.2', resource_changes: [rc('authentik_group.t3_users', ['no-op'], group([]), group([]))] } as PlanJson;
    const destroyed = { format_version: '1.2', resource_changes: [rc('authentik_group.t3_users', ['delete'], group([7]), null)] } as PlanJson;
    expect(emptiedGroupNotes([keeps, wasEmpty, destroyed])).toEqual([]);
    expect(summarize([keeps]).notes).toBeUndefined();
  });
});

/** Synthesizes `roster` into a fresh dir whose local state is `state`; returns the stack dir and Terraform's env. */
function stackDir(roster: Inputs['roster'], state: string, edit?: (tf: Record<string, any>) => void) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out = mkdtempSync(join(tmpdir(), 'dw-summary-'));
  buildApp({ roster, site: exampleInputs().site }, out, { configBaseCommit: false }).app.synth();
  const dir = join(out, 'stacks', 'workstations-devvm');
  if (edit) {
    const tf = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
    edit(tf);
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(tf));
  }
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(out, 'empty.tfrc') };
  writeFileSync(env.TF_CLI_CONFIG_FILE, '');
  writeFileSync(join(dir, 'zz_local_backend_override.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: state } } } }));
  execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  return { dir, env };
}

/** No provisioners, no connection: applying only writes state (there is no devvm here). */
const inert = (tf: Record<string, any>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const r of Object.values(tf.resource.terraform_data) as Record<string, unknown>[]) {
    delete r.provisioner;
    delete r.connection;
  }
};

function planJson(dir: string, env: NodeJS.ProcessEnv): PlanJson {
  execFileSync('terraform', ['plan', '-input=false', '-no-color', '-out=p.tfplan'], { cwd: dir, env, stdio: 'pipe' });
  return JSON.parse(execFileSync('terraform', ['show', '-json', 'p.tfplan'], { cwd: dir, env, encoding: 'utf8' })) as PlanJson;
}

(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('upgrading a state whose specs are objects to the JSON texts', () => {
  const state = join(mkdtempSync(join(tmpdir(), 'dw-summary-upgrade-')), 'terraform.tfstate');
  beforeAll(() => {
    // The previous shard layout (test/support/devvm-previous-layout.ts), applied without provisioners.
    const { dir, env } = stackDir(exampleInputs().roster, state, (tf) => {
      Object.assign(tf, previousShardLayout(tf));
      inert(tf);
    });
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  });

  test('re-converges each profile once and rewrites each account in place: no account is replaced, nobody offboarded', () => {
    const { dir, env } = stackDir(exampleInputs().roster, state);
    const plan = planJson(dir, env);
    const acting = (plan.resource_changes ?? []).filter((rc) => !rc.change.actions.includes('no-op'));
    const people = ['ancamilea', 'emo', 'wizard'];
    expect(acting.map((rc) => `${rc.address} ${rc.change.actions.join(',')}`).sort()).toEqual(
      people.flatMap((u) => [`${devvmAddress('account', u)} update`, `${devvmAddress('profile', u)} delete,create`]).sort(),
    );
    expect(renderSummary(summarize([plan]))).toBe(
      [
        'People:',
        ...people.map((u) => `  ~ update    ${u.padEnd(9)}  re-converge once (the desired state is now carried as JSON text; same content, nothing changes on the devvm); account's input now stored as one JSON text (state only: nothing runs on the devvm)`),
        'Other changes: none',
        '',
      ].join('\n'),
    );
    expect(checkGuards([plan], summarize([plan]), { allowOffboard: [], allowDemoteAdmin: [], iKnow: false })).toEqual({ allowed: true, refusals: [] });
  });

  test('a real change in the same plan is still named: not folded into the one-time re-converge', () => {
    const roster = structuredClone(exampleInputs().roster);
    roster.people.emo = { ...roster.people.emo, workstation: { ...roster.people.emo.workstation!, parked: true } };
    const { dir, env } = stackDir(roster, state);
    const emo = summarize([planJson(dir, env)]).people.find((p) => p.osUser === 'emo')!;
    expect(emo.details).toEqual(['park', "account's input now stored as one JSON text (state only: nothing runs on the devvm)"]);
  });
});

(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('later plans on an applied state', () => {
  const state = join(mkdtempSync(join(tmpdir(), 'dw-summary-state-')), 'terraform.tfstate');
  beforeAll(() => {
    const { dir, env } = stackDir(exampleInputs().roster, state, inert);
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  });

  test('parking one person: only their profile, with the reason read from the structured desired state', () => {
    const roster = structuredClone(exampleInputs().roster);
    roster.people.emo = { ...roster.people.emo, workstation: { ...roster.people.emo.workstation!, parked: true } };
    const { dir, env } = stackDir(roster, state);
    const plan = planJson(dir, env);
    const changed = (plan.resource_changes ?? []).filter((rc) => !rc.change.actions.includes('no-op')).map((rc) => `${rc.address} ${rc.change.actions.join(',')}`);
    expect(changed).toEqual([`${devvmAddress('profile', 'emo')} delete,create`]);
    expect(renderSummary(summarize([plan]))).toBe('People:\n  ~ update    emo  park\nOther changes: none\n');
  });

  test('a host replacement names the triggers that changed; profiles say the agent changed', () => {
    const { dir, env } = stackDir(exampleInputs().roster, state, (tf) => {
      // Stands in for a new agent bundle (every resource carries its sha256) and a new pane cap.
      for (const r of Object.values(tf.resource.terraform_data) as { triggers_replace?: Record<string, unknown> }[]) {
        if (r.triggers_replace && 'agent_sha256' in r.triggers_replace) r.triggers_replace.agent_sha256 = 'f'.repeat(64);
      }
      tf.resource.terraform_data.host.triggers_replace.pane_memory_max = '4G';
    });
    const summary = summarize([planJson(dir, env)]);
    expect(renderSummary(summary)).toBe(
      [
        'People:',
        '  ~ update    ancamilea  re-converge (agent changed)',
        '  ~ update    emo        re-converge (agent changed)',
        '  ~ update    wizard     re-converge (agent changed)',
        'Other changes:',
        '  ! replace  terraform_data.claude_layer (changed: agent_sha256)',
        '  ! replace  terraform_data.host (changed: agent_sha256, pane_memory_max)',
        '',
      ].join('\n'),
    );
  });
});
