// Changing a person's code_layout moves their existing tree instead of cloning next to (or
// inside) it:
//   single -> workspace: the infra clone at ~/code becomes ~/code/infra, and the project
//     repositories nested directly inside it (top-level directories with a .git directory
//     that the infra repo does not track) are hoisted beside it, to ~/code/<name>;
//   workspace -> single: the reverse: ~/code/infra becomes ~/code, and everything else that
//     was in the workspace directory (repos, files) is nested back inside it.
// Whole directories are renamed, so uncommitted changes, untracked files and stashes travel
// with them; nothing is copied or deleted.
//
// Privilege rule (agent/main.ts): every look into the tree (what is there, git's answers) and
// every move runs AS the person (runuser), so a symlink they flip or a directory they swap
// during the move can only redirect their own renames, which the kernel limits to their own
// files. Root writes only its journal, in /var/lib/workstations/layout (root's, 0700).
//
// Crash safety: rolls FORWARD. The whole move is planned before anything moves, written to
// the journal (the list of renames, and how many are done), then each rename is done and
// counted. A rerun after a kill finds the journal and finishes it: each remaining step is
// checked first (source there and target absent: do it; source gone and target there: it was
// done before the kill; anything else: the tree changed under the move, refused). Forward, not
// back, because the roster asked for the new layout: rolling back would only be followed by
// the same move. The step is idempotent: a tree already in the roster's layout is left alone.
//
// Refused loudly (the person's `code-layout` step fails, nothing moves, their clone steps are
// skipped, everyone else converges): a legacy account (pending cutover); an infra clone whose
// origin is not the infra repo; git running in it (index.lock); linked worktrees or a nested
// repo whose .git is a file (their absolute gitdir paths would break); a nested repo named
// `infra`; ~/code on another filesystem than the home (rename would turn into a copy); names
// that collide with the infra tree when nesting back; a journaled step whose source and
// target are both present.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { writeFileAtomic } from '../atomic';
import { probe, RUNUSER, runAs } from '../exec';
import { LAYOUT_DIR } from '../paths';
import { changed, failed, Outcome, skipped } from '../report';
import { randomHex } from '../random-name';

/** Same marker as agent/steps/clone.ts: only the agent's own clones are moved. */
const MARKER = 'workstations-clone';
/** Looks into the person's tree are quick; a FIFO or a hung git costs one step, not the host lock. */
const LOOK_TIMEOUT_MS = 60_000;
/** The agent's own half-made clones (agent/steps/clone.ts); stale by the time a move runs. */
const STALE_CLONE = /^\.[A-Za-z0-9._-]+\.clone-[0-9a-f]{8}$/;

const Step = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('mkdir'), path: z.string() }),
  z.strictObject({ op: z.literal('mv'), from: z.string(), to: z.string() }),
  z.strictObject({ op: z.literal('rmdir'), path: z.string() }),
]);
type Step = z.infer<typeof Step>;

const Journal = z.strictObject({
  osUser: z.string(),
  to: z.enum(['single', 'workspace']),
  summary: z.string(),
  steps: z.array(Step),
  done: z.number().int().min(0),
  startedAt: z.string(),
});
type Journal = z.infer<typeof Journal>;

const journalFile = (u: string) => `${LAYOUT_DIR}/${u}.json`;

export type Kind = 'absent' | 'dir' | 'link' | 'file';

/** sh: one line for what is at "$p"; `stat` (a child per directory) only when asked. */
const kindOf = (withDev: boolean) =>
  `if [ -L "$p" ]; then echo l; elif [ -d "$p" ]; then echo ${withDev ? '"d $(stat -c %d -- "$p")"' : 'd'}; elif [ -e "$p" ]; then echo f; else echo -; fi`;

/** sh: the look over every argument. */
export const kindsLook = (withDev: boolean) => `for p; do ${kindOf(withDev)}; done`;

/**
 * sh: the look over the first $1 arguments only (no stat), which it shifts away, so that a
 * script can go on with the rest (agent/person-look.ts).
 */
export const KINDS_OF_FIRST_N = `n=$1; shift; while [ "$n" -gt 0 ]; do p=$1; shift; n=$((n - 1)); ${kindOf(false)}; done`;

