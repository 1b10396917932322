// The devvm facet end to end (issue 5, e2e 1, 2 and 6): the real synthesized
// `workstations-devvm` stack, applied by real Terraform over SSH to a test host, where the
// real host agent onboards the example cast, stays idempotent and keeps people apart.
// Roster changes after onboarding (tier change, offboard, purge): devvm-roster-changes.
import * as fs from 'node:fs';
import { useSystemdHost } from '../harness/systemd-host';
import { createInfraFixture, InfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { devvmAddress } from '../../src/desired/devvm-addresses';
import { Terraform } from '../harness/terraform';
import { expectLockedClone, outcomes, personChanges, readKubeconfig, sliceDropInText } from './devvm/checks';
import { expectSystemdRan, sliceBudget, sliceOf, unitState } from './devvm/systemd-checks';
import { agent, createConfigBase, fingerprints, groupsOf, hostState, linesOf, shadowOf, uidOf } from './devvm/host-tools';
import { API_SERVER, exampleCast, synthDevvm, SynthResult } from './devvm/stack';

const CAST = ['ancamilea', 'emo', 'wizard'];
const UIDS: Record<string, number> = { wizard: 1000, emo: 1001, ancamilea: 1002 };
const SECRET = 'E2E-FIXTURE-NOT-A-SECRET';

describeE2E('devvm facet: onboarding the cast, idempotence, isolation', () => {
  // systemd host: the parked person's units and every slice are checked against systemd itself.
  const host = useSystemdHost();
  let fixture: InfraFixture;
  let tf: Terraform;
  let synth: SynthResult;
  let applyOutput: string;

  beforeAll(async () => {
    fixture = await createInfraFixture(host());
    await createConfigBase(host());
  });

  it('1. onboards the example cast', async () => {
    const h = host();
    synth = synthDevvm(h, exampleCast());
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const { plan, planFile } = await tf.plan();
    expect(personChanges(plan)).toEqual(
      Object.fromEntries(CAST.flatMap((u) => [[devvmAddress('account', u), 'create'], [devvmAddress('profile', u), 'create']])),
    );
    applyOutput = await tf.apply(planFile);
    expectSystemdRan(applyOutput);

    for (const u of CAST) {
      const lines = linesOf(applyOutput, u);
      expect(lines.filter((l) => l.includes(': FAILED'))).toEqual([]);
      expect(lines).toContain(`${u}: account: changed (created with uid ${UIDS[u]})`);
      expect(await uidOf(h, u)).toBe(UIDS[u]);
      expect(await h.stat(`/home/${u}`)).toMatchObject({ type: 'directory', mode: 0o700, uid: UIDS[u] });
      expect(await shadowOf(h, u)).toMatchObject({ password: '!', expire: '' });
      expect(await h.stat(`/home/${u}/.kube`)).toMatchObject({ mode: 0o700, uid: UIDS[u] });
      expect(await h.stat(`/home/${u}/.kube/config`)).toMatchObject({ type: 'file', mode: 0o600, uid: UIDS[u] });
      expect(await h.stat(`/home/${u}/.claude`)).toMatchObject({ mode: 0o700, uid: UIDS[u] });
    }
    expect((await h.exec(['id', 'gheorghe'])).code).not.toBe(0); // no workstation, no account

    expect(await groupsOf(h, 'wizard')).toEqual(['code-shared', 'docker', 'sudo', 'wizard']);
    expect(await groupsOf(h, 'emo')).toEqual(['emo']);
    expect(await groupsOf(h, 'ancamilea')).toEqual(['ancamilea']);
  });

  it('1. writes per-tier OIDC kubeconfigs that parse', async () => {
    const h = host();
    // The context is the cluster name, the same whatever the RBAC tier.
    const expected = { wizard: ['homelab', undefined], emo: ['homelab', undefined], ancamilea: ['homelab', 'plotting-book'] };
    for (const [u, [context, namespace]] of Object.entries(expected)) {
      const k = await readKubeconfig(h, u);
      expect(k['current-context']).toBe(context);
      expect(k.contexts).toEqual([{ name: context, context: { cluster: 'homelab', user: `oidc-${u}`, ...(namespace ? { namespace } : {}) } }]);
      expect(k.clusters).toEqual([{ name: 'homelab', cluster: { server: API_SERVER } }]);
      expect(k.users).toHaveLength(1);
      expect(k.users[0].name).toBe(`oidc-${u}`);
      expect(k.users[0].user.exec).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-oidc_login', interactiveMode: 'IfAvailable' });
      expect(k.users[0].user.exec.args).toEqual([
        'get-token',
        '--oidc-issuer-url=https://authentik.viktorbarzin.me/application/o/kubernetes/',
        '--oidc-client-id=kubernetes',
        '--oidc-extra-scope=email',
        '--oidc-extra-scope=profile',
        '--oidc-extra-scope=groups',
        '--grant-type=authcode-keyboard',
        '--oidc-redirect-url=http://localhost:8000',
      ]);
    }
  });

  it('1. gives non-admins locked clones and the admin a clone that unlocks with the key', async () => {
    const h = host();
    for (const u of ['emo', 'ancamilea']) await expectLockedClone(h, u, `/home/${u}/code`, fixture.encryptedPaths);
    for (const u of CAST) {
      expect(await h.stat(`/home/${u}/code`)).toMatchObject({ type: 'directory', uid: UIDS[u] });
      expect((await h.execOk(['git', '-C', `/home/${u}/code`, 'remote', 'get-url', 'origin'], { user: u })).stdout.trim()).toBe('/srv/git/infra.git');
    }
    // The admin holds the key (copied in for the test) and unlocks their own clone.
    fs.copyFileSync(fixture.keyFile, `${h.rootDir}/home/wizard/infra.key`);
    fs.chownSync(`${h.rootDir}/home/wizard/infra.key`, UIDS.wizard, UIDS.wizard);
    await h.execOk(['git-crypt', 'unlock', '/home/wizard/infra.key'], { user: 'wizard', cwd: '/home/wizard/code' });
    expect(await h.readFile('/home/wizard/code/terraform.tfvars')).toContain(`vault_root_token = "hvs.${SECRET}"`);
    expect(await h.exists('/home/wizard/code/.git/git-crypt/keys/default')).toBe(true);
  });

  it('1. tells each active person\'s Claude auth sync where to look, with no secret (issue 14 item 4)', async () => {
    const h = host();
    for (const u of ['emo', 'wizard']) {
      expect(linesOf(applyOutput, u)).toContain(`${u}: claude-auth-env: changed (created)`);
      const file = `/etc/claude-auth-sync/${u}.env`;
      expect(await h.stat(file)).toMatchObject({ type: 'file', mode: 0o644, uid: 0 });
      const text = await h.readFile(file);
      expect(text).toContain(`CLAUDE_AUTH_VAULT_PATH=secret/workstation/claude-users/${u}\n`);
      expect(text).toContain(`CLAUDE_AUTH_TOKEN_FILE=/home/${u}/.vault-token\n`);
      expect(text).not.toMatch(/VAULT_TOKEN=|hvs\./);
    }
    expect(await h.stat('/etc/claude-auth-sync')).toMatchObject({ type: 'directory', mode: 0o755, uid: 0 });
    // Parked: the sync is off, so no file.
    expect(linesOf(applyOutput, 'ancamilea')).toContain('ancamilea: claude-auth-env: ok');
    expect(await h.exists('/etc/claude-auth-sync/ancamilea.env')).toBe(false);
  });

  it('1. disables the parked person\'s units and writes every memory slice and the host maps', async () => {
    const h = host();
    expect(linesOf(applyOutput, 'ancamilea')).toContain('ancamilea: units: ok');
    for (const unit of ['t3-serve@ancamilea.service', 'claude-auth-sync@ancamilea.timer']) {
      expect([unit, await unitState(h, unit)]).toEqual([unit, { enabled: 'disabled', active: 'inactive', failed: false }]);
    }
    const budgets: Record<string, [string, string]> = { wizard: ['admin', '16G'], emo: ['power-user', '8G'], ancamilea: ['namespace-owner', '6G'] };
    for (const [u, [tier, max]] of Object.entries(budgets)) {
      const file = `/etc/systemd/system/user-${UIDS[u]}.slice.d/90-workstations-memory.conf`;
      expect(await h.readFile(file)).toBe(sliceDropInText(u, tier, max));
      expect(await h.stat(file)).toMatchObject({ mode: 0o644, uid: 0 });
      expect([u, await sliceOf(h, UIDS[u])]).toEqual([u, sliceBudget(max)]);
    }
    expect(await h.readFile('/etc/systemd/user/tmux-spawn-.scope.d/50-workstations-memory.conf')).toMatch(/^\[Scope\]\nMemoryMax=6G\nOOMPolicy=continue\n$/m);
    // The maps are the agent's, regenerated at each person's converge (the host resource knows
    // nobody). Parked people are left out of them but keep their sticky port (from 3773). Ports
    // are handed out in the order the profiles converge (Terraform runs them in parallel).
    expect((await h.readFile('/etc/ttyd-user-map')).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['emil.barzin=emo', 'vbarzin=wizard']);
    const ports = (await hostState(h)).ports;
    expect(Object.keys(ports).sort()).toEqual(['ancamilea', 'emo', 'wizard']);
    expect(Object.values(ports).sort()).toEqual([3773, 3774, 3775]);
    expect(JSON.parse(await h.readFile('/etc/t3-serve/dispatch.json'))).toEqual({
      'emil.barzin': { os_user: 'emo', port: ports.emo },
      vbarzin: { os_user: 'wizard', port: ports.wizard },
    });
    // Each converge rewrote the maps; the last one saw everyone.
    expect(linesOf(applyOutput, '(host)').filter((l) => /ttyd-user-map: changed/.test(l)).length).toBeGreaterThanOrEqual(1);
  });

  it('2. plans no changes after the apply, and a re-run converge changes nothing', async () => {
    const h = host();
    const second = await tf.planNoChanges();
    expect(second.output).toMatch(/No changes/);
    expect(second.noChanges).toBe(true);

    const before = await fingerprints(h);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(CAST.map((u) => `/home/${u}/.kube/config`)));
    const heads = await Promise.all(CAST.map((u) => h.execOk(['git', '-C', `/home/${u}/code`, 'rev-parse', 'HEAD'], { user: u })));
    for (const u of CAST) {
      const r = await agent(h, ['converge', synth.convergeArg[u]]);
      expect([u, r.code, r.stderr]).toEqual([u, 0, '']);
      const kinds = outcomes(r.stdout.trim().split('\n')).map(([step, kind, detail]) => `${step}: ${kind === 'skipped' ? `${kind} (${detail})` : kind}`);
      expectSystemdRan(r.stdout);
      // claude is the person's own install (none on the test host): reported, never a change.
      expect(kinds.filter((k) => !/: ok$/.test(k) && !k.startsWith('claude: skipped (no claude for'))).toEqual([]);
    }
    expect(await fingerprints(h)).toEqual(before);
    const headsAfter = await Promise.all(CAST.map((u) => h.execOk(['git', '-C', `/home/${u}/code`, 'rev-parse', 'HEAD'], { user: u })));
    expect(headsAfter.map((r) => r.stdout)).toEqual(heads.map((r) => r.stdout));

    const dry = await agent(h, ['plan']);
    expect(dry.code).toBe(0);
    expect(outcomes(dry.stdout.trim().split('\n')).filter(([, kind]) => kind !== 'ok' && kind !== 'skipped')).toEqual([]);
    expect(await fingerprints(h)).toEqual(before);
  });

  it('2. converge fast-forwards clean clones on the default branch, never a dirty one', async () => {
    const h = host();
    const env = { GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' };
    await h.execOk(['git', 'clone', '-q', '/srv/git/infra.git', '/tmp/push-work'], { env });
    await h.execOk(['sh', '-c', 'mkdir -p /tmp/push-work/stacks/new && echo "# new stack" > /tmp/push-work/stacks/new/main.tf']);
    await h.execOk(['git', '-C', '/tmp/push-work', 'add', '-A'], { env });
    await h.execOk(['git', '-C', '/tmp/push-work', 'commit', '-q', '-m', 'new stack'], { env });
    await h.execOk(['git', '-C', '/tmp/push-work', 'push', '-q', 'origin', 'main'], { env });
    const tip = (await h.execOk(['git', '-C', '/tmp/push-work', 'rev-parse', 'HEAD'])).stdout.trim();
    await h.execOk(['rm', '-rf', '/tmp/push-work']);
    const head = async (u: string) => (await h.execOk(['git', '-C', `/home/${u}/code`, 'rev-parse', 'HEAD'], { user: u })).stdout.trim();
    const ancamileaHead = await head('ancamilea');
    await h.execOk(['sh', '-c', 'echo "my local edit" >> ~/code/README.md'], { user: 'ancamilea', env: { HOME: '/home/ancamilea' } });
    // The mirror was fetched less than a minute ago: make it due for a refresh.
    await h.execOk(['sh', '-c', 'touch -d "-2 minutes" /var/lib/workstations/mirrors/*.git/FETCH_STAMP']);

    const lines: Record<string, string> = {};
    for (const u of ['wizard', 'emo', 'ancamilea']) {
      const r = await agent(h, ['converge', synth.convergeArg[u]]);
      expect([u, r.code]).toEqual([u, 0]);
      lines[u] = r.stdout.split('\n').filter((l) => /: infra-(mirror|clone): /.test(l)).join('\n');
    }
    expect(lines).toEqual({
      wizard: `wizard: infra-mirror: ok (mirror refreshed)\nwizard: infra-clone: changed (fast-forwarded to ${tip.slice(0, 8)})`,
      emo: `emo: infra-mirror: ok (mirror fresh)\nemo: infra-clone: changed (fast-forwarded to ${tip.slice(0, 8)})`,
      ancamilea: 'ancamilea: infra-mirror: ok (mirror fresh)\nancamilea: infra-clone: skipped (uncommitted changes: not fast-forwarded)',
    });
    expect([await head('wizard'), await head('emo'), await head('ancamilea')]).toEqual([tip, tip, ancamileaHead]);
    expect(await h.readFile('/home/emo/code/stacks/new/main.tf')).toBe('# new stack\n');
    expect(await h.readFile('/home/ancamilea/code/README.md')).toMatch(/my local edit\n$/);
    // Still locked after the fast-forward, still unlocked for the admin.
    await expectLockedClone(h, 'emo', '/home/emo/code', fixture.encryptedPaths);
    expect(await h.readFile('/home/wizard/code/terraform.tfvars')).toContain(SECRET);
  });

  it('6. keeps people apart: homes, credentials, token caches, sudo and plaintext secrets', async () => {
    const h = host();
    // Things worth stealing in wizard's home (created as wizard, as Claude Code and kubelogin would).
    await h.execOk(['sh', '-c', 'umask 077 && echo "{\\"claudeAiOauth\\":\\"E2E-CREDENTIAL\\"}" > ~/.claude/.credentials.json && mkdir -p ~/.kube/cache/oidc-login && echo E2E-TOKEN > ~/.kube/cache/oidc-login/token'], { user: 'wizard', env: { HOME: '/home/wizard' } });
    const targets = ['/home/wizard/.claude/.credentials.json', '/home/wizard/.kube/cache/oidc-login/token', '/home/wizard/.kube/config', '/home/wizard/code/terraform.tfvars', '/home/wizard/code/.git/git-crypt/keys/default', '/home/wizard/infra.key'];
    for (const p of targets) expect((await h.exec(['cat', p])).code).toBe(0); // they exist: the denials below mean something
    for (const [thief, victim] of [['emo', 'wizard'], ['ancamilea', 'wizard'], ['emo', 'ancamilea'], ['wizard', 'emo']]) {
      const ls = await h.exec(['ls', `/home/${victim}`], { user: thief });
      expect([thief, victim, ls.code, ls.stderr]).toEqual([thief, victim, 2, expect.stringContaining('Permission denied')]);
    }
    for (const thief of ['emo', 'ancamilea']) {
      for (const p of [...targets, '/home/wizard/.kube/cache']) {
        const r = await h.exec(['cat', p], { user: thief });
        expect([thief, p, r.code, r.stdout]).toEqual([thief, p, 1, '']);
      }
      const sudo = await h.exec(['sudo', '-n', 'true'], { user: thief });
      expect(sudo.code).toBe(1);
      expect((await h.execOk(['sudo', '-l', '-U', thief])).stdout).toMatch(new RegExp(`User ${thief} is not allowed to run sudo`));
    }
    expect((await h.execOk(['sudo', '-l', '-U', 'wizard'])).stdout).toMatch(/User wizard may run the following commands[\s\S]*\(ALL : ALL\) ALL/);

    // The plaintext is on the host (wizard unlocked), but no non-admin can read it anywhere.
    const grepArgs = ['grep', '-rlI', '--exclude-dir=proc', '--exclude-dir=sys', '--exclude-dir=dev', SECRET, '/'];
    expect((await h.exec(grepArgs)).stdout.split('\n')).toContain('/home/wizard/code/terraform.tfvars');
    for (const thief of ['emo', 'ancamilea']) {
      const r = await h.exec(grepArgs, { user: thief });
      expect([thief, r.stdout]).toEqual([thief, '']);
    }
  });
});
