// Issue 13 item 1 end to end, against a stock sshd (the test host's own RSA, ECDSA and
// ed25519 keys) and real Terraform 1.11.4, through the commands (bin/plan.ts, bin/apply.ts):
// (a) the site pastes the real `ssh-keyscan` output and the apply connects (the product pins
// the key Terraform negotiates); (b) a pin that cannot match (the ed25519 key alone, what the
// README used to suggest, let through with host_keys_complete) fails within the connection
// timeout, not after minutes, and the message names the site key and `ssh-keyscan`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TestHost, useTestHost } from '../harness/host';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { runBin } from '../support/run';
import { createConfigBase } from './devvm/host-tools';
import { exampleCast, siteFor } from './devvm/stack';

const DEVVM = 'workstations-devvm';

describeE2E('the devvm host keys: ssh-keyscan output in, the negotiated key pinned, a wrong pin fails fast', () => {
  const host = useTestHost();

  /** A working directory with a one-admin roster and `site`, and its environment. */
  function workdir(h: TestHost, site: Record<string, unknown>): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = h.scratchDir('hostkeys-');
    mkdirSync(join(dir, 'roster'));
    const cast = exampleCast();
    writeFileSync(join(dir, 'roster/roster.yaml'), stringify({ version: 1, people: { wizard: cast.people.wizard } }));
    writeFileSync(join(dir, 'roster/site.yaml'), stringify(site));
    mkdirSync(join(dir, 'state'));
    return { dir, env: { ...h.env, WORKSTATIONS_LOCAL_STATE_DIR: join(dir, 'state') } };
  }

  it('(a) the full ssh-keyscan output works with real Terraform: it pins the ECDSA key the stock sshd shows', async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    const { dir, env } = workdir(h, siteFor(h));
    // The admin's paste: the real keyscan output, every stock type, as a literal block.
    const siteText = readFileSync(join(dir, 'roster/site.yaml'), 'utf8');
    expect(siteText).toMatch(/\n {2}host_keys: \|/);
    for (const type of ['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-ed25519']) expect(h.hostKeyscan).toContain(`[${h.address}]:${h.port} ${type} `);

    const plan = runBin('plan', ['--stack', DEVVM], { cwd: dir, env });
    expect([plan.code, plan.stderr.split('\n').filter((l) => /error/i.test(l))]).toEqual([0, []]);
    // The pinned key is the sshd's own ECDSA key (ssh_host_ecdsa_key.pub).
    const planned = readFileSync(join(dir, 'cdktf.out/stacks', DEVVM, 'cdk.tf.json'), 'utf8');
    expect(planned).toContain(JSON.stringify(h.hostKey));
    expect(planned).toContain('"timeout": "15s"');

    const apply = runBin('apply', [], { cwd: dir, env });
    expect([apply.code, apply.stderr.split('\n').filter((l) => /error|REFUSED/i.test(l))]).toEqual([0, []]);
    expect((await h.exec(['getent', 'passwd', 'wizard'])).code).toBe(0);
  });

  it('(b) a pin Terraform cannot match fails within seconds, naming the site key and ssh-keyscan', async () => {
    const h = host();
    const ed25519 = h.hostKeyscan.split('\n').find((l) => l.startsWith(`[${h.address}]:${h.port} ssh-ed25519 `));
    expect(ed25519).toBeDefined();
    const site = siteFor(h) as { devvm: Record<string, unknown> };
    site.devvm = { ...site.devvm, host_keys: `${ed25519}\n`, host_keys_complete: true };
    const { dir, env } = workdir(h, site);
    const keysLine = readFileSync(join(dir, 'roster/site.yaml'), 'utf8').split('\n').findIndex((l) => /^ {2}host_keys:/.test(l)) + 1;

    // Without host_keys_complete the same keys are refused before anything runs.
    const strict = workdir(h, { ...site, devvm: { ...site.devvm, host_keys_complete: undefined } });
    const validate = runBin('validate', [], { cwd: strict.dir });
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(`roster/site.yaml:${keysLine}:14 devvm.host_keys: has no ECDSA key, so Terraform would pin ssh-ed25519`);

    expect(runBin('plan', ['--stack', DEVVM], { cwd: dir, env }).code).toBe(0);
    const started = Date.now();
    const apply = runBin('apply', [], { cwd: dir, env });
    const seconds = (Date.now() - started) / 1000;
    const hint = apply.stderr.split('\n').find((l) => l.includes('SSH host key is not the one the site pins'));
    process.stderr.write(`wrong host key: npm run apply failed after ${seconds.toFixed(1)} s (connect_timeout 15s; Terraform's default would retry for 5 minutes):\n${hint}\n`);
    expect(apply.code).toBe(1);
    // Terraform's own error, then the line that says what to do.
    expect(apply.stderr).toContain('knownhosts: key mismatch');
    expect(apply.stderr).toContain(`roster/site.yaml:${keysLine} devvm.host_keys`);
    expect(apply.stderr).toContain(`Run \`ssh-keyscan -p ${h.port} ${h.address}\``);
    expect(apply.stderr).toContain('Terraform pins its ssh-ed25519 key');
  });
});
