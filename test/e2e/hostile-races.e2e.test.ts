// Issue 12, attack classes "Terraform scripts in /tmp" (1), "root writing through a planted
// link in a clone" (3, see the last test) and "check-then-use races on chown" (4), with a hostile non-admin (mallory) racing the real agent on the chroot host.
//
// 1. Script rewriter: during a real apply over SSH, mallory rewrites every
//    /tmp/terraform_*.sh and /root/terraform_*.sh she can open, in a tight loop. Every
//    connection sets script_path to /root (0700, root's), so there is nothing for her to
//    open; a root watcher shows the scripts were there (sightings printed), so the loop had
//    targets to race for. Hits must be 0 and /pwned absent.
// 2. Rename-exchange: ~/.config/workstations has a group the agent corrects on every converge
//    (mallory chgrps it back each time), and mallory swaps ~/.config with a symlink to
//    /usr/local/lib with renameat2(RENAME_EXCHANGE) in a tight loop (millions of swaps per
//    run, printed). Before the fix, root's lstat/lchown by path then hit
//    /usr/local/lib/workstations (the issue: won within tens to a few hundred converges).
//    Now the owner is set through an fd reached without following any link, so no
//    interleaving can redirect it; CONVERGES runs are the regression guard. With the
//    issue's worst observed rate (1 win in ~300 converges) the chance that a regression goes
//    unnoticed in CONVERGES = 40 runs is (299/300)^40 ~ 88%; with a win in 30 (the "tens"),
//    (29/30)^40 ~ 26%: a guard, not a proof (the fd walk is the proof; the outcomes printed
//    show how often a converge met the link). The fingerprint below (type, mode, owner, content of /etc, /root,
//    /usr/local/lib, /var/lib/workstations and the other homes) would show any win.
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, SynthResult, synthDevvm } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

const CONVERGES = 40;
const CLONES = 15;
const HOME = '/home/mallory';
const asMallory = (h: TestHost, script: string, timeoutMs = 60_000) => h.exec(['sh', '-c', script], { user: 'mallory', env: { HOME }, timeoutMs });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Agent state that legitimately changes on a converge or an apply. */
const OWN_STATE = /^(added|changed|removed) \/var\/lib\/workstations\/(state\.json|desired\/)/;

function castWith(extra: string[]): ReturnType<typeof exampleCast> {
  const roster = exampleCast();
  roster.people.mallory = { email: 'mallory@example.com', authentik_user: 'mallory', tier: 'power-user', uid: 1010, workstation: {} };
  extra.forEach((u, i) => (roster.people[u] = { email: `${u}@example.com`, authentik_user: u, tier: 'power-user', uid: 1020 + i, workstation: {} }));
  return roster;
}

