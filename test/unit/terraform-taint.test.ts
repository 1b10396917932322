// The Terraform behaviour the retry design rests on, checked on the real binary with a
// `terraform_data` shaped like the devvm `account` (for_each, a create-time provisioner, a
// destroy-time one; local-exec stands in for remote-exec, the lifecycle is the same):
//   - a failed create-time provisioner leaves the instance tainted;
//   - the next plan replaces it with action_reason replace_because_tainted, and the apply runs
//     NO destroy-time provisioner for it (no offboard);
//   - removing a tainted instance's key runs none either (delete_because_each_key);
//   - `-replace` (replace_by_request) and a changed trigger (replace_because_cannot_update) do run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroysTainted, PlanJson, taintedAddresses } from '../../src/plan/plan-json';
import { hasTerraform } from '../support/terraform';

const CONFIG = {
  variable: { keys: { type: 'map(number)' }, fail: { type: 'string', default: '' } },
  resource: {
    terraform_data: {
      account: {
        for_each: '${var.keys}',
        triggers_replace: { os_user: '${each.key}', uid: '${each.value}' },
        input: { os_user: '${each.key}', fail: '${var.fail}' },
        provisioner: [
          { 'local-exec': { command: 'echo ONBOARD ${self.input.os_user}; test "${self.input.fail}" != "${self.input.os_user}"' } },
          { 'local-exec': { when: 'destroy', command: 'echo OFFBOARD ${self.input.os_user}' } },
        ],
      },
    },
  },
};

(hasTerraform || process.env.CI === 'true' ? test : test.skip)('a tainted terraform_data is replaced or removed without its destroy-time provisioner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-taint-'));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(CONFIG));
  writeFileSync(join(dir, 'empty.tfrc'), '');
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc') };
  const tf = (args: string[]) => spawnSync('terraform', [...args, '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  const vars = (keys: Record<string, number>, fail = '') => [`-var=keys=${JSON.stringify(keys)}`, `-var=fail=${fail}`];
  const plan = (args: string[]): PlanJson => {
    const r = tf(['plan', '-input=false', '-out=p.tfplan', ...args]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    return JSON.parse(execFileSync('terraform', ['show', '-json', 'p.tfplan'], { cwd: dir, env, encoding: 'utf8' })) as PlanJson;
  };
  const reasons = (p: PlanJson) => Object.fromEntries((p.resource_changes ?? []).map((rc) => [rc.index, [rc.change.actions.join('+'), rc.action_reason ?? '-', destroysTainted(rc, taintedAddresses([p]))]]));
  const apply = () => tf(['apply', '-input=false', 'p.tfplan']);

  expect(tf(['init', '-input=false']).status).toBe(0);
  plan(vars({ a: 1001, b: 1002 }, 'b'));
  const failed = apply();
  expect(failed.status).toBe(1);
  expect(failed.stdout).toContain('ONBOARD b');

  // The retry: b is tainted and replaced, and nothing offboards it.
  const retry = plan(vars({ a: 1001, b: 1002 }));
  expect([...taintedAddresses([retry])]).toEqual(['terraform_data.account["b"]']);
  expect(reasons(retry)).toEqual({ a: ['update', '-', false], b: ['delete+create', 'replace_because_tainted', true] });
  const retried = apply();
  expect(retried.status).toBe(0);
  expect(retried.stdout).toContain('ONBOARD b');
  expect(retried.stdout).not.toContain('OFFBOARD');

  // A changed trigger (the uid) and -replace both offboard.
  const uid = plan(vars({ a: 1001, b: 1003 }));
  expect(reasons(uid).b).toEqual(['delete+create', 'replace_because_cannot_update', false]);
  expect(apply().stdout).toContain('OFFBOARD b');
  const byRequest = plan([...vars({ a: 1001, b: 1003 }), '-replace=terraform_data.account["a"]']);
  expect(reasons(byRequest).a).toEqual(['delete+create', 'replace_by_request', false]);
  expect(apply().stdout).toContain('OFFBOARD a');

  // A tainted instance whose key is removed: deleted, and no destroy-time provisioner runs.
  expect(tf(['taint', 'terraform_data.account["b"]']).status).toBe(0);
  const removed = plan(vars({ a: 1001 }));
  expect(reasons(removed)).toEqual({ a: ['no-op', '-', false], b: ['delete', 'delete_because_each_key', true] });
  const out = apply();
  expect([out.status, out.stdout.includes('OFFBOARD')]).toEqual([0, false]);
});
