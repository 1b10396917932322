// Writing files the agent owns without ever clobbering one it does not: a path is
// "ours" only when its current content is what the ledger says we wrote. Anything else
// (a person's ~/.kube/config, a hand edit) is kept and reported.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256, writeFileAtomic, WriteOptions } from './atomic';
import type { Context } from './context';
import { changed, ok, Outcome, skipped } from './report';

export type Ownership = 'absent' | 'ours' | 'foreign';

export interface ManagedWriteOptions extends WriteOptions {
  /** Root-owned layer files only: a hand edit is drift, replaced rather than kept. */
  readonly reclaim?: boolean;
  /** A directory the person controls (their home): no symlink below it is followed. */
  readonly within?: string;
}

export function ownership(ctx: Context, path: string): Ownership {
  if (!existsSync(path)) return 'absent';
  const entry = ctx.state.files[path];
  if (!entry || lstatSync(path).isSymbolicLink()) return 'foreign';
  const current = sha256(readFileSync(path));
  return current === entry.sha256 || current === entry.previous ? 'ours' : 'foreign';
}

/**
 * Ensures `path` holds `content` with the given owner and mode, if the path is ours or
 * absent. `reclaim` is for root-owned files only the product defines (the managed Claude
 * layer): a hand edit there is drift, reported and replaced rather than kept.
 */
export function writeManaged(ctx: Context, path: string, content: string, opts: ManagedWriteOptions): Outcome {
  const detour = symlinkedParent(path, opts.within);
  if (detour) return skipped(detour);
  let owner = ownership(ctx, path);
  let reclaimed = false;
  if (owner === 'foreign' && opts.reclaim && ctx.state.files[path]) {
    owner = 'ours';
    reclaimed = true;
  }
  if (owner === 'foreign') return skipped(`${path} was not written by the agent: kept as is`);
  const want = sha256(content);
  if (owner === 'ours' && sha256(readFileSync(path)) === want) {
    return ensureModeOwner(ctx, path, opts) ? changed('mode or owner fixed') : ok();
  }
  if (ctx.dryRun) return changed(owner === 'absent' ? `would create ${path}` : `would rewrite ${path}`);
  // Ledger first: if we die before the rename, the old content is still recognized as ours.
  const previous = owner === 'ours' ? sha256(readFileSync(path)) : undefined;
  ctx.state.files[path] = previous ? { sha256: want, previous } : { sha256: want };
  ctx.save();
  writeFileAtomic(path, content, opts);
  ctx.state.files[path] = { sha256: want };
  ctx.save();
  if (reclaimed) return changed('hand edit (drift) replaced');
  return changed(owner === 'absent' ? 'created' : 'rewritten');
}

/** Removes a file only if it is ours; returns whether anything changed. */
export function forgetManaged(ctx: Context, path: string): void {
  delete ctx.state.files[path];
  ctx.save();
}

function ensureModeOwner(ctx: Context, path: string, opts: WriteOptions): boolean {
  const st = lstatSync(path);
  let fixed = false;
  if ((st.mode & 0o7777) !== opts.mode) {
    if (!ctx.dryRun) chmodSync(path, opts.mode);
    fixed = true;
  }
  if (st.uid !== opts.uid || st.gid !== opts.gid) {
    if (!ctx.dryRun) chownSync(path, opts.uid, opts.gid);
    fixed = true;
  }
  return fixed;
}

/** mkdir -p with owner and mode on the last component; tightens an existing directory's mode. */
export function ensureDir(ctx: Context, path: string, opts: ManagedWriteOptions): Outcome {
  const detour = symlinkedParent(path, opts.within);
  if (detour) return skipped(detour);
  if (!existsSync(path) && !isSymlink(path)) {
    if (ctx.dryRun) return changed(`would create ${path}`);
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(path, { mode: opts.mode });
    chownSync(path, opts.uid, opts.gid);
    chmodSync(path, opts.mode);
    return changed('created');
  }
  const st = lstatSync(path);
  if (!st.isDirectory()) return skipped(`${path} exists and is not a directory: kept as is`);
  return ensureModeOwner(ctx, path, opts) ? changed('mode or owner fixed') : ok();
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