describeE2E('hostile person racing the agent: script rewriter, clone-marker links, rename-exchange on chown', () => {
  const host = useTestHost();
  let synth: SynthResult;

  beforeAll(async () => {
    synth = (await applyCast(host(), castWith([]))).synth;
  });

  afterEach(async () => {
    await host().exec(['touch', '/tmp/stop-race']);
  });

  it('a script rewriter during an apply finds no script to rewrite', async () => {
    const h = host();
    await h.exec(['rm', '-f', '/tmp/stop-race']);
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea'];
    const before = await treeState(h, guarded);
    const rewriter = asMallory(
      h,
      'n=0; hits=0; : > ~/rw.started; until [ -e /tmp/stop-race ]; do n=$((n+1)); for f in /tmp/terraform_*.sh /root/terraform_*.sh; do [ -e "$f" ] && printf "touch /pwned\\n" > "$f" 2>/dev/null && hits=$((hits+1)); done; done; echo "$n $hits"',
      600_000,
    );
    const watcher = h.exec(['sh', '-c', 'n=0; seen=0; until [ -e /tmp/stop-race ]; do n=$((n+1)); for f in /root/terraform_*.sh; do [ -e "$f" ] && seen=$((seen+1)); done; done; echo "$n $seen"'], { timeoutMs: 600_000 });
    for (let i = 0; i < 100 && !(await h.exists(`${HOME}/rw.started`)); i++) await sleep(20);

    // A second apply (one more person) runs host, layer and profile scripts over SSH.
    const tf = new Terraform({ stackDir: synthDevvm(h, castWith(['nora'])).stackDir, env: h.env, baseDir: h.privateDir });
    const { output } = await tf.planAndApply();
    await h.execOk(['touch', '/tmp/stop-race']);
    const [rw, w] = await Promise.all([rewriter, watcher]);
    const [iterations, hits] = rw.stdout.trim().split(' ').map(Number);
    const [, sightings] = w.stdout.trim().split(' ').map(Number);
    console.log(`script rewriter: ${iterations} passes over /tmp and /root, ${hits} rewrites; root saw /root/terraform_*.sh ${sightings} times during the apply`);
    expect(linesOf(output, 'nora')).toContainEqual(expect.stringMatching(/^nora: account: changed/));
    expect(iterations).toBeGreaterThan(0);
    expect(sightings).toBeGreaterThan(0);
    expect(hits).toBe(0);
    expect(await h.exists('/pwned')).toBe(false);
    // Terraform leaves the scripts it uploaded in /root (root's, 0700 directory): not hers.
    const scripts = (await h.execOk(['sh', '-c', 'cat /root/terraform_*.sh'])).stdout;
    expect(scripts).not.toContain('/pwned');
    const changes = treeChanges(before, await treeState(h, guarded)).filter(
      (c) => !OWN_STATE.test(c) && !/^added \/root\/terraform_\d+\.sh$/.test(c) && !/^(added|changed|removed) (\/etc\/(passwd|group|shadow|gshadow|subuid|subgid|ttyd-user-map|ttyd-admins|t3-serve\/dispatch\.json|t3-serve\/nora\.env|claude-auth-sync\/nora\.env|systemd\/system\/user-1020\.slice\.d)|\/var\/lib\/workstations\/mirrors\/)/.test(c),
    );
    // nora's onboarding adds her account, maps, slice, t3 env file and auth-sync env file:
    // nothing else outside mallory's files.
    expect(changes).toEqual([]);
  });

  it(`${CONVERGES} converges raced by a rename-exchange of ~/.config never change /usr/local/lib`, async () => {
    const h = host();
    await h.exec(['rm', '-f', '/tmp/stop-race']);
    // A group of hers (any unmanaged group on the host): the agent sets her primary group back every converge.
    await h.execOk(['sh', '-c', 'getent group proj >/dev/null || groupadd proj; gpasswd -a mallory proj >/dev/null']);
    await asMallory(h, 'mkdir -p ~/.config/workstations && ln -sfn /usr/local/lib ~/.config-link');
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea'];
    const before = await treeState(h, guarded);
    const ownerBefore = await h.execOk(['stat', '-c', '%u:%g %a', '/usr/local/lib/workstations']);

    // renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) = syscall 316 on x86_64, 276 on arm64.
    const nr = (await h.execOk(['uname', '-m'])).stdout.trim() === 'aarch64' ? 276 : 316;
    const racer = asMallory(
      h,
      `cd && : > race.started && perl -e 'my ($a, $b, $n) = (".config", ".config-link", 0); until (-e "/tmp/stop-race") { for (1..1000) { syscall(${nr}, -100, $a, -100, $b, 2) == 0 or die "renameat2: $!"; system("chgrp", "-h", "proj", ".config/workstations") if $_ == 1 && -d ".config/workstations" && ! -l ".config"; $n++ } } syscall(${nr}, -100, $a, -100, $b, 2) if -l ".config"; print "$n\\n"'`,
      1_200_000,
    );
    for (let i = 0; i < 100 && !(await h.exists(`${HOME}/race.started`)); i++) await sleep(20);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CONVERGES; i++) {
      const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.mallory], { timeoutMs: 180_000 });
      const line = linesOf(r.stdout, 'mallory').find((l) => l.startsWith('mallory: private-dirs:')) ?? '(no private-dirs line)';
      const key = line.replace(/\(.*\)$/, '').trim();
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    await h.execOk(['touch', '/tmp/stop-race']);
    const swaps = (await racer).stdout.trim();
    console.log(`rename-exchange race: ${swaps} swaps of ~/.config during ${CONVERGES} converges; private-dirs outcomes: ${[...outcomes].map(([k, n]) => `${n}x ${k}`).join(', ')}`);
    expect(Number(swaps)).toBeGreaterThan(CONVERGES);
    expect((await racer).code).toBe(0);

    expect(await h.execOk(['stat', '-c', '%u:%g %a', '/usr/local/lib/workstations'])).toEqual(ownerBefore);
    expect((await h.execOk(['find', '/usr/local/lib', '-user', 'mallory'])).stdout).toBe('');
    const changes = treeChanges(before, await treeState(h, guarded)).filter((c) => !OWN_STATE.test(c) && !/^(added|changed|removed) \/var\/lib\/workstations\/mirrors\//.test(c));
    expect(changes).toEqual([]);
  });
  it(`${CLONES} re-clones raced by a marker-link planter never write outside her files`, async () => {
    // Class 3: while the agent clones into ~/.code.clone-<hex>, mallory plants
    // .git/workstations-clone -> /etc/claude-code/managed-settings.json in every temp clone
    // she sees. The marker is written by tee AS her, so a link she got in first makes that
    // write fail (EACCES: the step fails for her alone) instead of rooting the layer. The
    // number of clones where her link came first is printed: each was a root write through
    // the link on the old code. The fingerprint shows whether anything outside her files changed.
    const h = host();
    await h.exec(['rm', '-f', '/tmp/stop-race']);
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea'];
    const before = await treeState(h, guarded);
    const planter = asMallory(
      h,
      'cd && n=0; : > clone-race.started; until [ -e /tmp/stop-race ]; do for d in .code.clone-*; do [ -d "$d/.git" ] && ln -sfn /etc/claude-code/managed-settings.json "$d/.git/workstations-clone" 2>/dev/null && n=$((n+1)); done; done; echo $n',
      1_200_000,
    );
    for (let i = 0; i < 100 && !(await h.exists(`${HOME}/clone-race.started`)); i++) await sleep(20);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CLONES; i++) {
      await asMallory(h, 'rm -rf ~/code');
      const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.mallory], { timeoutMs: 180_000 });
      const line = linesOf(r.stdout, 'mallory').find((l) => l.startsWith('mallory: infra-clone:')) ?? '(no infra-clone line)';
      const key = line.replace(/ \(.*$/, '').trim();
      if (!outcomes.has(key)) console.log(`clone race, first ${key}: ${line}`);
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    await h.execOk(['touch', '/tmp/stop-race']);
    const plants = (await planter).stdout.trim();
    console.log(`clone race: ${plants} links planted during ${CLONES} clones; infra-clone outcomes: ${[...outcomes].map(([k, n]) => `${n}x ${k}`).join(', ')} (each FAILED: her link came first)`);
    expect(Number(plants)).toBeGreaterThan(0);
    const changes = treeChanges(before, await treeState(h, guarded)).filter((c) => !OWN_STATE.test(c) && !/^(added|changed|removed) \/var\/lib\/workstations\/mirrors\//.test(c));
    expect(changes).toEqual([]);
  });
});
