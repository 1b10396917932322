// Issue 12, attack classes "root follows links in cutover and rollback" and "offboarding
// leaves code running", on the chroot host (no systemd: offboarding's repeated-kill backstop
// is the only thing that ends processes here, which is the path to prove).
//
// Links: emo (legacy) plants symlinks to /etc/shadow before cutover (at the snapshot names
// cutover will use, and ~/code -> /etc), replaces the `.pre-cutover-<t>` kubeconfig snapshot
// with a symlink to /etc/shadow after cutover, and races rollback with a loop that swaps
// ~/.kube/config between a link to /etc/shadow and a self-loop for the whole rollback. The
// loop's iteration count is printed; every swap happens as emo, and every rollback move runs
// as emo too, so a miss of the race cannot matter: there is no window in which root acts by
// path in the home (chance of a missed interleaving is irrelevant by construction; the
// fingerprint below would show any change). Fingerprints of /etc, /root, /usr/local/lib,
// /var/lib/workstations and the other homes are equal before and after (agent state aside).
//
// Walker: a process of uid 1797 that forks a child and exits, in a tight loop (a new pid
// every few microseconds), is gone after offboarding; no process of the uid is left for 2 s,
// and the same fingerprint shows that only walker's own account, home and the agent's
// records of them changed. 1797 is used by no other test file (the cleanup must never meet
// another test's processes): the walker stops itself once /tmp/walker.stop exists in its
// host, and the backstop kills only processes of the uid whose root is this host's root
// (no PID namespace here: a kill(-1) as the uid would reach every host on the machine).
// Survivors: processes of uid 1778 that root keeps restarting fail the offboarding, and the
// tombstone says so (status "incomplete", survivors listed); the re-run completes it.
import * as fs from 'node:fs';
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, SynthResult } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

const HOME = '/home/emo';
const KUBE = `${HOME}/.kube/config`;
/** Used by no other test file: see the header. */
const WALKER_UID = 1797;
const WALKER_STOP = '/tmp/walker.stop';
/** rex's processes keep being restarted by root (a service the agent does not know). */
const REX_UID = 1778;
const RESPAWNER_PID = '/tmp/respawner.pid';
const run = (h: TestHost, args: string[]) => h.exec(['node', AGENT, ...args], { timeoutMs: 300_000 });
const asEmo = (h: TestHost, script: string, timeoutMs = 60_000) => h.exec(['sh', '-c', script], { user: 'emo', env: { HOME }, timeoutMs });
/**
 * Whether the walker still runs: its pid changes faster than ps or pgrep can list it, so it
 * leaves a heartbeat instead (a byte appended every 200 forks): alive while the file grows.
 */
