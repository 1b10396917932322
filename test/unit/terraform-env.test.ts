// Every terraform command `npm run plan` / `apply` runs gets the same environment
// (src/plan/terraform.ts terraformEnv): not interactive, and GOGC=400 unless the admin set
// their own (Terraform's plan of many terraform_data instances spends a third of its CPU in
// Go's garbage collector; docs/bench.md).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanJson } from '../../src/plan/plan-json';
import { planStack, terraformEnv } from '../../src/plan/terraform';
import { hasTerraform } from '../support/terraform';

const tfTest = hasTerraform || process.env.CI === 'true' ? it : it.skip;

describe('terraformEnv', () => {
  it('sets GOGC=400 and the non-interactive variables, keeping the rest', () => {
    expect(terraformEnv({ PATH: '/bin', HOME: '/root' })).toEqual({ PATH: '/bin', HOME: '/root', TF_IN_AUTOMATION: '1', TF_INPUT: '0', GOGC: '400' });
  });

  it("keeps the admin's own GOGC; an empty one counts as unset", () => {
    expect(terraformEnv({ GOGC: '100' }).GOGC).toBe('100');
    expect(terraformEnv({ GOGC: 'off' }).GOGC).toBe('off');
    expect(terraformEnv({ GOGC: '' }).GOGC).toBe('400');
  });

  tfTest('is what init, plan and show -json get (a wrapper on PATH records the environment, then runs the real terraform)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-tf-env-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const log = join(dir, 'env.log');
    const real = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'terraform'), `#!/bin/sh\nprintf '%s GOGC=%s TF_IN_AUTOMATION=%s\\n' "$1" "$GOGC" "$TF_IN_AUTOMATION" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, 'terraform'), 0o755);
    const stackDir = join(dir, 'stack');
    mkdirSync(stackDir);
    writeFileSync(join(stackDir, 'main.tf.json'), JSON.stringify({ resource: { terraform_data: { r: { input: 'x' } } } }));
    const saved = { PATH: process.env.PATH, GOGC: process.env.GOGC, TF_CLI_CONFIG_FILE: process.env.TF_CLI_CONFIG_FILE };
    process.env.PATH = `${bin}:${saved.PATH}`;
    process.env.TF_CLI_CONFIG_FILE = '/dev/null';
    delete process.env.GOGC;
    let plan: PlanJson;
    try {
      const plans = join(dir, 'plans');
      plan = planStack({ stack: 'workstations-devvm', dir: stackDir, planFile: join(plans, 'p.tfplan'), planJsonFile: join(plans, 'p.json'), applyLogFile: join(plans, 'apply.log') }, () => {});
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(plan.resource_changes?.map((rc) => rc.address)).toEqual(['terraform_data.r']);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['init GOGC=400 TF_IN_AUTOMATION=1', 'plan GOGC=400 TF_IN_AUTOMATION=1', 'show GOGC=400 TF_IN_AUTOMATION=1']);
  });
});
