// The summary's wording for a first plan (real `terraform plan` of the synthesized devvm
// stack: planning needs no SSH). Guards and later changes are exercised on real plans
// against a test host in test/e2e/plan-guards.e2e.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { checkGuards } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { renderSummary, summarize } from '../../src/plan/summary';
import { accountUid } from '../../src/plan/account-uid';
import { account, plan } from '../support/plan-fixtures';
import { exampleInputs } from '../support/inputs';
import { hasTerraform } from '../support/terraform';

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
    const p = plan([account('emo', 1003, 'replace', 'replace_because_tainted')], ['terraform_data.account["emo"]']);
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
    const s = summarize([plan([account('emo', 1003, 'delete')], ['terraform_data.account["emo"]'])]);
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
