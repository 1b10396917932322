// Builds the Debian root that every test host starts from, once, and caches it outside the
// git tree. The cache directory name carries a hash of everything that shapes its content
// (suite, variant, packages, post-build steps), so changing the recipe builds a new cache
// next to the old one instead of silently reusing a stale root.
//
// Crash safety: the build happens in a temporary sibling directory that is renamed into
// place only after it finished, so an interrupted build never looks like a cache. A lock
// file keeps concurrent jest workers from building the same root twice.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock } from './lock';
import { mountsAtOrBelow, removeTreeSync, unmountSync } from './mounts';
import { killProcessesRootedAt, processStartTime } from './procs';
import { run } from './run';

export const SUITE = 'bookworm';
export const VARIANT = 'minbase';
export const PACKAGES: readonly string[] = [
  'openssh-server', 'git', 'git-crypt', 'sudo', 'acl', 'procps', 'zstd', 'passwd',
  'nodejs', 'tar', 'util-linux', 'ca-certificates',
];
/** Bump when the post-build steps below change: it is part of the cache key. */
const RECIPE_VERSION = 1;
const MARKER = '.devvm-testhost-rootfs.json';
const DEFAULT_CACHE_DIR = '/var/cache/devvm-workstations';

/** What a cached root is made of; everything in it except `postBuild` is hashed into its key. */
export interface RootfsRecipe {
  /** Cache directory prefix: `<name>-<hash>`. */
  readonly name: string;
  readonly packages: readonly string[];
  /** Bump when `postBuild` changes: it is part of the cache key. */
  readonly version: number;
  /** Extra content that shapes the root (e.g. masked units), hashed with the rest. */
  readonly extra?: unknown;
  /** Runs on the finished debootstrap root, after the common clean-up. */
  readonly postBuild?: (root: string) => void;
}

/** The chroot test host's root (host.ts). */
export const CHROOT_RECIPE: RootfsRecipe = { name: 'rootfs', packages: PACKAGES, version: RECIPE_VERSION };

export interface RootfsInfo {
  /** The finished, read-only-by-convention root directory. */
  dir: string;
  /** True when this call built it (cold cache). */
  built: boolean;
  /** Build time in ms when built, else 0. */
  buildMs: number;
}

export function cacheDir(): string {
  return process.env.DEVVM_TESTHOST_CACHE || DEFAULT_CACHE_DIR;
}

export function rootfsKey(recipe: RootfsRecipe = CHROOT_RECIPE): string {
  // The chroot recipe keeps its original key shape, so existing caches stay valid.
  const shape = recipe === CHROOT_RECIPE
    ? { SUITE, VARIANT, packages: [...PACKAGES].sort(), RECIPE_VERSION }
    : { SUITE, VARIANT, name: recipe.name, packages: [...recipe.packages].sort(), version: recipe.version, extra: recipe.extra ?? null };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 12);
}

export function rootfsPath(recipe: RootfsRecipe = CHROOT_RECIPE): string {
  return path.join(cacheDir(), `${recipe.name}-${rootfsKey(recipe)}`);
}

function isComplete(dir: string): boolean {
  return fs.existsSync(path.join(dir, MARKER));
}

/** Returns the cached root, building it first when it does not exist yet. */
export async function ensureRootfs(recipe: RootfsRecipe = CHROOT_RECIPE): Promise<RootfsInfo> {
  const dir = rootfsPath(recipe);
  if (isComplete(dir)) return { dir, built: false, buildMs: 0 };
  fs.mkdirSync(cacheDir(), { recursive: true });
  const lock = await acquireLock(`${dir}.lock`, { timeoutMs: 20 * 60_000, what: `rootfs build of ${dir}` });
  try {
    // Another worker may have finished the build while we waited for the lock.
    if (isComplete(dir)) return { dir, built: false, buildMs: 0 };
    if (fs.existsSync(dir)) {
      throw new Error(`${dir} exists but has no ${MARKER}: it was not made by this harness; move it away`);
    }
    removeStaleBuilds(dir);
    const started = Date.now();
    await build(dir, recipe);
    return { dir, built: true, buildMs: Date.now() - started };
  } finally {
    lock.release();
  }
}

async function build(finalDir: string, recipe: RootfsRecipe): Promise<void> {
  const tmp = `${finalDir}.tmp-${process.pid}-${processStartTime(process.pid)}`;
  const log = `${finalDir}.build.log`;
  process.stderr.write(`building test-host rootfs ${finalDir} with debootstrap (about a minute; log: ${log})\n`);
  fs.mkdirSync(tmp, { recursive: true });
  const mirror = process.env.DEVVM_TESTHOST_MIRROR || 'http://deb.debian.org/debian';
  const argv = ['debootstrap', `--variant=${VARIANT}`, `--include=${recipe.packages.join(',')}`, SUITE, tmp, mirror];
  // If this process dies mid-build, debootstrap gets SIGTERM (its trap unmounts what it
  // mounted) instead of running on as an orphan into a directory the next build deletes.
  const r = await run(['setpriv', '--pdeathsig', 'TERM', '--', ...argv]);
  fs.writeFileSync(log, `$ ${argv.join(' ')}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  if (r.code !== 0) {
    cleanupBuild(tmp);
    const tail = (r.stdout + r.stderr).trim().split('\n').slice(-25).join('\n');
    throw new Error(`debootstrap failed with status ${r.code} (full log: ${log}):\n${tail}`);
  }
  postBuild(tmp, recipe);
  fs.renameSync(tmp, finalDir);
}

/**
 * Host keys must not be shared: each test host generates its own at start, so the cache
 * holds no private key. Downloaded .debs and apt lists are only size.
 */
function postBuild(root: string, recipe: RootfsRecipe): void {
  const sshDir = path.join(root, 'etc/ssh');
  for (const f of fs.readdirSync(sshDir)) {
    if (f.startsWith('ssh_host_')) fs.rmSync(path.join(sshDir, f));
  }
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const abs = path.join(root, d);
    for (const f of fs.readdirSync(abs)) {
      const p = path.join(abs, f);
      if (fs.statSync(p).isFile()) fs.rmSync(p);
    }
  }
  recipe.postBuild?.(root);
  fs.writeFileSync(
    path.join(root, MARKER),
    JSON.stringify({ suite: SUITE, variant: VARIANT, name: recipe.name, packages: recipe.packages, recipe: recipe.version, builtAt: new Date().toISOString() }, null, 2) + '\n',
  );
}

/**
 * debootstrap mounts proc/sys inside its target and runs dpkg chrooted into it; a killed
 * build can leave both behind. Both exist only because of our build.
 */
function cleanupBuild(tmp: string): void {
  killProcessesRootedAt(tmp);
  const errors = unmountSync(mountsAtOrBelow(tmp));
  if (errors.length > 0) throw new Error(`cannot clean up failed build ${tmp}:\n${errors.join('\n')}`);
  removeTreeSync(tmp);
}

/** Leftovers of interrupted builds of this same cache key. Only called while holding the lock. */
function removeStaleBuilds(finalDir: string): void {
  const parent = path.dirname(finalDir);
  const prefix = `${path.basename(finalDir)}.tmp-`;
  for (const name of fs.readdirSync(parent)) {
    if (name.startsWith(prefix)) cleanupBuild(path.join(parent, name));
  }
}
