// Issue 13 item 11: changing a person's code_layout moves the existing tree AS the person,
// on the chroot test host with real accounts (real Terraform over SSH for the roster changes,
// the agent directly for the crash and race trials):
//   - single -> workspace: ~/code becomes ~/code/infra, the project repos nested inside it are
//     hoisted beside it, nothing is cloned inside a clone; a dirty working tree (a modified
//     tracked file), untracked files and the nested repos' own dirty work are all kept;
//   - workspace -> single: the reverse, with the same work kept;
//   - a tree it cannot move safely (a nested repo named `infra`) fails that person's
//     code-layout step only, nothing moves, the others converge;
//   - SIGKILLed mid-move (seeded random moments): the rerun finishes the move (roll forward);
//   - a hostile person exchanging her directories with symlinks to root's directories
//     (renameat2 RENAME_EXCHANGE, in a tight loop over every path a move touches, staging
//     directories included) during 12 converges that each move or resume a move changes
//     nothing outside her own files: /etc, /root, /usr/local/lib, /var/lib/workstations and
//     the other homes are fingerprinted (type, mode, owner, link, sha256) before and after.
//     The loop's exchange count is printed (tens of thousands per run). Chance of a miss:
//     the moves have no window in which root acts on a path of hers (every look and every
//     rename runs as lena; root writes only its journal outside the home), so there is no
//     interleaving to miss; the iterations show the race really ran during the moves, and
//     the converges' outcomes (refusals, resumed moves) are printed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { encodeSpec } from '../../src/desired/host-specs';
import type { WorkstationState } from '../../src/desired/types';
import { TestHost, useTestHost } from '../harness/host';
import { chrootArgv } from '../harness/host-exec';
import { describeE2E } from '../harness/skip';
import { prng } from '../support/prng';
import { outcomes } from './devvm/checks';
import { AGENT, agent, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast, RosterDoc, synthDevvm, SynthResult } from './devvm/stack';
import type { Terraform } from '../harness/terraform';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';
import { SUBREAPER } from './devvm/subreaper';

const U = 'lena';
const HOME = `/home/${U}`;
const JOURNAL = `/var/lib/workstations/layout/${U}.json`;
/** Nested project repos of lena's (hoisted in workspace, nested in single). */
const PROJECTS = ['proj', 'p1', 'p2', 'p3', 'p4', 'p5'];
const GIT_ENV = { HOME, GIT_AUTHOR_NAME: 'lena', GIT_AUTHOR_EMAIL: 'lena@example.invalid', GIT_COMMITTER_NAME: 'lena', GIT_COMMITTER_EMAIL: 'lena@example.invalid' };
const KILL_TRIALS = 12;
const KILL_SEED = 0x1a7047;
const RACE_MOVES = 12;

const asLena = (h: TestHost, script: string, timeoutMs = 60_000) => h.execOk(['sh', '-c', script], { user: U, env: GIT_ENV, timeoutMs });

function castWith(layout: 'single' | 'workspace'): RosterDoc {
  const r = exampleCast();
  r.people[U] = { email: 'lena@example.com', authentik_user: 'lena', tier: 'power-user', uid: 1010, workstation: layout === 'single' ? {} : { code_layout: 'workspace' } };
  return r;
}

/** Where the infra clone and the projects are in `layout`. */
const infraDir = (layout: 'single' | 'workspace') => (layout === 'single' ? `${HOME}/code` : `${HOME}/code/infra`);
const projDir = (p: string) => `${HOME}/code/${p}`;

/**
 * lena's work, independent of where it sits: the infra clone's status (nested repos and the
 * workspace's own files left out: they are inside it only in the single layout), its HEAD,
 * each project's status, HEAD and file contents.
 */
