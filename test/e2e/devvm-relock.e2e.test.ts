// A demoted admin keeps no key: the next converge re-locks their unlocked clone, so
// "no key anywhere in reach of non-admins" holds after a tier change too.
import * as fs from 'node:fs';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { expectLockedClone } from './devvm/checks';
import { linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, synthDevvm } from './devvm/stack';

describeE2E('demoting an admin re-locks their clone', () => {
  const host = useTestHost();

  it('removes the git-crypt key and puts the ciphertext back', async () => {
    const h = host();
    const roster = exampleCast();
    roster.people.vadmin = { email: 'vadmin@example.com', authentik_user: 'vadmin', tier: 'admin' };
    const { fixture, tf } = await applyCast(h, roster);
    const wizardUid = Number((await h.execOk(['id', '-u', 'wizard'])).stdout.trim());
    fs.copyFileSync(fixture.keyFile, `${h.rootDir}/home/wizard/infra.key`);
    fs.chownSync(`${h.rootDir}/home/wizard/infra.key`, wizardUid, wizardUid);
    await h.execOk(['git-crypt', 'unlock', '/home/wizard/infra.key'], { user: 'wizard', cwd: '/home/wizard/code' });
    await h.execOk(['rm', '/home/wizard/infra.key']);
    expect(await h.exists('/home/wizard/code/.git/git-crypt/keys/default')).toBe(true);

    roster.people.wizard.tier = 'power-user';
    tf.setConfig(synthDevvm(h, roster).stackDir);
    const { output } = await tf.planAndApply();
    expect(linesOf(output, 'wizard')).toContain('wizard: infra-clone: changed (re-locked: git-crypt key removed, the tier no longer unlocks)');
    expect(await h.exists('/home/wizard/code/.git/git-crypt')).toBe(false);
    await expectLockedClone(h, 'wizard', '/home/wizard/code', fixture.encryptedPaths);
    expect((await h.execOk(['id', '-nG', 'wizard'])).stdout.trim().split(' ').sort()).toEqual(['wizard']);
  });
});
