// Writing files the agent owns without ever clobbering one it does not: a path is
// "ours" only when its current content is what the ledger says we wrote. Anything else
// (a person's ~/.kube/config, a hand edit) is kept and reported.
import { chmodSync, chownSync, closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeStaleTemps, sha256, writeFileAtomic, WriteOptions } from './atomic';
import { runAs } from './exec';
import type { Context } from './context';
import { changed, ok, Outcome, skipped } from './report';
import { openInHome } from './person-fs';
import { describeType, safeRead } from './safe-read';
import { randomHex } from './random-name';

export type Ownership = 'absent' | 'ours' | 'foreign';

export interface ManagedWriteOptions extends WriteOptions {
  /** Root-owned layer files only: a hand edit is drift, replaced rather than kept. */
  readonly reclaim?: boolean;
  /**
   * Root-owned host-wide files whose writer is this product (site devvm.writers): a file
   * the agent never wrote (no ledger entry: the previous writer's) is replaced. One it
   * wrote and someone edited since is still kept.
   */
  readonly takeOver?: boolean;
  /**
   * The file lives in a person's home: no symlink below the home is followed, and the file
   * or directory is written BY the person (runuser), so even a symlink swapped in at the
   * last moment can only reach what they could write themselves.
   */
  readonly person?: { readonly user: string; readonly home: string };
}

/** Whose files a read is about: inside their home, a file must be theirs and reached without a link. */
export interface ReadScope {
  readonly home: string;
  readonly uid: number;
}

/**
 * Absent, ours (content as the ledger says we wrote it) or foreign. The content is read with
 * safeRead: never through a symlink, never a FIFO/device/socket, bounded in size; a hostile
 * file throws, which fails this one step for this one person.
 */
export function ownership(ctx: Context, path: string, scope?: ReadScope): Ownership {
  return look(ctx, path, scope).owner;
}

/**
 * ownership(), and the sha256 of what the file holds when it was read. `expected`: content
 * the caller would write, with its sha256; when the file holds exactly that (every no-op
 * converge), its digest is known without hashing the file again.
 */
function look(ctx: Context, path: string, scope?: ReadScope, expected?: { content: Buffer; sha256: string }): { owner: Ownership; sha256?: string } {
  if (!existsSync(path)) return { owner: 'absent' }; // a dangling link too: replaced by the rename, never followed
  const entry = ctx.state.files[path];
  if (!entry || isSymlink(path)) return { owner: 'foreign' };
  const bytes = readLedgerFile(path, scope);
  const current = expected && bytes.equals(expected.content) ? expected.sha256 : sha256(bytes);
  return { owner: current === entry.sha256 || current === entry.previous ? 'ours' : 'foreign', sha256: current };
}

/** A file the ledger names, read safely (inside a home: as reachable by its owner only). */
export function readLedgerFile(path: string, scope?: ReadScope): Buffer {
  const inHome = scope && path.startsWith(`${scope.home}/`);
  return safeRead(path, inHome ? { within: scope.home, owner: scope.uid } : {});
}

/**
 * Ensures `path` holds `content` with the given owner and mode, if the path is ours or
 * absent. `reclaim` is for root-owned files only the product defines (the managed Claude
 * layer): a hand edit there is drift, reported and replaced rather than kept.
 */
export function writeManaged(ctx: Context, path: string, content: string, opts: ManagedWriteOptions): Outcome {
  const detour = symlinkedParent(path, opts.person?.home);
  if (detour) return skipped(detour);
  const scope = opts.person ? { home: opts.person.home, uid: opts.uid } : undefined;
  const bytes = Buffer.from(content);
  const want = sha256(bytes);
  // One read of the file for both questions (whose it is, whether it already holds `content`).
  const seen = look(ctx, path, scope, { content: bytes, sha256: want });
  let owner = seen.owner;
  let reclaimed = false;
  if (owner === 'foreign' && ((opts.reclaim && ctx.state.files[path]) || (opts.takeOver && !ctx.state.files[path] && !opts.person))) {
    // A hand edit of a file we wrote is drift replaced; a file we never wrote is taken over.
    reclaimed = Boolean(ctx.state.files[path]);
    owner = 'ours';
  }
  if (owner === 'foreign') return skipped(`${path} was not written by the agent: kept as is`);
  // A file taken over had no ledger entry, so look() did not read it.
  const current = owner === 'ours' ? (seen.sha256 ?? sha256(readLedgerFile(path, scope))) : undefined;
  if (current === want) {
    if (opts.takeOver && !ctx.state.files[path] && !ctx.dryRun) {
      // Already what we would write: recorded as ours from now on.
      ctx.state.files[path] = { sha256: want };
      ctx.save();
    }
    return ensureModeOwner(ctx, path, opts, 'file') ? changed('mode or owner fixed') : ok();
  }
  if (ctx.dryRun) return changed(owner === 'absent' ? `would create ${path}` : `would rewrite ${path}`);
  // Ledger first: if we die before the rename, the old content is still recognized as ours.
  const previous = current;
  ctx.state.files[path] = previous ? { sha256: want, previous } : { sha256: want };
  ctx.save();
  if (opts.person) writeAsPerson(opts.person, path, content, opts.mode);
  else writeFileAtomic(path, content, opts);
  ctx.state.files[path] = { sha256: want };
  ctx.save();
  if (reclaimed) return changed('hand edit (drift) replaced');
  return changed(owner === 'absent' ? 'created' : 'rewritten');
}

