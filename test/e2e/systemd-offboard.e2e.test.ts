// Demotion, offboarding and re-onboarding on a devvm that runs systemd (issue 11): real
// Terraform over SSH applies the real stack to a booted systemd container; the person
// has real SSH login sessions (logind), a lingering user manager and running units, and at
// offboarding a fork walker in one of those sessions (issue 12: systemd ends it with the session).
// Every assertion is what systemd, logind or /proc report.
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import type { TestHost } from '../harness/host';
import { useSystemdHost } from '../harness/systemd-host';
import { Terraform } from '../harness/terraform';
import { alive, outcomes } from './devvm/checks';
import { createConfigBase, groupsOf, linesOf } from './devvm/host-tools';
import {
  applyOnSystemd, backgroundSession, gidOf, groupsOfProcess, lingerOf, loginStateOf, pidsOf, sessionsOf, show, sliceBudget, sliceOf, unitState,
} from './devvm/systemd-checks';
import { exampleCast, RosterDoc, synthDevvm } from './devvm/stack';

const DORA = 1004;
const ADMIN_GROUPS = ['sudo', 'docker', 'code-shared'];
const RUNNING = { enabled: 'enabled', active: 'active', failed: false };
const STOPPED = { enabled: 'disabled', active: 'inactive', failed: false };

/** The fork walker's heartbeat (see the offboarding test). */
const BEAT = '/home/dora/beat';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function beating(h: TestHost, ms: number): Promise<boolean> {
  const size = async () => ((await h.exists(BEAT)) ? (await h.stat(BEAT)).size : 0);
  const a = await size();
  await sleep(ms);
  return (await size()) > a;
}

function castWithDora(tier: string, memoryMax: string): RosterDoc {
  const roster = exampleCast();
  roster.people.dora = { email: 'dora@example.com', authentik_user: 'dora', tier, uid: DORA, workstation: { memory_max: memoryMax } };
  return roster;
}

