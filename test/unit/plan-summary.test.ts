// The summary's wording for a first plan (real `terraform plan` of the synthesized devvm
// stack: planning needs no SSH). Guards and later changes are exercised on real plans
// against a test host in test/e2e/plan-guards.e2e.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { checkGuards } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { renderSummary, summarize } from '../../src/plan/summary';
import type { Inputs } from '../../src/roster/load';
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
    expect(changed).toEqual(['terraform_data.profile["emo"] delete,create']);
    expect(renderSummary(summarize([plan]))).toBe('People:\n  ~ update    emo  park\nOther changes: none\n');
  });

  test('a host replacement names the triggers that changed; profiles say the agent changed', () => {
    const { dir, env } = stackDir(exampleInputs().roster, state, (tf) => {
      // Stands in for a new agent bundle (every resource carries its sha256) and a new pane cap.
      for (const r of Object.values(tf.resource.terraform_data) as { triggers_replace: Record<string, unknown> }[]) {
        if ('agent_sha256' in r.triggers_replace) r.triggers_replace.agent_sha256 = 'f'.repeat(64);
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
