// Issue 10 item 5 end to end: the commands themselves (bin/plan.ts, bin/synth.ts,
// bin/apply.ts) against a real test host: `plan --stack workstations-devvm`, then a synth
// (which must keep the saved plan and the stack's .terraform), then the exact apply command
// the plan printed, without --stack, applies that one stack's saved plan over real SSH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestHost } from '../harness/host';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { runBin } from '../support/run';
import { createConfigBase } from './devvm/host-tools';
import { exampleCast, siteFor } from './devvm/stack';

const DEVVM = 'workstations-devvm';

describeE2E('npm run plan -> synth -> apply, through the commands', () => {
  const host = useTestHost();

  it('the printed apply command applies exactly the planned stack after a synth', async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    const dir = h.scratchDir('cli-');
    mkdirSync(join(dir, 'roster'));
    writeFileSync(join(dir, 'roster/roster.yaml'), stringify(exampleCast()));
    writeFileSync(join(dir, 'roster/site.yaml'), stringify(siteFor(h)));
    mkdirSync(join(dir, 'state'));
    const env = { ...h.env, WORKSTATIONS_LOCAL_STATE_DIR: join(dir, 'state') };

    const plan = runBin('plan', ['--stack', DEVVM], { cwd: dir, env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`\nApply exactly these with: npm run apply -- --stack ${DEVVM}\n`);
    expect(runBin('synth', [], { cwd: dir }).code).toBe(0);

    const apply = runBin('apply', [], { cwd: dir, env });
    expect([apply.code, apply.stderr.split('\n').filter((l) => /error|REFUSED/i.test(l))]).toEqual([0, []]);
    expect(apply.stdout).toMatch(new RegExp(`^Applying the saved plans for ${DEVVM} \\(npm run apply -- --stack ${DEVVM}\\):\\n`));
    expect(apply.stderr).toContain('applied.');
    for (const u of ['wizard', 'emo', 'ancamilea']) expect((await h.exec(['getent', 'passwd', u])).code).toBe(0);

    // The same saved plan cannot be applied twice: Terraform refuses a plan whose state moved on.
    const again = runBin('apply', [], { cwd: dir, env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Saved plan is stale/);
  });
});
