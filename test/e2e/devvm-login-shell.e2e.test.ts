// Issue 13 item 10 end to end: the login shell follows the roster. A person's
// workstation.login_shell overrides the site's devvm.login_shell; converge changes the shell
// of an existing account (usermod -s), except for a legacy account (pending cutover); a shell
// the host does not list in /etc/shells fails that person's step (converge) or onboarding,
// and works once the devvm has it. Real Terraform over SSH into the test host.
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import type { Terraform } from '../harness/terraform';
import { linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, RosterDoc, synthDevvm } from './devvm/stack';

describeE2E('login shell per site default and per person', () => {
  const host = useTestHost();
  let tf: Terraform;

  async function shellOf(user: string): Promise<string | undefined> {
    const r = await host().exec(['getent', 'passwd', user]);
    return r.code === 0 ? r.stdout.trim().split(':')[6] : undefined;
  }

  function castWith(shells: Record<string, string>, extra: RosterDoc['people'] = {}): RosterDoc {
    const cast = exampleCast();
    Object.assign(cast.people, extra);
    for (const [u, shell] of Object.entries(shells)) (cast.people[u].workstation as Record<string, unknown>).login_shell = shell;
    return cast;
  }

  async function apply(cast: RosterDoc): Promise<{ ok: boolean; output: string }> {
    tf.setConfig(synthDevvm(host(), cast).stackDir);
    const { planFile } = await tf.plan();
    return tf.apply(planFile).then(
      (output) => ({ ok: true, output }),
      (e: Error) => ({ ok: false, output: e.message }),
    );
  }

  beforeAll(async () => {
    ({ tf } = await applyCast(host()));
  });

  it('accounts get the site default', async () => {
    for (const u of ['wizard', 'emo', 'ancamilea']) expect(await shellOf(u)).toBe('/bin/bash');
  });

  it('a roster change moves an existing account to the new shell; a legacy account waits for cutover', async () => {
    const r = await apply(castWith({ wizard: '/usr/bin/dash', emo: '/usr/bin/dash' }));
    expect(r.ok).toBe(true);
    expect(linesOf(r.output, 'wizard')).toContain('wizard: login-shell: changed (login shell /bin/bash -> /usr/bin/dash)');
    expect(linesOf(r.output, 'emo')).toContain('emo: login-shell: skipped (pending cutover: login shell /bin/bash -> /usr/bin/dash)');
    expect(await shellOf('wizard')).toBe('/usr/bin/dash');
    expect(await shellOf('emo')).toBe('/bin/bash');
    expect(await shellOf('ancamilea')).toBe('/bin/bash');
  });

  const UNLISTED = 'login shell /usr/bin/zsh is not listed in /etc/shells on the devvm: install it there (e.g. apt-get install zsh) or set another workstation.login_shell';
  const newbie = { newbie: { email: 'newbie@example.com', authentik_user: 'newbie', tier: 'power-user', uid: 1003, workstation: {} } };

  // Terraform starts nothing new after the first failed resource, so each failure gets its own apply.
  it('a shell missing from /etc/shells fails the converge step of that person; the rest of their converge runs', async () => {
    const r = await apply(castWith({ wizard: '/usr/bin/zsh', emo: '/usr/bin/dash' }));
    expect(r.ok).toBe(false);
    const lines = linesOf(r.output, 'wizard');
    expect(lines).toContain(`wizard: login-shell: FAILED (${UNLISTED})`);
    expect(lines.filter((l) => l.startsWith('wizard: kubeconfig: ok'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('FAILED'))).toHaveLength(1);
    expect(await shellOf('wizard')).toBe('/usr/bin/dash');
  });

  it('a shell missing from /etc/shells fails onboarding: no account is created', async () => {
    const r = await apply(castWith({ wizard: '/usr/bin/dash', emo: '/usr/bin/dash', newbie: '/usr/bin/zsh' }, newbie));
    expect(r.ok).toBe(false);
    expect(linesOf(r.output, 'newbie')).toContain(`newbie: account: FAILED (${UNLISTED}; account not created)`);
    expect(await shellOf('newbie')).toBeUndefined();
    expect(await shellOf('wizard')).toBe('/usr/bin/dash');
  });

  it('once the devvm lists the shell, the next apply sets it and onboards the new person', async () => {
    const h = host();
    // A stand-in for `apt-get install zsh` (the test host has no network): the binary and its /etc/shells line.
    await h.execOk(['cp', '/usr/bin/dash', '/usr/bin/zsh']);
    await h.execOk(['sh', '-c', 'echo /usr/bin/zsh >> /etc/shells']);
    const r = await apply(castWith({ wizard: '/usr/bin/zsh', emo: '/usr/bin/dash', newbie: '/usr/bin/zsh' }, newbie));
    expect(r.output).not.toContain('FAILED');
    expect(r.ok).toBe(true);
    expect(linesOf(r.output, 'wizard')).toContain('wizard: login-shell: changed (login shell /usr/bin/dash -> /usr/bin/zsh)');
    expect(linesOf(r.output, 'newbie')).toContain('newbie: login-shell: ok (/usr/bin/zsh)');
    expect(await shellOf('wizard')).toBe('/usr/bin/zsh');
    expect(await shellOf('newbie')).toBe('/usr/bin/zsh');
  });
});
