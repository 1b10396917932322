// The infra clone (and workspace repos): cloned AS the person from a local mirror used as
// a reference (objects are shared, so each clone is about the size of its checkout),
// git-crypt LOCKED for non-admins. Fast-forwarded only when clean and on the default
// branch. An existing ~/code the agent did not create is never touched.
//
// Mirrors never widen access. Every person can read every mirror (they clone from it), so a
// mirror may hold only what anyone could read from its source. The design: mirrors are
// fetched and owned by a dedicated system account, `workstations-mirror` (no login, no
// groups of its own beyond its private group, no credentials), not by root. The kernel then
// decides what may be mirrored: a local source (`/root/private.git`, another person's
// `~/x.git`) only root or its owner can read fails to mirror, with a message saying why; a
// network source is fetched with no one's credentials (a private remote needs a read-only
// deploy key set up for that account, a deliberate act of the admin). Why not root plus a
// permission check on local paths: checking every file of a repository (objects, packs,
// alternates, a `.git` file pointing elsewhere) is a race and a maze; running git as an
// account with no rights is neither, and it also keeps git's transport code (which talks
// to remote servers) out of root. Only the hex-named directory under the root-owned
// MIRROR_DIR is the account's; root creates it, renames it into place, and otherwise only
// stats it.
//
// Git URLs are passed after `--`, and one starting with `-` is refused here as well as by
// the GitUrl schema (src/roster/values.ts): it would otherwise be read as an option.
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { CommandTimeout, defaultTimeoutMs, personEnv, probe, probeOrTimeout, runAs, RUNUSER } from '../exec';
import { asMirror, MIRROR_USER, mirrorAccount } from '../mirror-account';
import { symlinkedParent } from '../managed-files';
import { MIRROR_DIR } from '../paths';
import { changed, failed, ok, oneLine, Outcome, skipped } from '../report';
import { randomHex } from '../random-name';
import { sha256 } from '../atomic';

/** Written into .git of every clone the agent made: only these are ever fast-forwarded. */
const MARKER = 'workstations-clone';
/** Mirrors are refreshed at most this often within a burst of converges (one apply). */
const MIRROR_FRESH_MS = 60_000;
/** A first clone of a large repository may take long; still bounded (the host lock is held). */
const CLONE_TIMEOUT_MS = 30 * 60 * 1000;
/** The unprivileged account that fetches and owns mirrors (agent/mirror-account.ts). */
export { MIRROR_USER };

/** A locked clone: git-crypt's filters are plain `cat`, so encrypted files stay ciphertext. */
const LOCKED_CONFIG = ['filter.git-crypt.smudge=cat', 'filter.git-crypt.clean=cat', 'filter.git-crypt.required=false'];

export function mirrorPath(url: string): string {
  return `${MIRROR_DIR}/${sha256(url).slice(0, 16)}.git`;
}

/** Why `url` is refused before it reaches git's argv, or undefined. */
export function urlProblem(url: string): string | undefined {
  return url.startsWith('-') ? `git URL ${JSON.stringify(url.slice(0, 60))} begins with "-" (git would read it as an option): refused` : undefined;
}

/**
 * The mirror (owned by the mirror account) is "dubious ownership" to git running as the person, and git's
 * local transport runs upload-pack with the caller's `-c` options stripped (they belong to
 * another repository). So upload-pack gets the exception itself. Git runs this string with
 * sh; it holds only the agent's own mirror path (hex digits), never a roster value.
 */
export function uploadPack(mirror: string): string {
  return `--upload-pack=git -c safe.directory=${mirror} upload-pack`;
}

/** Mirror files are world-readable: they hold only what the account could read (ciphertext for secrets). */
function publish(dir: string): void {
  asMirror('chmod', ['-R', 'a+rX,go-w', '--', dir]);
  asMirror('touch', ['--', `${dir}/FETCH_STAMP`]); // just fetched: the next converges of this apply need not
}