/**
 * Fixes owner and mode through an fd, never by path: between a check and an lchown/chmod by
 * path, a person could rename a directory on the way or swap in a hard link, and root would
 * then change an inode of their choosing. So the inode is opened first without following any
 * link (O_NOFOLLOW|O_NONBLOCK: a FIFO never blocks), checked with fstat, and changed with
 * fchown/fchmod:
 *  - in a home (opts.person): every directory below the home is opened O_DIRECTORY|O_NOFOLLOW
 *    from the previous one's fd (person-fs openInHome), so the inode is really inside the home;
 *    it must belong to the person or root (another person's file, moved in from a shared
 *    directory, is never handed over) and a file must have one link (a hard link to someone
 *    else's file is not theirs to get);
 *  - elsewhere: only the agent's own host paths (/etc/..., /usr/local/lib/workstations/...,
 *    /etc/systemd/system/...: the callers in steps/host.ts, steps/systemd.ts,
 *    steps/claude-layer.ts), in directories only root can write; opened no-follow all the same.
 */
function ensureModeOwner(ctx: Context, path: string, opts: ManagedWriteOptions, kind: 'file' | 'directory'): boolean {
  const fd = opts.person ? openInHome({ user: opts.person.user, uid: opts.uid, home: opts.person.home }, path) : openNoFollow(path);
  try {
    const st = fstatSync(fd);
    if (kind === 'file' ? !st.isFile() : !st.isDirectory()) throw new Error(`${path} is ${describeType(st)}, not a ${kind}: owner and mode left alone`);
    if (kind === 'file' && st.nlink !== 1) throw new Error(`${path} has ${st.nlink} hard links: owner and mode left alone`);
    if (opts.person && st.uid !== opts.uid && st.uid !== 0) throw new Error(`${path} belongs to uid ${st.uid}: owner and mode left alone`);
    let fixed = false;
    if (st.uid !== opts.uid || st.gid !== opts.gid) {
      if (!ctx.dryRun) fchownSync(fd, opts.uid, opts.gid);
      fixed = true;
    }
    if ((st.mode & 0o7777) !== opts.mode) {
      if (!ctx.dryRun) fchmodSync(fd, opts.mode);
      fixed = true;
    }
    return fixed;
  } finally {
    closeSync(fd);
  }
}

function openNoFollow(path: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new Error(`${path} is a symlink: not followed`);
    throw err;
  }
}

/** Temp file, mode, rename: all as the person, in their own directory. */
function writeAsPerson(person: { user: string; home: string }, path: string, content: string, mode: number): void {
  removeStaleTemps(path);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomHex()}`);
  runAs(person.user, person.home, 'tee', ['--', tmp], { input: content });
  runAs(person.user, person.home, 'chmod', [mode.toString(8), '--', tmp]);
  runAs(person.user, person.home, 'mv', ['-T', '-f', '--', tmp, path]);
}

/** mkdir -p with owner and mode on the last component; tightens an existing directory's mode. */
export function ensureDir(ctx: Context, path: string, opts: ManagedWriteOptions): Outcome {
  const detour = symlinkedParent(path, opts.person?.home);
  if (detour) return skipped(detour);
  if (!existsSync(path) && !isSymlink(path)) {
    if (ctx.dryRun) return changed(`would create ${path}`);
    if (opts.person) {
      runAs(opts.person.user, opts.person.home, 'mkdir', ['-m', opts.mode.toString(8), '--', path]);
      return changed('created');
    }
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(path, { mode: opts.mode });
    chownSync(path, opts.uid, opts.gid);
    chmodSync(path, opts.mode);
    return changed('created');
  }
  const st = lstatSync(path);
  if (!st.isDirectory()) return skipped(`${path} exists and is not a directory: kept as is`);
  return ensureModeOwner(ctx, path, opts, 'directory') ? changed('mode or owner fixed') : ok();
}

/**
 * Root never writes, creates or chowns through a symlink a person controls: with
 * `~/.config -> /var/lib`, "~/.config/workstations" would otherwise hand them the agent's
 * own state directory. For a path inside `within` (a home), every directory between
 * `within` and `path` must be a real directory. Returns why not, or undefined.
 * (The final component is checked with lstat by the callers.)
 */
export function symlinkedParent(path: string, within: string | undefined): string | undefined {
  if (!within || !path.startsWith(`${within}/`)) return undefined;
  let dir = dirname(path);
  while (dir.length > within.length && !existsSync(dir) && !isSymlink(dir)) dir = dirname(dir);
  try {
    const expected = realpathSync(within) + dir.slice(within.length);
    const real = realpathSync(dir);
    return real === expected ? undefined : `${dir} resolves to ${real} (a symlink): not followed, kept as is`;
  } catch {
    return `${dir} cannot be resolved: not followed`;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