async function work(h: TestHost, layout: 'single' | 'workspace'): Promise<Record<string, string>> {
  const infra = infraDir(layout);
  const nestedLine = new RegExp(`^\\?\\? (${[...PROJECTS, 'todo.md'].join('|')})/?$`);
  const out: Record<string, string> = {};
  const status = (await asLena(h, `git -C "${infra}" status --porcelain=v1 -uall`)).stdout.split('\n').filter((l) => l && !nestedLine.test(l));
  out.infraStatus = status.join('\n');
  out.infraHead = (await asLena(h, `git -C "${infra}" rev-parse HEAD`)).stdout.trim();
  out.infraFiles = (await asLena(h, `cd "${infra}" && sha256sum README.md notes.txt scratch/x`)).stdout;
  out.marker = String(await h.exists(`${infra}/.git/workstations-clone`));
  for (const p of PROJECTS) {
    out[`${p}Status`] = (await asLena(h, `git -C "${projDir(p)}" status --porcelain=v1 -uall`)).stdout;
    out[`${p}Head`] = (await asLena(h, `git -C "${projDir(p)}" rev-parse HEAD`)).stdout.trim();
    out[`${p}Files`] = (await asLena(h, `cd "${projDir(p)}" && sha256sum main.txt wip.txt`)).stdout;
  }
  return out;
}

/** No clone inside a clone, no staging directory, no journal left. */
async function expectClean(h: TestHost, layout: 'single' | 'workspace') {
  expect(await h.exists(`${HOME}/code/infra/infra`)).toBe(false);
  expect(await h.exists(`${HOME}/code/infra/.git`)).toBe(layout === 'workspace');
  expect(await h.exists(`${HOME}/code/.git`)).toBe(layout === 'single');
  expect((await h.execOk(['sh', '-c', `ls -A ${HOME} | grep '^\\.code\\.layout-' || true`])).stdout).toBe('');
  expect(await h.exists(JOURNAL)).toBe(false);
}

/**
 * SIGKILL of the agent's whole process group `extraMs` after `armed()` first holds (polled
 * every 2 ms), under a subreaper as devvm-crash does (so killed children are reaped).
 */
function convergeKilled(h: TestHost, b64: string, armed: () => boolean, extraMs: number): Promise<string> {
  const argv = chrootArgv(h.rootDir, ['perl', '-e', SUBREAPER, 'node', AGENT, 'converge', b64]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pgid = 0;
    const poll = setInterval(() => {
      if (pgid === 0 || !armed()) return;
      clearInterval(poll);
      setTimeout(() => {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* already exited */
        }
      }, extraMs);
    }, 2);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /^pgid (\d+)$/m.exec(stderr);
      if (m) pgid = Number(m[1]);
    });
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0 || pgid === 0) reject(new Error(`subreaper failed (exit ${code}): ${stderr}`));
      else resolve(stdout);
    });
  });
}

