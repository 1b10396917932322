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
// Walker: a process of uid 1777 that forks a child and exits, in a tight loop (a new pid
// every few microseconds), is gone after offboarding; no process of the uid is left for 2 s.
import { spawnSync } from 'node:child_process';
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, SynthResult } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

const HOME = '/home/emo';
const KUBE = `${HOME}/.kube/config`;
const WALKER_UID = 1777;
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

describeE2E('hostile person: links around cutover/rollback, a fork walker at offboarding', () => {
  const host = useTestHost();
  let synth: SynthResult;

  afterAll(async () => {
    // Backstop if the test failed: a fork walker must not outlive the test host.
    // (From this machine: no PID namespace in the chroot host, and the host may be gone already.)
    for (let i = 0; i < 100; i++) spawnSync('pkill', ['-KILL', '-u', String(WALKER_UID)]);
  });

  beforeAll(async () => {
    const h = host();
    await h.execOk(['useradd', '-m', '-u', '1001', '-s', '/bin/bash', 'emo']);
    await asEmo(h, 'umask 077 && mkdir -p ~/.kube && printf "apiVersion: v1\\nkind: Config\\n# emo legacy\\n" > ~/.kube/config && ln -s /etc ~/code');
    const roster = exampleCast();
    roster.people.walker = { email: 'walker@example.com', authentik_user: 'walker', tier: 'power-user', uid: WALKER_UID, workstation: {} };
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

  it('a fork walker started as the person is gone after offboarding', async () => {
    const h = host();
    await h.execOk(['sh', '-c', `setsid perl -e 'my $n = 0; for (;;) { my $p = fork; exit 0 if $p; if (++$n % 200 == 0) { open my $f, ">>", "${BEAT}"; print $f "x"; close $f } }' </dev/null >/dev/null 2>&1 &`], { user: 'walker', env: { HOME: '/home/walker' } });
    expect(await beating(h, 500)).toBe(true);

    const r = await run(h, ['offboard', synth.accountArg.walker]);
    const lines = linesOf(r.stdout, 'walker');
    console.log(`fork walker offboarding: ${lines.find((l) => l.includes('processes'))}`);
    expect(r.code).toBe(0);
    expect(lines[0]).toMatch(/^walker: lock: changed/);
    expect(lines).toContainEqual(expect.stringMatching(/^walker: processes: (changed|ok) \(\d+ process\(es\) of walker seen; none left after \d+ rounds of kill -KILL\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^walker: tombstone: ok/));
    expect(await beating(h, 2000)).toBe(false);
  });
});
