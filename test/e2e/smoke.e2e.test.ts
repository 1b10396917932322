// Smoke test of the whole chain the product relies on: cdktf synth -> real terraform ->
// SSH (agent auth, pinned host key) -> remote-exec in a disposable devvm; and offboarding by
// removing a key from a for_each map, which must run only that instance's destroy-time
// provisioner.
import * as fs from 'node:fs';
import { TestHost, useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { SmokeStackOptions, synthSmokeStack } from './smoke-stack';

/** The /etc/shadow line of `user` (fields: name:password:...:expire:reserved). */
async function shadowLine(host: TestHost, user: string): Promise<string | undefined> {
  const shadow = await host.readFile('/etc/shadow');
  return shadow.split('\n').find((l) => l.startsWith(`${user}:`));
}

describeE2E('smoke: terraform drives a test host over SSH', () => {
  // Synth outdirs and Terraform work dirs live in the host's private dir: they go with it.
  const host = useTestHost();

  function synth(users: string[], extra: Partial<SmokeStackOptions> = {}): string {
    const h = host();
    return synthSmokeStack({
      outdir: h.scratchDir('synth-'),
      users,
      target: { address: h.address, port: h.port, hostKey: h.hostKey },
      ...extra,
    });
  }

  function terraform(stackDir: string): Terraform {
    const h = host();
    return new Terraform({ stackDir, env: h.env, baseDir: h.privateDir });
  }

  it('creates accounts, locks only the removed one, then reports no changes', async () => {
    const h = host();
    // The stack declares the product's pg backend: state goes to the harness's PostgreSQL.
    const tf = terraform(synth(['alice', 'bob']));

    const first = await tf.plan();
    const creates = (first.plan.resource_changes ?? []).map((c) => [c.address, c.change.actions.join(',')]);
    expect(creates).toEqual([
      ['terraform_data.account["alice"]', 'create'],
      ['terraform_data.account["bob"]', 'create'],
    ]);
    await tf.apply(first.planFile);

    for (const u of ['alice', 'bob']) {
      expect((await h.exec(['id', '-u', u])).code).toBe(0);
      expect((await h.stat(`/home/${u}`)).type).toBe('directory');
    }
    const aliceBefore = await shadowLine(h, 'alice');
    expect(aliceBefore).toMatch(/^alice:\*:/);
    const bobBefore = (await shadowLine(h, 'bob'))!.split(':');
    expect(bobBefore[7]).toBe(''); // no expiry yet

    // Offboard bob: drop his key from the map.
    tf.setConfig(synth(['alice']));
    const second = await tf.plan();
    expect((second.plan.resource_changes ?? []).filter((c) => c.change.actions.join() !== 'no-op').map((c) => [c.address, c.change.actions.join(',')]))
      .toEqual([['terraform_data.account["bob"]', 'delete']]);
    const output = await tf.apply(second.planFile);
    expect(output).toMatch(/Destruction complete/);

    const bobAfter = (await shadowLine(h, 'bob'))!.split(':');
    expect(bobBefore[1]).toBe('*');
    expect(bobAfter[1]).toBe('!*'); // password locked
    expect(bobAfter[7]).toBe('1'); // account expired on 1970-01-02
    expect(await h.exists('/home/bob')).toBe(true); // locked, not deleted
    expect(await shadowLine(h, 'alice')).toBe(aliceBefore); // untouched, byte for byte

    const third = await tf.planNoChanges();
    expect(third.output).toMatch(/No changes/);
    expect(third.noChanges).toBe(true);
  });

  it('fails the apply with Terraform\'s own error when a provisioner fails', async () => {
    const tf = terraform(synth(['carol'], { createCommands: ['echo about to fail', 'exit 3'] }));
    const p = await tf.plan();
    const err = await tf.apply(p.planFile).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/terraform apply/);
    expect(err!.message).toMatch(/remote-exec/);
    expect(err!.message).toMatch(/exited with status 3/);
  });

  it('refuses to connect when the pinned host key does not match', async () => {
    const h = host();
    // Any other ed25519 key will do: the client's own public key is at hand.
    const [type, key] = fs.readFileSync(`${h.clientKeyFile}.pub`, 'utf8').split(' ');
    const stackDir = synth(['mallory'], { target: { address: h.address, port: h.port, hostKey: `${type} ${key}` }, connectTimeout: '3s' });
    const tf = terraform(stackDir);
    const p = await tf.plan();
    const err = await tf.apply(p.planFile).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/knownhosts: key mismatch/);
    expect((await h.exec(['id', 'mallory'])).code).not.toBe(0);
  });
});
