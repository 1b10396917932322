// One agent at a time per host: Terraform runs provisioners in parallel, and every agent
// run reads and writes the shared host state. The lock file holds the owner's pid; a
// lock left by a killed agent (pid gone) is taken over.
//
// Two races are closed here. (1) The lock file appears with the pid already in it (written
// to a private file, then hard-linked into place: link is atomic and fails if the lock
// exists), so a waiter never reads an empty lock and takes it for a dead owner's.
// (2) Breaking a dead owner's lock happens under a second, short-lived lock file, after
// re-reading that the lock still names the same dead owner: two waiters that both saw the
// dead owner can never remove the fresh lock one of them has just taken.
//
// The wait is bounded (WORKSTATIONS_LOCK_WAIT seconds, default 10 minutes); giving up names
// the holder's pid, its command line and how long it has held the lock, so the admin can
// tell a slow apply from a stuck agent. (Every command an agent runs has a timeout too:
// agent/exec.ts.)
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCK_FILE } from './paths';

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** A breaker holds its lock for microseconds; one older than this was killed while holding it. */
const STALE_BREAKER_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The lock's content, or undefined when there is no lock (released meanwhile). */
function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function tryAcquire(file: string): boolean {
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    linkSync(mine, file);
    return true;
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(mine);
  }
}

/** Removes the lock if it still holds `content` (a dead owner's), under the breaker lock. */
function breakDeadLock(file: string, content: string): void {
  const breaker = `${file}.break`;
  try {
    closeSync(openSync(breaker, 'wx', 0o600));
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(breaker).mtimeMs > STALE_BREAKER_MS) unlinkSync(breaker);
    } catch {
      /* released meanwhile */
    }
    sleep(10);
    return;
  }
  try {
    if (readLock(file) === content) unlinkSync(file);
  } finally {
    unlinkSync(breaker);
  }
}

/** Default bound on waiting for the lock. */
export const DEFAULT_LOCK_WAIT_S = 600;

export function lockWaitMs(): number {
  const s = Number(process.env.WORKSTATIONS_LOCK_WAIT);
  return (Number.isFinite(s) && s >= 0 && process.env.WORKSTATIONS_LOCK_WAIT !== '' ? s : DEFAULT_LOCK_WAIT_S) * 1000;
}

/** "pid 123 (node /usr/local/lib/workstations/agent.js converge), holding it for 42 s". */
function describeHolder(file: string, pid: number): string {
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ').slice(0, 120);
  } catch {
    /* gone, or no /proc */
  }
  let held = '';
  try {
    held = `, holding it for ${Math.round((Date.now() - statSync(file).mtimeMs) / 1000)} s`;
  } catch {
    /* released meanwhile */
  }
  return `pid ${pid}${cmd ? ` (${cmd})` : ''}${held}`;
}

export function withHostLock<T>(fn: () => T, file = LOCK_FILE, timeoutMs = lockWaitMs()): T {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(file)) {
    const content = readLock(file);
    if (content === undefined) continue; // released between our link and read
    const owner = Number(content);
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      breakDeadLock(file, content);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`host lock ${file} is held by ${describeHolder(file, owner)}; gave up after waiting ${Math.round(timeoutMs / 1000)} s (WORKSTATIONS_LOCK_WAIT)`);
    }
    sleep(50);
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}