/** Bare mirror of `url`, fetched and owned by the mirror account. */
export function ensureMirror(ctx: Context, url: string): Outcome {
  const bad = urlProblem(url);
  if (bad) return failed(bad);
  const mirror = mirrorPath(url);
  const account = mirrorAccount(ctx);
  // A mirror root made (before this design) is replaced by one the account fetches itself.
  const current = existsSync(mirror) && account !== undefined && lstatSync(mirror).uid === account.uid;
  if (!current) {
    if (ctx.dryRun) return changed(`would mirror ${url} as ${MIRROR_USER}`);
    if (!account) return failed(`no ${MIRROR_USER} account`);
    mkdirSync(MIRROR_DIR, { recursive: true, mode: 0o755 });
    // A mirror half-made by a killed agent (root-owned directory, one agent at a time).
    for (const name of readdirSync(MIRROR_DIR)) {
      if (name.startsWith(`${basename(mirror)}.tmp-`)) rmSync(`${MIRROR_DIR}/${name}`, { recursive: true, force: true });
    }
    const tmp = `${mirror}.tmp-${randomHex()}`;
    mkdirSync(tmp, { mode: 0o755 });
    chownSync(tmp, account.uid, account.gid);
    try {
      // --no-hardlinks: a local source's objects are copied, so every file is the account's.
      asMirror('git', ['clone', '--quiet', '--mirror', '--no-hardlinks', '--', url, tmp], CLONE_TIMEOUT_MS);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      return failed(`${MIRROR_USER} cannot fetch ${url} (a mirror holds only what anyone may read): ${(err as Error).message}`);
    }
    // Clones borrow objects from here (alternates): never prune or gc them away.
    asMirror('git', ['-C', tmp, 'config', 'gc.auto', '0']);
    asMirror('git', ['-C', tmp, 'config', 'gc.pruneExpire', 'never']);
    publish(tmp);
    if (existsSync(mirror)) {
      // Swap, so clones that borrow from the old mirror never see it missing.
      const old = `${mirror}.tmp-old${randomHex()}`;
      renameSync(mirror, old);
      renameSync(tmp, mirror);
      rmSync(old, { recursive: true, force: true });
      return changed(`mirror re-fetched as ${MIRROR_USER}`);
    }
    renameSync(tmp, mirror);
    return changed('mirror created');
  }
  const stamp = `${mirror}/FETCH_STAMP`;
  if (existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < MIRROR_FRESH_MS) return ok(MIRROR_FRESH);
  if (ctx.dryRun) return ok('mirror would be refreshed');
  try {
    asMirror('git', ['-C', mirror, 'fetch', '--quiet', '--prune', 'origin'], CLONE_TIMEOUT_MS);
  } catch (err) {
    return failed(`${MIRROR_USER} cannot fetch ${url} (a mirror holds only what anyone may read): ${(err as Error).message}`);
  }
  publish(mirror);
  return ok('mirror refreshed');
}

/** ensureMirror's detail when it left the mirror as it was: a look at its tips still holds. */
export const MIRROR_FRESH = 'mirror fresh';

export interface CloneSpec {
  readonly url: string;
  readonly branch?: string;
  /** Path relative to the home. */
  readonly path: string;
  readonly locked: boolean;
}

export function isManagedClone(dir: string): boolean {
  return existsSync(`${dir}/.git/${MARKER}`);
}

