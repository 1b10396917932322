// Roster changes on an onboarded devvm (issue 5, e2e 3 and 4): tier changes replace the
// profile and never the account (asserted on Terraform's plan JSON), removing rows runs
// the destroy-time offboard for exactly those people, and `purge` deletes an offboarded
// account only after its archive verifies. Real stack, real Terraform, real agent.
import { useSystemdHost } from '../harness/systemd-host';
import { describeE2E } from '../harness/skip';
import type { Terraform } from '../harness/terraform';
import { alive, outcomes, personChanges, readKubeconfig, startAs } from './devvm/checks';
import { agent, fingerprints, groupsOf, hostState, linesOf, shadowOf, uidOf } from './devvm/host-tools';
import { expectSystemdRan } from './devvm/systemd-checks';
import { applyCast, exampleCast, RosterDoc, synthDevvm, SynthResult } from './devvm/stack';

const UIDS: Record<string, number> = { wizard: 1000, emo: 1001, ancamilea: 1002 };

describeE2E('devvm facet: tier change, offboard and purge after onboarding', () => {
  // systemd host: offboarding's units step runs against real systemd.
  const host = useSystemdHost();
  let tf: Terraform;
  let synth: SynthResult;
  let roster: RosterDoc;

  beforeAll(async () => {
    let output: string;
    ({ tf, synth, output } = await applyCast(host()));
    expectSystemdRan(output);
  });

  it('3. tier changes replace the profile and never the account', async () => {
    const h = host();
    roster = exampleCast();
    // ancamilea: namespace-owner -> power-user (gheorghe stays the namespace-owner);
    // emo: power-user -> admin (ancamilea is now the power-user).
    roster.people.ancamilea.tier = 'power-user';
    delete roster.people.ancamilea.namespaces;
    roster.people.emo.tier = 'admin';
    const identity = async (u: string) => [await shadowOf(h, u), (await h.execOk(['stat', '-c', '%i %U %a', `/home/${u}`])).stdout];
    const before = { ancamilea: await identity('ancamilea'), emo: await identity('emo') };
    synth = synthDevvm(h, roster);
    tf.setConfig(synth.stackDir);
    const { plan, planFile } = await tf.plan();
    expect(personChanges(plan)).toEqual({
      'terraform_data.account["ancamilea"]': 'no-op',
      'terraform_data.account["emo"]': 'no-op',
      'terraform_data.account["wizard"]': 'no-op',
      'terraform_data.profile["ancamilea"]': 'delete,create',
      'terraform_data.profile["emo"]': 'delete,create',
      'terraform_data.profile["wizard"]': 'no-op',
    });
    const out = await tf.apply(planFile);
    expectSystemdRan(out);
    expect(linesOf(out, 'ancamilea')).toContain('ancamilea: kubeconfig: changed (rewritten)');
    expect(linesOf(out, 'emo')).toContain('emo: groups: changed (+sudo +docker +code-shared)');
    for (const u of ['ancamilea', 'emo']) {
      expect(linesOf(out, u).filter((l) => /: (account|offboard|archive|lock):/.test(l) || l.includes('FAILED'))).toEqual([]);
      expect(await identity(u)).toEqual(before[u as 'emo']);
    }
    const k = await readKubeconfig(h, 'ancamilea');
    expect(k['current-context']).toBe('homelab');
    expect(k.contexts[0].context.namespace).toBeUndefined();
    expect((await readKubeconfig(h, 'emo'))['current-context']).toBe('homelab');
    expect(await groupsOf(h, 'emo')).toEqual(['code-shared', 'docker', 'emo', 'sudo']);
    expect(await h.exists('/var/backups/workstations')).toBe(false);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('4. removing rows offboards those people and leaves everyone else alone', async () => {
    const h = host();
    const gone = ['ancamilea', 'emo'];
    const pids = await Promise.all(gone.map((u) => startAs(h, u, ['sleep', '1000'])));
    for (const pid of pids) expect(await alive(h, pid)).toBe(true);
    const wizardBefore = [await shadowOf(h, 'wizard'), await groupsOf(h, 'wizard')];
    const wizardFiles = Object.entries(await fingerprints(h)).filter(([p]) => /^\/home\/wizard\/|user-1000\.slice/.test(p));
    expect(wizardFiles.length).toBeGreaterThanOrEqual(2);

    for (const u of gone) delete roster.people[u];
    // Someone new arrives in the same apply: the offboarded people's ports are never reused.
    roster.people.newbie = { email: 'newbie@example.com', authentik_user: 'newbie', tier: 'power-user', uid: 1003, workstation: {} };
    synth = synthDevvm(h, roster);
    tf.setConfig(synth.stackDir);
    const { plan, planFile } = await tf.plan();
    expect(personChanges(plan)).toEqual({
      'terraform_data.account["ancamilea"]': 'delete',
      'terraform_data.account["emo"]': 'delete',
      'terraform_data.account["newbie"]': 'create',
      'terraform_data.account["wizard"]': 'no-op',
      'terraform_data.profile["ancamilea"]': 'delete',
      'terraform_data.profile["emo"]': 'delete',
      'terraform_data.profile["newbie"]': 'create',
      'terraform_data.profile["wizard"]': 'no-op',
    });
    const out = await tf.apply(planFile);
    expectSystemdRan(out);
    for (const u of gone) {
      expect(outcomes(linesOf(out, u)).map(([step, kind]) => `${step}: ${kind}`)).toEqual([
        'lock: changed', // first: no new login while the rest runs
        `units: ${u === 'emo' ? 'changed' : 'ok'}`, // ancamilea is parked: nothing ran
        'processes: changed',
        'jobs: ok',
        `groups: ${u === 'emo' ? 'changed' : 'ok'}`,
        'archive: changed',
        'tombstone: ok',
      ]);
    }
    const state = await hostState(h);
    for (const [i, u] of gone.entries()) {
      const uid = UIDS[u];
      const shadow = await shadowOf(h, u);
      expect([u, shadow?.password.startsWith('!'), shadow?.expire]).toEqual([u, true, '1']);
      expect(await alive(h, pids[i])).toBe(false);
      expect((await h.exec(['pgrep', '-u', String(uid)])).stdout).toBe('');
      expect(await groupsOf(h, u)).toEqual([u]); // emo (admin) lost sudo, docker, code-shared
      expect(await h.stat(`/home/${u}`)).toMatchObject({ type: 'directory', uid });
      expect(await h.exists(`/home/${u}/.kube/config`)).toBe(true);

      const archive = `/var/backups/workstations/${u}-${uid}.tar.zst`;
      const sum = (await h.readFile(`${archive}.sha256`)).split(' ')[0];
      expect((await h.execOk(['sha256sum', archive])).stdout.split(' ')[0]).toBe(sum);
      const listing = (await h.execOk(['tar', '--zstd', '-tf', archive])).stdout.split('\n');
      expect(listing).toEqual(expect.arrayContaining([`${u}/`, `${u}/.kube/config`, `${u}/code/README.md`]));
      expect(await h.stat(archive)).toMatchObject({ mode: 0o600, uid: 0 });
      expect(state.tombstones[u]).toMatchObject({ uid, archive, sha256: sum });
    }

    // Everyone else: untouched.
    expect([await shadowOf(h, 'wizard'), await groupsOf(h, 'wizard')]).toEqual(wizardBefore);
    const after = await fingerprints(h);
    for (const [p, fp] of wizardFiles) expect([p, after[p]]).toEqual([p, fp]);
    expect(state.ports).toEqual({ ancamilea: 3773, emo: 3774, wizard: 3775, newbie: 3776 });
    expect(JSON.parse(await h.readFile('/etc/t3-serve/dispatch.json'))).toEqual({
      newbie: { os_user: 'newbie', port: 3776 },
      vbarzin: { os_user: 'wizard', port: 3775 },
    });

    // Offboarding again (e.g. a retried apply) is a no-op.
    const again = await agent(h, ['offboard', Buffer.from(JSON.stringify({ osUser: 'ancamilea', uid: 1002, home: '/home/ancamilea', shell: '/bin/bash', archiveDir: '/var/backups/workstations' })).toString('base64')]);
    expect(again.code).toBe(0);
    expect(outcomes(again.stdout.trim().split('\n')).filter(([, kind]) => kind === 'changed' || kind === 'FAILED')).toEqual([]);
    expect((await tf.planNoChanges()).noChanges).toBe(true);

    // The host commands work from the roster as applied: offboarded people are out of `plan`.
    const dry = await agent(h, ['plan']);
    expect(dry.code).toBe(0);
    expect([...new Set(dry.stdout.trim().split('\n').map((l) => l.split(':')[0]))]).toEqual(['newbie', 'wizard']);
    expect(outcomes(dry.stdout.trim().split('\n')).filter(([, kind]) => kind !== 'ok' && kind !== 'skipped')).toEqual([]);
    const status = (await agent(h, ['status'])).stdout;
    expect(status).toMatch(/^ancamilea +1002 .* offboarded +locked\+expired/m);
    expect(status).toMatch(/^emo +1001 .* offboarded +locked\+expired/m);
    expect(status).toMatch(/^wizard +1000 +admin +active +locked +no drift/m);
  });

  it('purge deletes an offboarded account only after its archive verifies', async () => {
    const h = host();
    // A damaged archive stops the purge: nothing is deleted.
    await h.execOk(['sh', '-c', 'printf x >> /var/backups/workstations/emo-1001.tar.zst']);
    const damaged = await agent(h, ['purge', 'emo']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/^emo: purge: FAILED \(.*archive checksum mismatch; nothing deleted\)$/m);
    expect(await uidOf(h, 'emo')).toBe(1001);
    expect(await h.exists('/home/emo/.kube/config')).toBe(true);
    // Someone never offboarded is refused.
    const active = await agent(h, ['purge', 'wizard']);
    expect(active.stdout).toMatch(/^wizard: purge: FAILED \(wizard has not been offboarded \(no tombstone\): purge refuses\)$/m);
    expect(await uidOf(h, 'wizard')).toBe(1000);

    const purged = await agent(h, ['purge', 'ancamilea']);
    expect([purged.code, purged.stderr]).toEqual([0, '']);
    expect((await h.exec(['id', 'ancamilea'])).code).not.toBe(0);
    expect(await h.exists('/home/ancamilea')).toBe(false);
    expect(await h.exists('/var/backups/workstations/ancamilea-1002.tar.zst')).toBe(true);
    expect((await hostState(h)).ports.ancamilea).toBe(3773); // the port stays retired too
  });
});
