// Issue 7: the agent's preflight runs before any onboarding in the same apply and fails
// with the full list of what is missing; nothing is onboarded.
import { useTestHost } from '../harness/host';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { createConfigBase } from './devvm/host-tools';
import { exampleCast, siteFor, synthDevvm } from './devvm/stack';

describeE2E('preflight before onboarding', () => {
  const host = useTestHost();

  it('a missing program (and too little memory) fails the apply, listing both, and onboards nobody', async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    await h.execOk(['rm', '-f', '/usr/bin/git-crypt']);
    const site = siteFor(h) as { devvm: { preflight: Record<string, unknown> } };
    site.devvm.preflight = { ...site.devvm.preflight, min_free_memory: '100000G' };
    const synth = synthDevvm(h, exampleCast(), site);
    const tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const { planFile } = await tf.plan();
    const failure = await tf.apply(planFile).then(
      () => new Error('apply succeeded'),
      (err: Error) => err,
    );
    expect(failure.message).toMatch(/\(host\): preflight: FAILED \(devvm not ready: memory: \S+ free, need 100000G; program not found: git-crypt \(Debian package git-crypt: apt-get install git-crypt\)\)/);
    for (const u of ['wizard', 'emo', 'ancamilea']) {
      expect((await h.exec(['getent', 'passwd', u])).code).not.toBe(0);
      expect(await h.exists(`/home/${u}`)).toBe(false);
    }
  });
});