/** `looked`: the clone's heads from the person look, when they still hold (steps/converge.ts). */
export function convergeClone(ctx: Context, ws: WorkstationState, spec: CloneSpec, looked?: Heads): Outcome {
  const bad = urlProblem(spec.url);
  if (bad) return failed(bad);
  const { target, mirror } = cloneAt(ws, spec);
  const git = (args: string[], cwd?: string) =>
    runAs(ws.osUser, ws.home, 'git', ['-c', `safe.directory=${mirror}`, ...args], { cwd });

  if (existsSync(target)) {
    if (!isManagedClone(target)) {
      return skipped(`${ws.legacy ? 'pending cutover: ' : ''}existing ~/${spec.path} was not created by the agent: kept as is`);
    }
    if (spec.locked && existsSync(`${target}/.git/git-crypt`)) return relock(ctx, ws, target);
    return fastForward(ctx, ws, target, mirror, spec, git, looked);
  }
  if (ctx.dryRun) return changed(`would clone ${spec.url} into ~/${spec.path}${spec.locked ? ' (git-crypt locked)' : ''}`);

  // Clone next to the target and rename: a crash never leaves a half clone at ~/code.
  const parent = dirname(target);
  const detour = symlinkedParent(target, ws.home);
  if (detour) return skipped(detour);
  if (parent !== ws.home) {
    // Never a clone inside an existing clone (a single-layout ~/code that did not move):
    // looked at as the person, like everything in their home.
    const inClone = probeOrTimeout(RUNUSER, ['-u', ws.osUser, '--', 'sh', '-c', '[ -e "$1/.git" ] || [ -L "$1/.git" ]', 'sh', parent], { cwd: ws.home }).status === 0;
    if (inClone) return skipped(`~/${parent.slice(ws.home.length + 1)} is a git clone: ~/${spec.path} is not cloned inside it`);
    // Made by the person (their home, their directory): root never creates a path they could race.
    if (!existsSync(parent)) runAs(ws.osUser, ws.home, 'mkdir', ['-m', '0755', '--', parent]);
  }
  const tmpPrefix = `.${spec.path.split('/').pop()}.clone-`;
  removeStaleClones(ws, parent, tmpPrefix);
  const tmp = `${parent}/${tmpPrefix}${randomHex()}`;
  const config = spec.locked ? LOCKED_CONFIG.flatMap((c) => ['-c', c]) : [];
  git(['clone', '--quiet', uploadPack(mirror), ...config, '--reference', mirror, ...(spec.branch ? ['--branch', spec.branch] : []), `file://${mirror}`, tmp]);
  git(['-C', tmp, 'remote', 'set-url', '--', 'origin', spec.url]);
  // As the person, in their own directory: root never writes or renames where they could swap a link.
  runAs(ws.osUser, ws.home, 'tee', ['--', `${tmp}/.git/${MARKER}`], { input: `${ws.osUser}\n` });
  runAs(ws.osUser, ws.home, 'mv', ['-T', '--', tmp, target]);
  return changed(`cloned${spec.locked ? ' (git-crypt locked)' : ''}`);
}

/**
 * A clone that holds the git-crypt key while the tier no longer unlocks (a demoted admin):
 * `git-crypt lock --force` removes the key and puts the ciphertext back (uncommitted edits to
 * encrypted files are dropped: their committed versions stay in git), then the filters are
 * set to `cat` like every locked clone. Runs as the person, inside their own clone.
 */
function relock(ctx: Context, ws: WorkstationState, target: string): Outcome {
  if (ctx.dryRun) return changed('would re-lock git-crypt: the tier no longer unlocks');
  runAs(ws.osUser, ws.home, 'git-crypt', ['lock', '--force'], { cwd: target });
  for (const c of LOCKED_CONFIG) {
    const [key, value] = c.split('=');
    runAs(ws.osUser, ws.home, 'git', ['-C', target, 'config', key, value]);
  }
  const left = runAs(ws.osUser, ws.home, 'find', [`${target}/.git/git-crypt`, '-type', 'f']).trim();
  if (left) return failed(`git-crypt lock left key files: ${left.split('\n').join(' ')}`);
  // Only empty directories remain: remove them so nothing suggests a key is around.
  runAs(ws.osUser, ws.home, 'rm', ['-r', '--', `${target}/.git/git-crypt`]);
  return changed('re-locked: git-crypt key removed, the tier no longer unlocks');
}

/**
 * Half-made clones of an agent killed mid-clone (only one agent runs at a time, so any is
 * stale). They sit in the person's home and are the person's files: removed AS the person,
 * so a swapped-in symlink can never make root delete anything outside.
 */
function removeStaleClones(ws: WorkstationState, parent: string, prefix: string): void {
  // Listed as the person too: root never reads a directory through a path they control.
  const names = runAs(ws.osUser, ws.home, 'find', ['-P', parent, '-mindepth', '1', '-maxdepth', '1', '-printf', '%P\\0']).split('\0').filter(Boolean);
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length))) {
      runAs(ws.osUser, ws.home, 'rm', ['-rf', '--', `${parent}/${name}`]);
    }
  }
}

