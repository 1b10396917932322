// Issue 12, attack class 4 (check-then-use), at the clone's parent directory: in the workspace
// layout the infra clone is ~/code/infra, so a converge with ~/code absent creates ~/code
// first. mallory removes ~/code before each of CONVERGES converges and, during all of them,
// flips ~/code between absent and a symlink to /usr/local/lib in a tight loop (the flip count
// is printed). The old code checked ~/code, then had root `install -d -o mallory` it, which
// followed a link flipped in after the check and handed /usr/local/lib to her. Now the
// directory is made by mallory herself (mkdir as her, agent/steps/clone.ts), like the clone,
// its marker and its rename, so there is no window in which root acts on the path: no
// interleaving to miss. As a regression guard: the old code needed the path absent at the
// check and the link present at the install, tens of milliseconds apart (a runuser probe
// between them) while the loop flips every few milliseconds, so about 1/2 x 1/2 = 1/4 of
// converges would hit; the chance that CONVERGES = 20 converges all miss is about
// (3/4)^20 ~ 0.3%. The outcomes printed measure it: "skipped" (the link was there at the
// check), "FAILED ... File exists" (it came in between the check and her mkdir: each one a
// converge the old code lost; 5 of 20 in a run here, the 1/4 estimated), "changed" (cloned).
// Fingerprints of /etc, /root, /usr/local/lib, /var/lib/workstations and the other homes are
// equal before and after (agent state aside). Checked to fail: with root's `install -d -o`
// put back, a run ended with /usr/local/lib owned by mallory (1030:0).
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, SynthResult } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

const CONVERGES = 20;
const HOME = '/home/mallory';
const STOP = '/tmp/stop-parent-race';
const asMallory = (h: TestHost, script: string, timeoutMs = 60_000) => h.exec(['sh', '-c', script], { user: 'mallory', env: { HOME }, timeoutMs });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Agent state that legitimately changes on a converge (its own files, outside every home). */
const OWN_STATE = /^(added|changed|removed) \/var\/lib\/workstations\/(state\.json|desired\/|mirrors\/)/;

describeE2E('hostile person flipping ~/code between absent and a symlink while the clone parent is made', () => {
  const host = useTestHost();
  let synth: SynthResult;

  beforeAll(async () => {
    const roster = exampleCast();
    roster.people.mallory = { email: 'mallory@example.com', authentik_user: 'mallory', tier: 'power-user', uid: 1030, workstation: { code_layout: 'workspace' } };
    synth = (await applyCast(host(), roster)).synth;
  });

  afterAll(async () => {
    await host().exec(['touch', STOP]);
  });

  it(`${CONVERGES} converges raced by the flipper never act on /usr/local/lib or anything outside her files`, async () => {
    const h = host();
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea'];
    const before = await treeState(h, guarded);
    const libBefore = await h.execOk(['stat', '-c', '%u:%g %a', '/usr/local/lib']);

    const flipper = asMallory(
      h,
      `cd && n=0; : > parent-race.started; until [ -e ${STOP} ]; do ln -sT /usr/local/lib code 2>/dev/null; rm -f code 2>/dev/null; n=$((n+1)); done; echo $n`,
      1_200_000,
    );
    for (let i = 0; i < 100 && !(await h.exists(`${HOME}/parent-race.started`)); i++) await sleep(20);
    const outcomes = new Map<string, number>();
    try {
      for (let i = 0; i < CONVERGES; i++) {
        // -T above: the flipper never plants a link inside a ~/code directory, so this leaves none.
        await asMallory(h, 'cd && rm -rf code; [ ! -e code ] || [ -L code ]', 10_000).then((r) => expect(r.code).toBe(0));
        const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.mallory], { timeoutMs: 180_000 });
        const line = linesOf(r.stdout, 'mallory').find((l) => l.startsWith('mallory: infra-clone:')) ?? '(no infra-clone line)';
        const key = line.replace(/ \(.*$/, '').trim();
        if (!outcomes.has(key)) console.log(`clone-parent race, first ${key}: ${line}`);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    } finally {
      await h.exec(['touch', STOP]);
    }
    const flips = (await flipper).stdout.trim();
    console.log(`clone-parent race: ${flips} flips of ~/code during ${CONVERGES} converges; infra-clone outcomes: ${[...outcomes].map(([k, n]) => `${n}x ${k}`).join(', ')}`);
    expect(Number(flips)).toBeGreaterThan(CONVERGES);

    expect(await h.execOk(['stat', '-c', '%u:%g %a', '/usr/local/lib'])).toEqual(libBefore);
    expect((await h.execOk(['find', '/usr/local/lib', '-user', 'mallory'])).stdout).toBe('');
    expect(await h.exists('/usr/local/lib/infra')).toBe(false);
    const changes = treeChanges(before, await treeState(h, guarded)).filter((c) => !OWN_STATE.test(c));
    expect(changes).toEqual([]);
  });
});