const BEAT = '/home/walker/beat';
async function beating(h: TestHost, ms: number): Promise<boolean> {
  const size = async () => ((await h.exists(BEAT)) ? (await h.stat(BEAT)).size : 0);
  const a = await size();
  await sleep(ms);
  return (await size()) > a;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Agent state that legitimately changes (its own files, outside every home). */
const OWN_STATE = /^(added|changed|removed) \/var\/lib\/workstations\/(state\.json|cutover(\/|$)|desired\/)/;

/**
 * What offboarding walker legitimately changes outside her home (seen: /etc/shadow, its
 * backup /etc/passwd-, the two host-wide maps that named her; her tombstone is in state.json):
 * her lines in the account databases and the maps, content only (type, mode and owner kept).
 * Printed in full by the test.
 */
const WALKER_OWN = /^changed \/etc\/((passwd|group|shadow|gshadow|subuid|subgid)-?|ttyd-user-map|t3-serve\/dispatch\.json): ([^=]+) sha256=[0-9a-f]+ => \3 sha256=[0-9a-f]+$/;

describeE2E('hostile person: links around cutover/rollback, a fork walker at offboarding', () => {
  const host = useTestHost();
  let synth: SynthResult;

  afterAll(async () => {
    // Backstop if the test failed (the host's own teardown may have run already: its root
    // directory may be gone, the processes' roots then read "... (deleted)").
    endProcessesInHost(host().rootDir, WALKER_UID);
    await stopRespawner(host());
  });

  /**
   * Kills, from outside, every process of `uid` whose root directory is this host's: never a
   * process of another host or of the machine. Repeated, since a fork walker's pids change
   * faster than one scan of /proc (the walker's own stop file is what ends it for sure).
   */
  function endProcessesInHost(rootDir: string, uid: number): void {
    for (let round = 0; round < 50; round++) {
      let seen = 0;
      for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          if (fs.statSync(`/proc/${pid}`).uid !== uid) continue;
          const root = fs.readlinkSync(`/proc/${pid}/root`);
          if (root !== rootDir && !root.startsWith(`${rootDir} `) && !root.startsWith(`${rootDir}/`)) continue;
          seen++;
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      if (seen === 0 && round >= 2) return;
    }
  }

  /** Stops the root respawner (by the pid it wrote), then every process of rex's uid in this host. */
  async function stopRespawner(h: TestHost): Promise<void> {
    if (!(await h.exists(RESPAWNER_PID))) return;
    await h.exec(['sh', '-c', 'kill -KILL "$(cat "$1")"; rm -f "$1"', 'sh', RESPAWNER_PID]);
    endProcessesInHost(h.rootDir, REX_UID);
  }

  beforeAll(async () => {
    const h = host();
    await h.execOk(['useradd', '-m', '-u', '1001', '-s', '/bin/bash', 'emo']);
    await asEmo(h, 'umask 077 && mkdir -p ~/.kube && printf "apiVersion: v1\\nkind: Config\\n# emo legacy\\n" > ~/.kube/config && ln -s /etc ~/code');
    const roster = exampleCast();
    roster.people.walker = { email: 'walker@example.com', authentik_user: 'walker', tier: 'power-user', uid: WALKER_UID, workstation: {} };
    roster.people.rex = { email: 'rex@example.com', authentik_user: 'rex', tier: 'power-user', uid: REX_UID, workstation: {} };
    synth = (await applyCast(h, roster)).synth;
  });

  it('cutover and rollback never act on /etc/shadow or anything outside emo\'s files', async () => {
    const h = host();
    const guarded = [...GUARDED, '/home/wizard', '/home/walker', '/home/ancamilea'];
    const shadowBefore = await h.execOk(['stat', '-c', '%a %u %g %s', '/etc/shadow']);
    const before = await treeState(h, guarded);

    // Before cutover: links at every snapshot name cutover could pick in the next 60 s.
    await asEmo(h, `t=$(date -u +%s); for i in $(seq 0 60); do s=$(date -u -d @$((t+i)) +%Y%m%dT%H%M%S); ln -s /etc/shadow ~/.kube/config.pre-cutover-$s; ln -s /etc/shadow ~/code.pre-cutover-$s; done`);
    const c = await run(h, ['cutover', 'emo', '--force']);
    const moved = /^emo: move-kubeconfig-aside: changed \((\S+)\)$/m.exec(c.stdout)?.[1];
    expect(moved).toMatch(/^\/home\/emo\/\.kube\/config\.pre-cutover-\d{8}T\d{6}$/);
    // The move replaced emo's own planted link with her kubeconfig (as emo): nothing followed.
    expect(await h.stat(moved!)).toMatchObject({ type: 'file', uid: 1001 });

    // After cutover: the snapshot replaced by a link to /etc/shadow, and a race during rollback.
    await asEmo(h, `rm -f ${moved} && ln -s /etc/shadow ${moved}`);
    const race = asEmo(
      h,
      `n=0; : > ~/race.started; until [ -e ~/race.stop ]; do n=$((n+1)); ln -sfn /etc/shadow ${KUBE}.x && mv -T ${KUBE}.x ${KUBE} 2>/dev/null; ln -sfn config ${KUBE}.y && mv -T ${KUBE}.y ${KUBE} 2>/dev/null; done; echo $n`,
      300_000,
    );
    for (let i = 0; i < 100 && !(await h.exists(`${HOME}/race.started`)); i++) await sleep(20);
    const r = await run(h, ['rollback', 'emo']);
    await asEmo(h, ': > ~/race.stop');
    const iterations = (await race).stdout.trim();
    console.log(`rollback raced by ${iterations} link swaps of ~/.kube/config; rollback exit ${r.code}; ${linesOf(r.stdout, 'emo').join(' | ')}`);
    expect(Number(iterations)).toBeGreaterThan(0);
    // restore-kubeconfig meets a symlink (her own): it reports and sets nothing through it.
    expect(linesOf(r.stdout, 'emo').find((l) => l.startsWith('emo: restore-kubeconfig:'))).toMatch(/FAILED .*symlink|changed/);

    expect(await h.execOk(['stat', '-c', '%a %u %g %s', '/etc/shadow'])).toEqual(shadowBefore);
    const changes = treeChanges(before, await treeState(h, guarded)).filter((l) => !OWN_STATE.test(l));
    expect(changes).toEqual([]);
    // ~/code: emo's own link is back, pointing where she left it.
    expect((await h.execOk(['readlink', `${HOME}/code`])).stdout.trim()).toBe('/etc');
  });

  it('a fork walker started as the person is gone after offboarding, and nothing but her account changed', async () => {
    const h = host();
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea', '/home/rex'];
    const before = await treeState(h, guarded);
    await h.execOk(['sh', '-c', `setsid perl -e 'my $n = 0; for (;;) { my $p = fork; exit 0 if $p; if (++$n % 200 == 0) { exit 0 if -e "${WALKER_STOP}"; open my $f, ">>", "${BEAT}"; print $f "x"; close $f } }' </dev/null >/dev/null 2>&1 &`], { user: 'walker', env: { HOME: '/home/walker' } });
    try {
      // Started (perl may take a while on a loaded machine): the heartbeat grows.
      let started = false;
      for (let i = 0; i < 20 && !started; i++) started = await beating(h, 500);
      expect(started).toBe(true);

      const r = await run(h, ['offboard', synth.accountArg.walker]);
      const lines = linesOf(r.stdout, 'walker');
      console.log(`fork walker offboarding: ${lines.find((l) => l.includes('processes'))}`);
      expect(r.code).toBe(0);
      expect(lines[0]).toMatch(/^walker: lock: changed/);
      expect(lines).toContainEqual(expect.stringMatching(/^walker: processes: (changed|ok) \(\d+ process\(es\) of walker seen; none left after \d+ rounds of kill -KILL\)$/));
      expect(lines).toContainEqual(expect.stringMatching(/^walker: tombstone: ok/));
      expect(await beating(h, 2000)).toBe(false);
    } finally {
      await h.exec(['touch', WALKER_STOP]);
      endProcessesInHost(h.rootDir, WALKER_UID);
    }
    const changes = treeChanges(before, await treeState(h, guarded)).filter((l) => !OWN_STATE.test(l));
    console.log(`fork walker offboarding changed (before the allowed list): ${changes.join(' | ')}`);
    expect(changes.filter((l) => !WALKER_OWN.test(l))).toEqual([]);
    for (const map of ['/etc/ttyd-user-map', '/etc/t3-serve/dispatch.json']) expect((await h.execOk(['cat', map])).stdout).not.toContain('walker');
  });
  it('processes of the uid that keep coming back fail offboarding, and the incomplete tombstone lists them', async () => {
    // A root loop starts a process of rex's uid every 20 ms (as a service the agent does not
    // know would restart it): no number of kill rounds can leave none. 40 rounds, 100 ms apart.
    const h = host();
    await h.execOk(['sh', '-c', `setsid sh -c 'echo $$ > ${RESPAWNER_PID}; while :; do setpriv --reuid ${REX_UID} --regid ${REX_UID} --clear-groups -- sleep 30 & sleep 0.02; done' </dev/null >/dev/null 2>&1 &`]);
    for (let i = 0; i < 100 && !(await h.exists(RESPAWNER_PID)); i++) await sleep(20);
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run(h, ['offboard', synth.accountArg.rex]);
    } finally {
      await stopRespawner(h);
    }
    const lines = linesOf(r.stdout, 'rex');
    console.log(`survivors: ${lines.find((l) => l.startsWith('rex: tombstone:'))}`);
    expect(r.code).toBe(1);
    expect(lines[0]).toMatch(/^rex: lock: changed/);
    expect(lines).toContainEqual(expect.stringMatching(/^rex: processes: FAILED \(survivors: \d+ \(pids [\d ]+\) still running after 40 rounds of kill -KILL\)$/));
    expect(lines).toContainEqual(expect.stringMatching(
      /^rex: tombstone: FAILED \(incomplete: \d+ process\(es\) of uid 1778 survived \(\d+ \S+(, \d+ \S+)*\); recorded as an incomplete tombstone; home not archived; end them and re-run offboarding\)$/,
    ));
    expect(lines.find((l) => l.startsWith('rex: archive:'))).toBeUndefined();
    // The tombstone says so: status incomplete, the survivors listed; no real tombstone, no archive.
    const tombs = JSON.parse((await run(h, ['tombstones'])).stdout) as { tombstones: object; incomplete: Record<string, { uid: number; status: string; survivors: { pid: number; command: string }[] }> };
    expect(Object.hasOwn(tombs.tombstones, 'rex')).toBe(false);
    expect(tombs.incomplete.rex).toMatchObject({ uid: REX_UID, status: 'incomplete' });
    expect(tombs.incomplete.rex.survivors.length).toBeGreaterThan(0);
    for (const s of tombs.incomplete.rex.survivors) expect(s.command).toMatch(/^(sleep|setpriv|\?)$/);
    expect(await h.exists('/var/backups/workstations/rex-1778.tar.zst')).toBe(false);
    expect((await run(h, ['status'])).stdout).toMatch(/^rex\s+1778\s+\S+\s+offboarding incomplete \(\d+ survived\)/m);

    // Once nothing restarts them, the re-run completes and replaces the incomplete tombstone.
    const again = await run(h, ['offboard', synth.accountArg.rex]);
    expect(again.code).toBe(0);
    expect(linesOf(again.stdout, 'rex')).toContainEqual(expect.stringMatching(/^rex: tombstone: ok/));
    const after = JSON.parse((await run(h, ['tombstones'])).stdout) as { tombstones: object; incomplete: object };
    expect([Object.hasOwn(after.tombstones, 'rex'), Object.hasOwn(after.incomplete, 'rex')]).toEqual([true, false]);
  });
});