/**
 * The clone's HEAD (commit, and the branch's ref or "HEAD" when detached) and the mirror's
 * branch tips, in ONE run as the person: these were two runusers (the person's, the mirror
 * account's) on every no-op converge. The mirror is read as every fetch reads it (world-
 * readable, through uploadPack); a person who bends the answer can only steer the fast-
 * forward of their own clone, which runs as them. rev-parse is exec'd last, so it is
 * runuser's own child and the timeout's SIGTERM reaches it: a FIFO planted as .git/HEAD
 * leaves nothing behind. ls-remote reads only the mirror, which no person can write.
 */
export const HEADS_SCRIPT = 'git ls-remote "$3" "file://$2" "refs/heads/*" 2>/dev/null; echo; exec git -C "$1" rev-parse HEAD --symbolic-full-name HEAD';

/**
 * The same look for $1 clones, each given as three arguments (clone, mirror, uploadPack:
 * headsLookArgs), for the one run as the person of agent/person-look.ts. Each clone's part
 * ends with rev-parse's exit status (`rc=N`); that run is under timeout(1), which kills the
 * whole process group, so rev-parse needs no exec here.
 */
export const HEADS_OF_N =
  'n=$1; shift; while [ "$n" -gt 0 ]; do git ls-remote "$3" "file://$2" "refs/heads/*" 2>/dev/null; echo; ' +
  'git -C "$1" rev-parse HEAD --symbolic-full-name HEAD 2>/dev/null; echo "rc=$?"; shift 3; n=$((n - 1)); done';

export interface Heads {
  /** The clone's HEAD commit. */
  readonly local: string;
  /** The branch's ref (refs/heads/x), or "HEAD" when detached. */
  readonly ref: string;
  /** The mirror's branch tips, ref to commit. */
  readonly tips: ReadonlyMap<string, string>;
}

/** A clone a converge makes or fast-forwards, with the names of its two report steps. */
export interface PersonClone {
  readonly mirrorStep: string;
  readonly cloneStep: string;
  readonly spec: CloneSpec;
}

/** The person's clones: the infra clone, then each workspace repo. */
export function personClones(ws: WorkstationState): PersonClone[] {
  return [
    { mirrorStep: 'infra-mirror', cloneStep: 'infra-clone', spec: { url: ws.infra.url, branch: ws.infra.branch, path: ws.infra.path, locked: !ws.infra.unlocked } },
    ...ws.repos.map((repo) => ({ mirrorStep: `repo-mirror ${repo.name}`, cloneStep: `repo-clone ${repo.name}`, spec: { url: repo.url, path: repo.path, locked: false } })),
  ];
}

/** Where a clone and its mirror are. */
export interface CloneAt {
  readonly target: string;
  readonly mirror: string;
}

export const cloneAt = (ws: Pick<WorkstationState, 'home'>, spec: Pick<CloneSpec, 'url' | 'path'>): CloneAt => ({
  target: `${ws.home}/${spec.path}`,
  mirror: mirrorPath(spec.url),
});

/** The clones of `specs` a look may answer for (a refused URL is looked at by nobody: its step fails). */
export function lookedClones(ws: Pick<WorkstationState, 'home'>, specs: readonly CloneSpec[]): CloneAt[] {
  return specs.filter((spec) => urlProblem(spec.url) === undefined).map((spec) => cloneAt(ws, spec));
}

/** HEADS_OF_N's arguments for `clones`. */
export function headsLookArgs(clones: readonly CloneAt[]): string[] {
  return [String(clones.length), ...clones.flatMap((c) => [c.target, c.mirror, uploadPack(c.mirror)])];
}

/** The mirror's `<sha>\t<ref>` lines. */
function tipsOf(lines: readonly string[]): Map<string, string> {
  const tips = new Map<string, string>();
  for (const line of lines) {
    const [sha, name] = line.split('\t');
    if (sha && name) tips.set(name, sha);
  }
  return tips;
}

