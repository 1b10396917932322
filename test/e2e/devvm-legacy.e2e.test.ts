// Emo-safe adoption (issue 5, e2e 5): an account that predates the roster, with live
// state of its own, is adopted by a real apply without a single byte of it changing
// (only ~/.claude/settings.json's mode is tightened); `cutover` then moves it to the tier
// target with a snapshot, and `rollback` restores that snapshot exactly.
import { useSystemdHost } from '../harness/systemd-host';
import { expectSystemdRan } from './devvm/systemd-checks';
import { createInfraFixture, InfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { alive, expectLockedClone, outcomes, readKubeconfig, startAs } from './devvm/checks';
import { agent, createConfigBase, groupsOf, linesOf } from './devvm/host-tools';
import { exampleCast, synthDevvm, SynthResult } from './devvm/stack';

const HOME = '/home/emo';
const LEGACY_KUBECONFIG = 'apiVersion: v1\nkind: Config\n# emo\'s own, from before the roster\nusers:\n- name: emo\n  user:\n    token: E2E-LEGACY-STATIC-TOKEN\n';

interface Prior {
  claudeJson: string;
  settings: string;
  kube: string;
  kubeStat: string;
  link: string;
  groups: string[];
  homeMode: number;
}

describeE2E('devvm facet: legacy account adoption, cutover and rollback', () => {
  // systemd host: a legacy person's units are converged by real systemd.
  const host = useSystemdHost();
  let fixture: InfraFixture;
  let synth: SynthResult;
  let tf: Terraform;
  let prior: Prior;
  let sleeper: number;

  /** What must survive adoption byte for byte (settings.json: content only). */
  async function snapshot(): Promise<Prior> {
    const h = host();
    const sum = async (p: string) => (await h.execOk(['sha256sum', p])).stdout.split(' ')[0];
    return {
      claudeJson: await sum(`${HOME}/.claude.json`),
      settings: await sum(`${HOME}/.claude/settings.json`),
      kube: await sum(`${HOME}/.kube/config`),
      kubeStat: (await h.execOk(['stat', '-c', '%a %u %g %y', `${HOME}/.kube/config`])).stdout,
      link: (await h.execOk(['readlink', `${HOME}/code`])).stdout,
      groups: await groupsOf(h, 'emo'),
      homeMode: (await h.stat(HOME)).mode,
    };
  }

  beforeAll(async () => {
    const h = host();
    fixture = await createInfraFixture(h);
    await createConfigBase(h);
    // emo's live setup, as on the real devvm: shared code tree, own kubeconfig, a session.
    await h.execOk(['groupadd', '-r', 'docker']);
    await h.execOk(['groupadd', '-r', 'code-shared']);
    await h.execOk(['useradd', '-m', '-u', '1001', '-s', '/bin/bash', '-G', 'docker,code-shared', 'emo']);
    await h.execOk(['chmod', '0755', HOME]);
    await h.execOk(['sh', '-c', 'mkdir -p /srv/code-shared/infra && echo "shared notes" > /srv/code-shared/infra/NOTES.md && chgrp -R code-shared /srv/code-shared && chmod -R g+ws /srv/code-shared']);
    const asEmo = (script: string, input?: string) => h.execOk(['sh', '-c', script], { user: 'emo', env: { HOME }, input });
    await asEmo('umask 022 && ln -s /srv/code-shared ~/code && mkdir -p ~/.claude ~/.kube');
    await asEmo('umask 077 && cat > ~/.claude.json', '{"numStartups":42,"userID":"e2e-legacy","projects":{}}\n');
    await asEmo('cat > ~/.claude/settings.json && chmod 0664 ~/.claude/settings.json', '{"model":"opus","apiKeyHelper":"/home/emo/bin/key"}\n');
    await asEmo('umask 077 && cat > ~/.kube/config', LEGACY_KUBECONFIG);
    sleeper = await startAs(h, 'emo', ['sleep', '1000']);
    prior = await snapshot();
    expect(prior.groups).toEqual(['code-shared', 'docker', 'emo']);
    expect((await h.stat(`${HOME}/.claude/settings.json`)).mode).toBe(0o664);
  });

  it('5. adopts emo on apply: every byte kept, settings mode tightened, differences listed', async () => {
    const h = host();
    const cast = exampleCast();
    expect(cast.people.emo.workstation).toMatchObject({ legacy: true });
    synth = synthDevvm(h, cast);
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const out = (await tf.planAndApply()).output;
    expectSystemdRan(out);

    const lines = outcomes(linesOf(out, 'emo')).map(([step, kind, detail]) => `${step}: ${kind}${detail ? ` (${detail})` : ''}`);
    expect(lines).toEqual(expect.arrayContaining([
      'account: ok (adopted existing account (uid 1001))',
      'home: skipped (pending cutover: home mode 755 -> 700)',
      'claude-settings-mode: changed (mode 664 -> 600)',
      'groups: skipped (pending cutover: remove from docker, code-shared)',
      'kubeconfig: skipped (pending cutover: existing ~/.kube/config kept)',
      'infra-clone: skipped (pending cutover: existing ~/code was not created by the agent: kept as is)',
    ]));
    expect(lines.filter((l) => l.includes('FAILED'))).toEqual([]);

    expect(await snapshot()).toEqual(prior);
    expect((await h.stat(`${HOME}/.claude/settings.json`)).mode).toBe(0o600);
    expect(await h.stat(`${HOME}/code`)).toMatchObject({ type: 'symlink' });
    expect(await h.readFile('/srv/code-shared/infra/NOTES.md')).toBe('shared notes\n');
    expect(await alive(h, sleeper)).toBe(true);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  let session: number;
  it('5. cutover refuses while emo has an interactive session, unless forced', async () => {
    const h = host();
    // `script` gives its child a pty: what an ssh or tmux session looks like to ps.
    session = await startAs(h, 'emo', ['script', '-qfc', 'sleep 1001', '/dev/null']);
    for (let i = 0; i < 50 && !(await h.exec(['pgrep', '-u', 'emo', '-f', 'sleep 1001'])).stdout; i++) await new Promise((r) => setTimeout(r, 50));

    const refused = await agent(h, ['cutover', 'emo']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^emo: cutover: FAILED \(live interactive sessions \(.*pts\/.*\): ask them to log out, or use --force\)$/m);
    expect(await snapshot()).toEqual(prior);
    expect(await h.exists('/var/lib/workstations/cutover/emo.json')).toBe(false);
  });

  let movedCode: string;
  it('5. cutover --force: snapshot, old ~/code moved aside, own locked clone, tier groups', async () => {
    const h = host();
    const r = await agent(h, ['cutover', 'emo', '--force']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.trim().split('\n');
    expect(outcomes(lines).filter(([, kind]) => kind === 'FAILED')).toEqual([]);
    movedCode = /^emo: move-code-aside: changed \(~\/code -> (\/home\/emo\/code\.pre-cutover-\d{8}T\d{6})\)$/m.exec(r.stdout)![1];
    const movedKube = /^emo: move-kubeconfig-aside: changed \((\/home\/emo\/\.kube\/config\.pre-cutover-\d{8}T\d{6})\)$/m.exec(r.stdout)![1];
    expect(lines).toContain('emo: infra-clone: changed (cloned (git-crypt locked))');
    expect(lines[lines.length - 1]).toBe('emo: cutover: ok (done: remove `legacy: true` from the roster and apply)');

    expect((await h.execOk(['readlink', movedCode])).stdout).toBe(prior.link);
    expect(await h.readFile('/srv/code-shared/infra/NOTES.md')).toBe('shared notes\n');
    await expectLockedClone(h, 'emo', `${HOME}/code`, fixture.encryptedPaths);
    expect(await h.stat(`${HOME}/code`)).toMatchObject({ type: 'directory', uid: 1001 });
    expect(await h.readFile(movedKube)).toBe(LEGACY_KUBECONFIG);
    expect((await readKubeconfig(h, 'emo'))['current-context']).toBe('homelab');
    expect(await groupsOf(h, 'emo')).toEqual(['emo']);
    expect((await h.stat(HOME)).mode).toBe(0o700);
    expect(await h.exists('/var/lib/workstations/cutover/emo.json')).toBe(true);
    // Cutover never ends anyone's processes.
    expect(await alive(h, sleeper)).toBe(true);
    expect(await alive(h, session)).toBe(true);
  });

  it('5. rollback restores the exact prior state, and converge is additive again', async () => {
    const h = host();
    const r = await agent(h, ['rollback', 'emo']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.trim().split('\n').pop()).toBe('emo: rollback: ok (done: keep `legacy: true` in the roster)');
    expect(await snapshot()).toEqual(prior);
    expect(await h.exists(movedCode)).toBe(false);
    // The agent's clone is moved aside, never deleted.
    const aside = (await h.execOk(['sh', '-c', 'ls -d /home/emo/code.cutover-*'])).stdout.trim().split('\n');
    expect(aside).toHaveLength(1);
    expect(await h.exists(`${aside[0]}/.git/workstations-clone`)).toBe(true);

    const again = await agent(h, ['converge', synth.convergeArg.emo]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^emo: kubeconfig: skipped \(pending cutover: existing ~\/.kube\/config kept\)$/m);
    expect(again.stdout).toMatch(/^emo: groups: skipped \(pending cutover: remove from docker, code-shared\)$/m);
    expect(await snapshot()).toEqual(prior);
  });

  it('5. after the cutover the admin drops `legacy` from the roster: the next converge changes nothing', async () => {
    const h = host();
    const r = await agent(h, ['cutover', 'emo', '--force']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const cast = exampleCast();
    delete (cast.people.emo.workstation as Record<string, unknown>).legacy;
    synth = synthDevvm(h, cast);
    tf.setConfig(synth.stackDir);
    const out = (await tf.planAndApply()).output;
    expectSystemdRan(out);
    const lines = outcomes(linesOf(out, 'emo')).map(([step, kind, detail]) => `${step}: ${kind}${kind === 'skipped' ? ` (${detail})` : ''}`);
    expect(lines).toEqual([
      'login-shell: ok',
      'home: ok',
      'private-dirs: ok',
      'claude-settings-mode: ok',
      'groups: ok',
      'kubeconfig: ok',
      'infra-mirror: ok',
      'infra-clone: ok',
      'memory-slice: ok',
      't3-env: ok',
      'claude-auth-env: ok',
      'units: ok',
      `claude: skipped (no claude for emo (neither on the login shell's PATH nor ~/.local/bin/claude): emo installs it as themselves with \`curl -fsSL https://claude.ai/install.sh | bash\` (a per-person native install; the devvm has no system-wide claude))`,
    ]);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });
});