describeE2E('systemd host: demotion, offboard and re-onboarding end what ran', () => {
  const host = useSystemdHost();
  let tf: Terraform;

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    tf = new Terraform({ stackDir: synthDevvm(h, castWithDora('admin', '2G')).stackDir, env: h.env, baseDir: h.privateDir });
    await applyOnSystemd(tf);
    await h.authorizeSsh('dora');
  });

  it('demotion ends the person\'s sessions and restarts their units: no live process keeps a removed group', async () => {
    const h = host();
    const removedGids = await Promise.all(ADMIN_GROUPS.map((g) => gidOf(h, g)));
    const session = await backgroundSession(h, 'dora');
    const daemonBefore = (await show(h, 't3-serve@dora.service', ['MainPID'])).MainPID;
    expect(await sessionsOf(h, 'dora')).toHaveLength(1);
    // Before: both carry the admin groups (so the check below can fail).
    for (const pid of [session, Number(daemonBefore)]) expect(await groupsOfProcess(h, pid)).toEqual(expect.arrayContaining(removedGids));

    tf.setConfig(synthDevvm(h, castWithDora('power-user', '2G')).stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'dora')).toContain('dora: groups: changed (-sudo -docker -code-shared)');
    expect(linesOf(out, 'dora')).toContain('dora: sessions: changed (sessions ended, restarted t3-serve@dora.service, claude-auth-sync@dora.timer)');
    expect(await groupsOf(h, 'dora')).toEqual(['dora']);
    expect(await alive(h, session)).toBe(false);
    expect(await sessionsOf(h, 'dora')).toEqual([]);
    expect(await unitState(h, 't3-serve@dora.service')).toEqual(RUNNING);
    expect((await show(h, 't3-serve@dora.service', ['MainPID'])).MainPID).not.toBe(daemonBefore);
    const pids = await pidsOf(h, DORA);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect([pid, (await groupsOfProcess(h, pid)).filter((g) => removedGids.includes(g))]).toEqual([pid, []]);
  });

  it('offboard ends sessions and the user manager, removes linger, disables units; no process of the uid remains', async () => {
    const h = host();
    await h.execOk(['loginctl', 'enable-linger', 'dora']);
    await h.execOk(['systemctl', 'start', `user@${DORA}.service`]);
    const session = await backgroundSession(h, 'dora');
    // A fork walker in a real login session (issue 12): a process that forks a child and
    // exits in a tight loop, so its pid changes faster than any scan lists it. It leaves a
    // heartbeat (a byte per 200 forks) instead: alive while the file grows.
    const walker = await h.ssh('dora', ['sh', '-c', `setsid perl -e 'my $n = 0; for (;;) { my $p = fork; exit 0 if $p; if (++$n % 200 == 0) { open my $f, ">>", "${BEAT}"; print $f "x"; close $f } }' </dev/null >/dev/null 2>&1 &`]);
    expect(walker.code).toBe(0);
    let started = false;
    for (let i = 0; i < 20 && !started; i++) started = await beating(h, 500);
    expect(started).toBe(true);
    expect(await lingerOf(h, 'dora')).toBe('yes');
    expect((await h.exec(['systemctl', 'is-active', `user@${DORA}.service`])).stdout.trim()).toBe('active');

    tf.setConfig(synthDevvm(h, exampleCast()).stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'dora')).toContain(
      'dora: units: changed (disabled t3-serve@dora.service, disabled claude-auth-sync@dora.timer, linger removed, sessions and user manager ended)',
    );
    // Ending the sessions and the user manager (systemd kills their cgroups) took the walker
    // with them; the repeated-kill backstop found nothing or what escaped (printed).
    console.log(`systemd offboarding with a fork walker: ${linesOf(out, 'dora').find((l) => l.startsWith('dora: processes:'))}`);
    expect(outcomes(linesOf(out, 'dora')).map(([step, kind]) => `${step}: ${step === 'processes' && kind === 'changed' ? 'ok' : kind}`)).toEqual([
      'lock: changed', 'units: changed', 'processes: ok', 'jobs: ok', 'groups: ok', 'archive: changed', 'tombstone: ok',
    ]);
    expect(await beating(h, 2000)).toBe(false);
    expect(await unitState(h, 't3-serve@dora.service')).toEqual(STOPPED);
    expect(await unitState(h, 'claude-auth-sync@dora.timer')).toEqual(STOPPED);
    expect(await lingerOf(h, 'dora')).toBe('no');
    expect(['absent', 'closing']).toContain(await loginStateOf(h, 'dora'));
    expect(await sessionsOf(h, 'dora')).toEqual([]);
    expect((await h.exec(['systemctl', 'is-active', `user@${DORA}.service`])).stdout.trim()).toBe('inactive');
    expect(await alive(h, session)).toBe(false);
    expect(await pidsOf(h, DORA)).toEqual([]);
  });

  it('re-onboarding the returning person starts only what the roster says now', async () => {
    const h = host();
    tf.setConfig(synthDevvm(h, castWithDora('power-user', '3G')).stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'dora')).toContain(`dora: account: changed (re-activated (uid ${DORA}))`);
    expect(await unitState(h, 't3-serve@dora.service')).toEqual(RUNNING);
    expect(await unitState(h, 'claude-auth-sync@dora.timer')).toEqual(RUNNING);
    expect(await lingerOf(h, 'dora')).toBe('no');
    expect(await sessionsOf(h, 'dora')).toEqual([]);
    expect((await h.exec(['systemctl', 'is-active', `user@${DORA}.service`])).stdout.trim()).toBe('inactive');
    expect(await groupsOf(h, 'dora')).toEqual(['dora']);
    expect(await sliceOf(h, DORA)).toEqual(sliceBudget('3G'));
    // The only process of the uid is the freshly started daemon.
    expect(await pidsOf(h, DORA)).toEqual([Number((await show(h, 't3-serve@dora.service', ['MainPID'])).MainPID)]);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });
});