/** The look's lines, one per path, as kinds. */
export function parseKinds(lines: readonly string[], count: number): { kind: Kind; dev?: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const [k, dev] = (lines[i] ?? '-').split(' ');
    return { kind: k === 'l' ? 'link' : k === 'd' ? 'dir' : k === 'f' ? 'file' : 'absent', dev };
  });
}

/**
 * What is at each path, looked at as the person (lstat semantics for the last component);
 * with `withDev`, also each directory's device number (only the filesystem check needs it).
 */
function kindsAs(ws: WorkstationState, paths: readonly string[], withDev = false): { kind: Kind; dev?: string }[] {
  const out = runAs(ws.osUser, ws.home, 'sh', ['-c', kindsLook(withDev), 'sh', ...paths], { timeoutMs: LOOK_TIMEOUT_MS }).split('\n');
  return parseKinds(out, paths.length);
}

/** Entries directly in `dir` (name and find's %y type letter), listed as the person. */
function entriesAs(ws: WorkstationState, dir: string): { name: string; type: string }[] {
  const out = runAs(ws.osUser, ws.home, 'find', ['-P', dir, '-mindepth', '1', '-maxdepth', '1', '-printf', '%y %P\\0'], { timeoutMs: LOOK_TIMEOUT_MS });
  return out.split('\0').filter(Boolean).map((e) => ({ type: e[0], name: e.slice(2) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** git as the person in their own clone; exit status and output, never a throw. */
function gitAs(ws: WorkstationState, repo: string, args: string[]) {
  return probe(RUNUSER, ['-u', ws.osUser, '--', 'git', '-C', repo, ...args], {
    cwd: ws.home,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws.home, LANG: 'C.UTF-8', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    timeoutMs: LOOK_TIMEOUT_MS,
  });
}

export type LayoutNeed = 'to-workspace' | 'to-single' | 'resume';

/** The paths layoutNeeded looks at (agent/person-look.ts looks at them in its one run). */
export function layoutLookPaths(ws: Pick<WorkstationState, 'home'>): string[] {
  const code = `${ws.home}/code`;
  return [code, `${code}/.git`, `${code}/.git/${MARKER}`, `${code}/infra/.git/${MARKER}`];
}

/**
 * Whether the tree must move (undefined: it is in the roster's layout, or there is none
 * yet). Cheap: the journal, and one look as the person (`seen`: that look's answer for
 * layoutLookPaths, when the converge already made it).
 */
export function layoutNeeded(ws: WorkstationState, seen?: readonly { kind: Kind }[]): LayoutNeed | undefined {
  if (existsSync(journalFile(ws.osUser))) return 'resume';
  if (!existsSync(ws.home)) return undefined;
  const [c, cGit, cMarker, iMarker] = seen ?? kindsAs(ws, layoutLookPaths(ws));
  if (c.kind !== 'dir') return undefined;
  if (ws.codeLayout === 'workspace' && cMarker.kind === 'file') return 'to-workspace';
  if (ws.codeLayout === 'single' && cGit.kind === 'absent' && iMarker.kind === 'file') return 'to-single';
  return undefined;
}

export function convergeLayout(ctx: Context, ws: WorkstationState, need: LayoutNeed): Outcome {
  const done: string[] = [];
  let next: LayoutNeed | undefined = need;
  // A journal of an earlier (killed) move is finished first; the roster may since want the other layout.
  for (let round = 0; next && round < 2; round++) {
    if (next === 'resume') {
      const r = resume(ctx, ws);
      if (r.kind !== 'changed') return r;
      done.push(r.detail ?? 'resumed');
    } else {
      if (ws.legacy) return skipped(`pending cutover: ~/code is in the ${next === 'to-workspace' ? 'single' : 'workspace'} layout, the roster says ${ws.codeLayout}`);
      const plan = next === 'to-workspace' ? planToWorkspace(ws) : planToSingle(ws);
      if (typeof plan === 'string') return failed(`${plan}: nothing moved`);
      if (ctx.dryRun) return changed(`would move: ${plan.summary}`);
      mkdirSync(LAYOUT_DIR, { recursive: true, mode: 0o700 });
      saveJournal(plan);
      const r = execute(ws, plan);
      if (r.kind !== 'changed') return r;
      done.push(r.detail ?? plan.summary);
    }
    if (ctx.dryRun) break;
    next = layoutNeeded(ws);
  }
  return changed(done.join('; then '));
}

function saveJournal(j: Journal): void {
  writeFileAtomic(journalFile(j.osUser), `${JSON.stringify(j, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

function resume(ctx: Context, ws: WorkstationState): Outcome {
  let j: Journal;
  try {
    j = Journal.parse(JSON.parse(readFileSync(journalFile(ws.osUser), 'utf8')));
  } catch (err) {
    return failed(`layout journal ${journalFile(ws.osUser)} is unreadable (${(err as Error).message}): move by hand, then delete it`);
  }
  const inHome = (p: string) => p.startsWith(`${ws.home}/`) && !p.split('/').includes('..');
  const paths = j.steps.flatMap((s) => (s.op === 'mv' ? [s.from, s.to] : [s.path]));
  if (j.osUser !== ws.osUser || !paths.every(inHome)) return failed(`layout journal ${journalFile(ws.osUser)} is not about ${ws.home}: left alone`);
  if (ctx.dryRun) return changed(`would finish the interrupted move (${j.done} of ${j.steps.length} steps done): ${j.summary}`);
  const r = execute(ws, j);
  return r.kind === 'changed' ? changed(`finished an interrupted move (${r.detail})`) : r;
}

/** Runs the journal's remaining steps, counting each; removes the journal when all are done. */
function execute(ws: WorkstationState, j: Journal): Outcome {
  const as = (cmd: string, args: string[]) => runAs(ws.osUser, ws.home, cmd, args, { timeoutMs: LOOK_TIMEOUT_MS });
  for (let i = j.done; i < j.steps.length; i++) {
    const s = j.steps[i];
    const where = `step ${i + 1} of ${j.steps.length}`;
    if (s.op === 'mkdir') {
      const [k] = kindsAs(ws, [s.path]);
      if (k.kind === 'absent') as('mkdir', ['-m', '0755', '--', s.path]);
      else if (k.kind !== 'dir') return failed(`${where}: ${s.path} is in the way (not a directory); journal kept in ${journalFile(ws.osUser)}`);
    } else if (s.op === 'mv') {
      const [from, to] = kindsAs(ws, [s.from, s.to]);
      if (from.kind !== 'absent' && to.kind === 'absent') as('mv', ['-T', '--', s.from, s.to]);
      else if (from.kind === 'absent' && to.kind !== 'absent') {
        // Done before a kill.
      } else if (from.kind === 'absent') {
        // Both gone: the person removed it meanwhile; nothing of theirs to move.
      } else {
        return failed(`${where}: both ${s.from} and ${s.to} exist (the tree changed under the move): move by hand, then delete ${journalFile(ws.osUser)}`);
      }
    } else {
      const [k] = kindsAs(ws, [s.path]);
      if (k.kind !== 'absent') {
        const left = k.kind === 'dir' ? entriesAs(ws, s.path).map((e) => e.name) : [];
        if (left.length > 0) return failed(`${where}: ${s.path} is not empty (${left.slice(0, 5).join(', ')}): move them, then rerun; journal kept`);
        as('rmdir', ['--', s.path]);
      }
    }
    j.done = i + 1;
    saveJournal(j);
  }
  rmSync(journalFile(ws.osUser), { force: true });
  return changed(j.summary);
}

/** Common refusals for the infra clone at `clone` (as the person). */
function infraProblem(ws: WorkstationState, clone: string): string | undefined {
  const origin = gitAs(ws, clone, ['remote', 'get-url', 'origin']);
  if (origin.timedOut) return `git in ${clone} timed out`;
  if (origin.status !== 0 || origin.stdout.trim() !== ws.infra.url) return `${clone} is an agent clone whose origin is ${JSON.stringify(origin.stdout.trim())}, not the infra repo ${ws.infra.url}`;
  const [lock, wt] = kindsAs(ws, [`${clone}/.git/index.lock`, `${clone}/.git/worktrees`]);
  if (lock.kind !== 'absent') return `git is running in ${clone} (.git/index.lock exists): try again when it is done`;
  if (wt.kind === 'dir' && entriesAs(ws, `${clone}/.git/worktrees`).length > 0) {
    return `${clone} has linked worktrees (git worktree list): their absolute paths would break; remove them (git worktree remove) first`;
  }
  return undefined;
}

function sameFilesystem(ws: WorkstationState, code: string): string | undefined {
  const [home, c] = kindsAs(ws, [ws.home, code], true);
  return home.dev !== c.dev ? `${code} is on another filesystem than ${ws.home} (a move would be a copy)` : undefined;
}

function planToWorkspace(ws: WorkstationState): Journal | string {
  const code = `${ws.home}/code`;
  const problem = infraProblem(ws, code) ?? sameFilesystem(ws, code);
  if (problem) return problem;
  // Candidates: top-level directories (not links) of the clone that hold a repository.
  const dirs = entriesAs(ws, code).filter((e) => e.type === 'd' && e.name !== '.git');
  const gits = kindsAs(ws, dirs.map((d) => `${code}/${d.name}/.git`));
  const hoist: string[] = [];
  for (const [i, d] of dirs.entries()) {
    if (gits[i].kind === 'absent') continue;
    const tracked = gitAs(ws, code, ['ls-files', '-z', '--', `:(literal)${d.name}`]);
    if (tracked.timedOut || tracked.status !== 0) return `git ls-files in ${code} failed`;
    if (tracked.stdout !== '') continue; // part of the infra tree (a tracked directory or a submodule)
    if (gits[i].kind !== 'dir') return `${code}/${d.name}/.git is not a directory (a worktree or a submodule checkout): its gitdir path would break; move it yourself first`;
    if (d.name === 'infra') return `${code}/infra is a repository of yours inside the infra clone: it would collide with ~/code/infra; rename it first`;
    hoist.push(d.name);
  }
  const stage = `${ws.home}/.code.layout-${randomHex()}`;
  const steps: Step[] = [
    { op: 'mkdir', path: stage },
    { op: 'mv', from: code, to: `${stage}/infra` },
    ...hoist.map((h): Step => ({ op: 'mv', from: `${stage}/infra/${h}`, to: `${stage}/${h}` })),
    { op: 'mv', from: stage, to: code },
  ];
  const summary = `~/code -> ~/code/infra${hoist.length ? `; hoisted beside it: ${hoist.join(', ')}` : ''}`;
  return { osUser: ws.osUser, to: 'workspace', summary, steps, done: 0, startedAt: new Date().toISOString() };
}

function planToSingle(ws: WorkstationState): Journal | string {
  const code = `${ws.home}/code`;
  const infra = `${code}/infra`;
  const problem = infraProblem(ws, infra) ?? sameFilesystem(ws, code);
  if (problem) return problem;
  const entries = entriesAs(ws, code).filter((e) => e.name !== 'infra');
  // The agent's own half-made clones of a killed run are stale: removed (as the person), not carried along.
  for (const e of entries.filter((x) => STALE_CLONE.test(x.name))) runAs(ws.osUser, ws.home, 'rm', ['-rf', '--', `${code}/${e.name}`]);
  const nest = entries.filter((e) => !STALE_CLONE.test(e.name)).map((e) => e.name);
  const clash = kindsAs(ws, nest.map((n) => `${infra}/${n}`));
  const collide = nest.filter((_, i) => clash[i].kind !== 'absent');
  if (collide.length > 0) return `${collide.map((n) => `~/code/${n}`).join(', ')} would collide with the infra tree's ${collide.join(', ')}: rename them first`;
  const stage = `${ws.home}/.code.layout-${randomHex()}`;
  const steps: Step[] = [
    { op: 'mv', from: code, to: stage },
    { op: 'mv', from: `${stage}/infra`, to: code },
    ...nest.map((n): Step => ({ op: 'mv', from: `${stage}/${n}`, to: `${code}/${n}` })),
    { op: 'rmdir', path: stage },
  ];
  const summary = `~/code/infra -> ~/code${nest.length ? `; nested inside it: ${nest.join(', ')}` : ''}`;
  return { osUser: ws.osUser, to: 'single', summary, steps, done: 0, startedAt: new Date().toISOString() };
}