/** HEADS_SCRIPT's output: the mirror's `<sha>\t<ref>` lines, an empty line, rev-parse's two lines. */
export function parseHeads(stdout: string): Heads {
  const lines = stdout.split('\n');
  const gap = lines.indexOf('');
  const [local = '', ref = ''] = gap < 0 ? [] : lines.slice(gap + 1);
  return { local, ref, tips: tipsOf(lines.slice(0, Math.max(gap, 0))) };
}

/**
 * HEADS_OF_N's output from `lines[from]` on, for `count` clones: each clone's heads in order
 * (undefined where rev-parse did not answer: that step looks again), and the index after the
 * last part; undefined when a part is cut short (the run was killed).
 */
export function parseHeadsOfN(lines: readonly string[], from: number, count: number): { heads: (Heads | undefined)[]; next: number } | undefined {
  const heads: (Heads | undefined)[] = [];
  let i = from;
  for (let k = 0; k < count; k++) {
    const gap = lines.indexOf('', i);
    if (gap < 0) return undefined;
    let end = gap + 1;
    while (end < lines.length && !/^rc=\d+$/.test(lines[end])) end++;
    if (end >= lines.length) return undefined;
    const revParse = lines.slice(gap + 1, end);
    heads.push(lines[end] === 'rc=0' && revParse.length === 2 ? { local: revParse[0], ref: revParse[1], tips: tipsOf(lines.slice(i, gap)) } : undefined);
    i = end + 1;
  }
  return { heads, next: i };
}

function headsAs(ws: WorkstationState, target: string, mirror: string): Heads {
  const timeout = defaultTimeoutMs();
  const r = probe(RUNUSER, ['-u', ws.osUser, '--', 'sh', '-c', HEADS_SCRIPT, 'sh', target, mirror, uploadPack(mirror)], {
    cwd: ws.home,
    env: personEnv(ws.osUser, ws.home),
    timeoutMs: timeout,
  });
  const revParse = `${RUNUSER} -u ${ws.osUser} -- git -C ${target} rev-parse HEAD --symbolic-full-name HEAD`;
  if (r.timedOut) throw new CommandTimeout(`${revParse} (after git ls-remote of the mirror): timed out after ${timeout / 1000} s and was killed`);
  if (r.status !== 0) throw new Error(`git -C ${target} rev-parse HEAD: ${oneLine(r.stderr)} (exit ${r.status})`);
  return parseHeads(r.stdout);
}

function fastForward(
  ctx: Context,
  ws: WorkstationState,
  target: string,
  mirror: string,
  spec: CloneSpec,
  git: (args: string[], cwd?: string) => string,
  looked: Heads | undefined,
): Outcome {
  // A timeout (a FIFO planted as .git/HEAD) fails the step, naming the command.
  const { local, ref, tips } = looked ?? headsAs(ws, target, mirror);
  const branch = ref === 'HEAD' ? '' : ref.replace(/^refs\/heads\//, '');
  const want = spec.branch ?? branch;
  if (branch !== want) return skipped(`on branch ${branch || '(detached)'}, not ${want}: not fast-forwarded`);
  const remote = tips.get(`refs/heads/${want}`) ?? '';
  // Up to date: nothing to fast-forward, so the work tree is not looked at (git status
  // reads every tracked file's metadata: the costliest look of a no-op converge).
  if (!remote || remote === local) return ok();
  if (git(['-C', target, 'status', '--porcelain', '--untracked-files=no']).trim() !== '') {
    return skipped('uncommitted changes: not fast-forwarded');
  }
  if (ctx.dryRun) return changed(`would fast-forward ${local.slice(0, 8)}..${remote.slice(0, 8)}`);
  git(['-C', target, 'fetch', '--quiet', uploadPack(mirror), `file://${mirror}`, `+refs/heads/${want}:refs/remotes/origin/${want}`]);
  const merged = probeOrTimeout(RUNUSER, ['-u', ws.osUser, '--', 'git', '-C', target, 'merge', '--ff-only', '--quiet', `origin/${want}`], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws.home },
  });
  if (merged.status !== 0) return skipped('local commits diverge from origin: not fast-forwarded');
  return changed(`fast-forwarded to ${remote.slice(0, 8)}`);
}
