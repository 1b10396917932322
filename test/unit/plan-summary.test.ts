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