describeE2E('devvm facet: code_layout changes move the tree as the person', () => {
  const host = useTestHost();
  let tf: Terraform;
  let synth: SynthResult;
  const ws: Partial<Record<'single' | 'workspace', WorkstationState>> = {};
  let baseline: Record<string, string>;

  beforeAll(async () => {
    const h = host();
    ({ tf, synth } = await applyCast(h, castWith('single')));
    ws.single = synth.workstation[U];
    ws.workspace = synthDevvm(h, castWith('workspace')).workstation[U];
    // lena's work in her single-layout clone: a modified tracked file, untracked files,
    // a plain directory, a link, and project repos of her own nested inside it (committed
    // work plus a modified and an untracked file each).
    await asLena(h, [
      'set -e',
      'cd ~/code',
      'echo "lena was here" >> README.md',
      'echo "my notes" > notes.txt',
      'mkdir scratch && echo x > scratch/x',
      'ln -s /etc etc-link',
      ...PROJECTS.flatMap((p) => [
        `git init -q -b main ${p}`,
        `echo "${p} v1" > ${p}/main.txt`,
        `git -C ${p} add main.txt`,
        `git -C ${p} commit -q -m one`,
        `echo "${p} v2 (uncommitted)" >> ${p}/main.txt`,
        `echo "${p} wip" > ${p}/wip.txt`,
      ]),
    ].join('\n'));
    baseline = await work(h, 'single');
    expect(baseline.infraStatus).toBe(' M README.md\n?? etc-link\n?? notes.txt\n?? scratch/x');
    expect(baseline.projStatus).toBe(' M main.txt\n?? wip.txt\n');
  });

  it('single -> workspace by a real apply: ~/code becomes ~/code/infra, projects hoisted beside it, all work kept', async () => {
    const h = host();
    synth = synthDevvm(h, castWith('workspace'));
    tf.setConfig(synth.stackDir);
    const out = (await tf.planAndApply()).output;
    const lines = linesOf(out, U);
    expect(lines).toContain(`${U}: code-layout: changed (~/code -> ~/code/infra; hoisted beside it: ${[...PROJECTS].sort().join(', ')})`);
    // Her clone is at the mirror's tip: nothing to fast-forward, so her uncommitted work is not even looked at.
    expect(lines).toContain(`${U}: infra-clone: ok`);
    expect(outcomes(lines).filter(([, k]) => k === 'FAILED')).toEqual([]);
    expect(await work(h, 'workspace')).toEqual(baseline);
    await expectClean(h, 'workspace');
    expect(await h.stat(`${HOME}/code`)).toMatchObject({ type: 'directory', uid: 1010 });
    // The link and the plain directory stayed inside the infra tree; no one else was touched.
    expect((await h.execOk(['readlink', `${HOME}/code/infra/etc-link`])).stdout.trim()).toBe('/etc');
    for (const other of ['wizard', 'emo']) expect(linesOf(out, other)).toEqual([]);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
    // Idempotent: a converge of the same layout moves nothing.
    const again = await agent(h, ['converge', synth.convergeArg[U]]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/code-layout/);
  });

  it('workspace -> single by a real apply: the reverse, with the workspace\'s own file nested too', async () => {
    const h = host();
    await asLena(h, 'echo "todo" > ~/code/todo.md');
    synth = synthDevvm(h, castWith('single'));
    tf.setConfig(synth.stackDir);
    const out = (await tf.planAndApply()).output;
    const lines = linesOf(out, U);
    expect(lines).toContain(`${U}: code-layout: changed (~/code/infra -> ~/code; nested inside it: ${[...PROJECTS, 'todo.md'].sort().join(', ')})`);
    expect(outcomes(lines).filter(([, k]) => k === 'FAILED')).toEqual([]);
    expect(await work(h, 'single')).toEqual(baseline);
    expect(await h.readFile(`${HOME}/code/todo.md`)).toBe('todo\n');
    await expectClean(h, 'single');
    expect((await tf.planNoChanges()).noChanges).toBe(true);
    await asLena(h, 'rm ~/code/todo.md');
  });

  it('a tree it cannot move safely: that person\'s code-layout fails, nothing moves, nothing is cloned, others converge', async () => {
    const h = host();
    await asLena(h, 'cd ~/code && git init -q -b main infra && echo "a repo of mine" > infra/mine.txt');
    const before = (await asLena(h, 'cd ~ && find code -path "*/.git" -prune -o -print | sort')).stdout;
    const r = await agent(h, ['converge', encodeSpec(ws.workspace!)]);
    expect(r.code).toBe(1);
    expect(linesOf(r.stdout, U)).toEqual(expect.arrayContaining([
      `${U}: code-layout: FAILED (${HOME}/code/infra is a repository of yours inside the infra clone: it would collide with ~/code/infra; rename it first: nothing moved)`,
      `${U}: infra-clone: skipped (code-layout did not move the tree: nothing cloned)`,
    ]));
    expect(r.stdout.split('\n').filter((l) => l.includes('FAILED'))).toHaveLength(1);
    expect((await asLena(h, 'cd ~ && find code -path "*/.git" -prune -o -print | sort')).stdout).toBe(before);
    expect(await h.exists(JOURNAL)).toBe(false);
    // Everyone else converges in the same run of the agent (one person per run: wizard's own).
    const w = await agent(h, ['converge', synth.convergeArg.wizard]);
    expect([w.code, w.stdout.split('\n').filter((l) => l.includes('FAILED'))]).toEqual([0, []]);
    await asLena(h, 'rm -rf ~/code/infra');
  });

  it(`${KILL_TRIALS} seeded SIGKILLs mid-move: the rerun finishes the move, all work kept`, async () => {
    const h = host();
    const rand = prng(KILL_SEED);
    // How long a move takes here (the journal's lifetime, polled every 2 ms), so the kills
    // spread over the whole move on a fast or a slow machine alike.
    const journalAt = `${h.rootDir}${JOURNAL}`;
    let first = 0;
    let last = 0;
    const poll = setInterval(() => {
      if (!existsSync(journalAt)) return;
      last = Date.now();
      first ||= last;
    }, 2);
    const timed = await agent(h, ['converge', encodeSpec(ws.workspace!)]);
    clearInterval(poll);
    expect([timed.code, timed.stdout]).toEqual([0, expect.stringMatching(/code-layout: changed/)]);
    const moveMs = Math.max(last - first, 20);
    let layout: 'single' | 'workspace' = 'workspace';
    const landed: string[] = [];
    // Armed when the journal appears (the plan is made, nothing moved yet); killed at a
    // stratified random moment of the measured move: trial k of n within its k-th slice.
    for (let trial = 0; trial < KILL_TRIALS; trial++) {
      const to: 'single' | 'workspace' = layout === 'single' ? 'workspace' : 'single';
      const extraMs = Math.round(((trial + rand()) / KILL_TRIALS) * moveMs);
      const killed = await convergeKilled(h, encodeSpec(ws[to]!), () => existsSync(`${h.rootDir}${JOURNAL}`), extraMs);
      const journal = (await h.exists(JOURNAL)) ? (JSON.parse(await h.readFile(JOURNAL)) as { done: number; steps: unknown[] }) : undefined;
      const finished = /code-layout: changed/.test(killed);
      landed.push(`${to} +${extraMs}ms: ${finished ? 'move finished' : journal ? `killed at step ${journal.done}/${journal.steps.length}` : 'killed after the move'}`);
      const rerun = await agent(h, ['converge', encodeSpec(ws[to]!)]);
      expect([trial, rerun.code, rerun.stdout.split('\n').filter((l) => l.includes('FAILED'))]).toEqual([trial, 0, []]);
      if (journal) expect(rerun.stdout).toMatch(new RegExp(`^${U}: code-layout: changed \\(finished an interrupted move`, 'm'));
      expect([trial, await work(h, to)]).toEqual([trial, baseline]);
      await expectClean(h, to);
      layout = to;
    }
    console.log(`layout moves killed (seed ${KILL_SEED}; an unkilled move took ${moveMs} ms):\n  ${landed.join('\n  ')}`);
    // Enough kills landed inside the move (journal written, not all steps done) to matter.
    expect([landed.filter((l) => l.includes('killed at step')).length >= KILL_TRIALS / 3, landed]).toEqual([true, landed]);
    if (layout === 'workspace') {
      const back = await agent(h, ['converge', encodeSpec(ws.single!)]);
      expect(back.code).toBe(0);
    }
  });

  it(`a hostile person exchanging her directories with links to root's during ${RACE_MOVES} moves changes nothing outside her files`, async () => {
    const h = host();
    const guarded = [...GUARDED, '/home/wizard', '/home/emo', '/home/ancamilea'];
    const ownState = /^(added|changed|removed) \/var\/lib\/workstations\/(state\.json|desired\/|layout(\/|$))/;
    const before = await treeState(h, guarded);
    // renameat2(RENAME_EXCHANGE) swaps a directory of hers with a symlink to a root-owned
    // directory and back, for every path the move touches (staging directories included),
    // in a tight loop as lena. x86_64: syscall 316; arm64: 276.
    const sys = ({ x64: 316, arm64: 276 } as Record<string, number>)[process.arch];
    const racer = `my ($h, $stop) = @ARGV; my $n = 0; my $l = "$h/.lnk";
      my @targets = ("/etc", "/root", "/usr/local/lib/workstations", "/var/lib/workstations", "/home/wizard");
      open my $s, ">", "$h/race.started"; close $s;
      until (-e $stop) {
        for my $p (glob("$h/.code.layout-*"), glob("$h/.code.layout-*/*"), "$h/code", "$h/code/infra", "$h/code/proj", "$h/code/p1", "$h/code/infra/p2") {
          unlink $l; symlink($targets[$n % @targets], $l);
          syscall(${sys}, -100, $p, -100, $l, 2); syscall(${sys}, -100, $p, -100, $l, 2);
          $n++;
        }
      }
      print "$n\\n";`;
    const race = h.exec(['perl', '-e', racer, HOME, `${HOME}/race.stop`], { user: U, env: { HOME }, timeoutMs: 20 * 60_000 });
    for (let i = 0; i < 200 && !(await h.exists(`${HOME}/race.started`)); i++) await new Promise((r) => setTimeout(r, 20));
    const results: string[] = [];
    for (let i = 0; i < RACE_MOVES; i++) {
      const to = i % 2 === 0 ? 'workspace' : 'single';
      const r = await agent(h, ['converge', encodeSpec(ws[to]!)], { timeoutMs: 300_000 });
      const line = linesOf(r.stdout, U).find((l) => l.includes('code-layout')) ?? `${U}: code-layout: (not needed)`;
      results.push(`${to}: exit ${r.code}: ${line.replace(`${U}: code-layout: `, '')}`);
      expect(r.stderr).toBe('');
    }
    await h.execOk(['touch', `${HOME}/race.stop`]);
    const exchanges = Number((await race).stdout.trim());
    console.log(`${exchanges} symlink exchanges by lena during ${RACE_MOVES} layout converges:\n  ${results.join('\n  ')}`);
    expect(exchanges).toBeGreaterThan(1000);
    const changes = treeChanges(before, await treeState(h, guarded)).filter((l) => !ownState.test(l));
    expect(changes).toEqual([]);
  });
  it('never a clone inside a clone: a ~/code git repo not made by the agent is kept; an absent ~/code is made by the person', async () => {
    const h = host();
    // After the race lena's tree is whatever she made of it: start over (her files, and the agent's journal of her move).
    await h.execOk(['rm', '-f', JOURNAL]);
    await asLena(h, 'rm -rf ~/code ~/.code.layout-* ~/.lnk ~/race.started ~/race.stop && git init -q -b main ~/code');
    const kept = await agent(h, ['converge', encodeSpec(ws.workspace!)]);
    expect(linesOf(kept.stdout, U)).toContain(`${U}: infra-clone: skipped (~/code is a git clone: ~/code/infra is not cloned inside it)`);
    expect(await h.exists(`${HOME}/code/infra`)).toBe(false);
    await asLena(h, 'rm -rf ~/code');
    const fresh = await agent(h, ['converge', encodeSpec(ws.workspace!)]);
    expect([fresh.code, linesOf(fresh.stdout, U)]).toEqual([0, expect.arrayContaining([`${U}: infra-clone: changed (cloned (git-crypt locked))`])]);
    expect(await h.stat(`${HOME}/code`)).toMatchObject({ type: 'directory', uid: 1010, mode: 0o755 });
    expect(await h.exists(`${HOME}/code/infra/.git/workstations-clone`)).toBe(true);
  });
});
