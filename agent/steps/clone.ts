// The infra clone (and workspace repos): cloned AS the person from a root-owned local
// mirror used as a reference (objects are shared, so each clone is about the size of
// its checkout), git-crypt LOCKED for non-admins. Fast-forwarded only when clean and on
// the default branch. An existing ~/code the agent did not create is never touched.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { probe, run, runAs, RUNUSER } from '../exec';
import { symlinkedParent } from '../managed-files';
import { MIRROR_DIR } from '../paths';
import { changed, failed, ok, Outcome, skipped } from '../report';

/** Written into .git of every clone the agent made: only these are ever fast-forwarded. */
const MARKER = 'workstations-clone';
/** Mirrors are refreshed at most this often within a burst of converges (one apply). */
const MIRROR_FRESH_MS = 60_000;

/** A locked clone: git-crypt's filters are plain `cat`, so encrypted files stay ciphertext. */
const LOCKED_CONFIG = ['filter.git-crypt.smudge=cat', 'filter.git-crypt.clean=cat', 'filter.git-crypt.required=false'];

export function mirrorPath(url: string): string {
  return `${MIRROR_DIR}/${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`;
}

/**
 * The root-owned mirror is "dubious ownership" to git running as the person, and git's
 * local transport runs upload-pack with the caller's `-c` options stripped (they belong to
 * another repository). So upload-pack gets the exception itself. Git runs this string with
 * sh; it holds only the agent's own mirror path (hex digits), never a roster value.
 */
function uploadPack(mirror: string): string {
  return `--upload-pack=git -c safe.directory=${mirror} upload-pack`;
}

/** Root-owned bare mirror of `url`, world-readable (it holds only what the repo holds: ciphertext for secrets). */
export function ensureMirror(ctx: Context, url: string): Outcome {
  const mirror = mirrorPath(url);
  if (!existsSync(mirror)) {
    if (ctx.dryRun) return changed(`would mirror ${url}`);
    mkdirSync(MIRROR_DIR, { recursive: true, mode: 0o755 });
    // A mirror half-made by a killed agent (root-only directory, one agent at a time).
    for (const name of readdirSync(MIRROR_DIR)) {
      if (name.startsWith(`${basename(mirror)}.tmp-`)) rmSync(`${MIRROR_DIR}/${name}`, { recursive: true, force: true });
    }
    const tmp = `${mirror}.tmp-${randomBytes(4).toString('hex')}`;
    run('git', ['clone', '--quiet', '--mirror', url, tmp]);
    // Clones borrow objects from here (alternates): never prune or gc them away.
    run('git', ['-C', tmp, 'config', 'gc.auto', '0']);
    run('git', ['-C', tmp, 'config', 'gc.pruneExpire', 'never']);
    run('chmod', ['-R', 'a+rX,go-w', tmp]);
    writeFileSync(`${tmp}/FETCH_STAMP`, ''); // just fetched: the next converges of this apply need not
    renameSync(tmp, mirror);
    return changed('mirror created');
  }
  const stamp = `${mirror}/FETCH_STAMP`;
  if (existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < MIRROR_FRESH_MS) return ok('mirror fresh');
  if (ctx.dryRun) return ok('mirror would be refreshed');
  run('git', ['-C', mirror, 'fetch', '--quiet', '--prune', 'origin']);
  run('chmod', ['-R', 'a+rX,go-w', mirror]);
  writeFileSync(stamp, '');
  utimesSync(stamp, new Date(), new Date());
  return ok('mirror refreshed');
}

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

export function convergeClone(ctx: Context, ws: WorkstationState, gid: number, spec: CloneSpec): Outcome {
  const target = `${ws.home}/${spec.path}`;
  const mirror = mirrorPath(spec.url);
  const git = (args: string[], cwd?: string) =>
    runAs(ws.osUser, ws.home, 'git', ['-c', `safe.directory=${mirror}`, ...args], { cwd });

  if (existsSync(target)) {
    if (!isManagedClone(target)) {
      return skipped(`${ws.legacy ? 'pending cutover: ' : ''}existing ~/${spec.path} was not created by the agent: kept as is`);
    }
    if (spec.locked && existsSync(`${target}/.git/git-crypt`)) return relock(ctx, ws, target);
    return fastForward(ctx, ws, target, mirror, spec, git);
  }
  if (ctx.dryRun) return changed(`would clone ${spec.url} into ~/${spec.path}${spec.locked ? ' (git-crypt locked)' : ''}`);

  // Clone next to the target and rename: a crash never leaves a half clone at ~/code.
  const parent = dirname(target);
  const detour = symlinkedParent(target, ws.home);
  if (detour) return skipped(detour);
  if (!existsSync(parent)) {
    run('install', ['-d', '-m', '0755', '-o', String(ws.uid), '-g', String(gid), parent]);
  }
  const tmpPrefix = `.${spec.path.split('/').pop()}.clone-`;
  removeStaleClones(ws, parent, tmpPrefix);
  const tmp = `${parent}/${tmpPrefix}${randomBytes(4).toString('hex')}`;
  const config = spec.locked ? LOCKED_CONFIG.flatMap((c) => ['-c', c]) : [];
  git(['clone', '--quiet', uploadPack(mirror), ...config, '--reference', mirror, ...(spec.branch ? ['--branch', spec.branch] : []), `file://${mirror}`, tmp]);
  git(['-C', tmp, 'remote', 'set-url', 'origin', spec.url]);
  writeFileSync(`${tmp}/.git/${MARKER}`, `${ws.osUser}\n`);
  renameSync(tmp, target);
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
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length))) {
      runAs(ws.osUser, ws.home, 'rm', ['-rf', '--', `${parent}/${name}`]);
    }
  }
}

function fastForward(
  ctx: Context,
  ws: WorkstationState,
  target: string,
  mirror: string,
  spec: CloneSpec,
  git: (args: string[], cwd?: string) => string,
): Outcome {
  const branch = probe(RUNUSER, ['-u', ws.osUser, '--', 'git', '-C', target, 'symbolic-ref', '--quiet', '--short', 'HEAD']).stdout.trim();
  const want = spec.branch ?? branch;
  if (branch !== want) return skipped(`on branch ${branch || '(detached)'}, not ${want}: not fast-forwarded`);
  if (git(['-C', target, 'status', '--porcelain', '--untracked-files=no']).trim() !== '') {
    return skipped('uncommitted changes: not fast-forwarded');
  }
  const local = git(['-C', target, 'rev-parse', 'HEAD']).trim();
  const remote = probe('git', ['-C', mirror, 'rev-parse', `refs/heads/${want}`]).stdout.trim();
  if (!remote || remote === local) return ok();
  if (ctx.dryRun) return changed(`would fast-forward ${local.slice(0, 8)}..${remote.slice(0, 8)}`);
  git(['-C', target, 'fetch', '--quiet', uploadPack(mirror), `file://${mirror}`, `+refs/heads/${want}:refs/remotes/origin/${want}`]);
  const merged = probe(RUNUSER, ['-u', ws.osUser, '--', 'git', '-C', target, 'merge', '--ff-only', '--quiet', `origin/${want}`], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws.home },
  });
  if (merged.status !== 0) return skipped('local commits diverge from origin: not fast-forwarded');
  return changed(`fast-forwarded to ${remote.slice(0, 8)}`);
}
