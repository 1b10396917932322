// File operations inside a person's home, for steps that move or restore their files
// (cutover, rollback). The privilege rule (agent/main.ts): whatever happens inside a home is
// done AS the person (runuser: their uid, gid and groups), so a link, a rename or a race they
// set up can only reach what they could reach themselves. Root touches an inode in a home
// only through a file descriptor it opened without following any link (each directory below
// the home opened O_DIRECTORY|O_NOFOLLOW relative to the previous one's fd, the file
// O_NOFOLLOW|O_NONBLOCK), and only for what the person cannot do (fchown), never by path.
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, openSync, Stats } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { runAs } from './exec';
import { randomHex } from './random-name';

export interface Person {
  readonly user: string;
  readonly uid: number;
  readonly home: string;
}

/** lstat, or undefined when nothing (not even a dangling link) is at the path. */
export function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** rename(2) as the person: `mv -T` never moves into a directory that happens to be at `to`. */
export function moveAsPerson(p: Person, from: string, to: string): void {
  runAs(p.user, p.home, 'mv', ['-T', '--', from, to]);
}

/** A new file with `content`, written by the person: temp file, mode, rename, all as them. */
export function writeAsPerson(p: Person, path: string, content: Buffer, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomHex()}`);
  runAs(p.user, p.home, 'sh', ['-c', 'umask 077 && cat > "$1"', 'sh', tmp], { input: content });
  runAs(p.user, p.home, 'chmod', [(mode & 0o777).toString(8), '--', tmp]);
  runAs(p.user, p.home, 'mv', ['-T', '-f', '--', tmp, path]);
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * An fd of `path` (inside the home), reached without following any link. Throws with a
 * message naming the path when a component is a link or not a directory.
 */
export function openInHome(p: Person, path: string): number {
  const rel = relative(p.home, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new Error(`${path} is not inside ${p.home}`);
  const parts = rel.split(sep);
  let dirFd = openHome(p);
  try {
    for (const part of parts.slice(0, -1)) {
      const next = openOrExplain(`/proc/self/fd/${dirFd}/${part}`, DIR_FLAGS, path);
      closeSync(dirFd);
      dirFd = next;
    }
    return openOrExplain(`/proc/self/fd/${dirFd}/${parts[parts.length - 1]}`, FILE_FLAGS, path);
  } finally {
    closeSync(dirFd);
  }
}

/** The home directory itself (its parent, /home, is root's): O_DIRECTORY|O_NOFOLLOW. */
export function openHome(p: Person): number {
  return openOrExplain(p.home, DIR_FLAGS, p.home);
}

function openOrExplain(at: string, flags: number, path: string): number {
  try {
    return openSync(at, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${path} is a symlink (or has one on its way): not followed`);
    if (code === 'ENOTDIR') throw new Error(`${path} has a non-directory (or a symlink) on its way: not followed`);
    throw err;
  }
}

/**
 * Sets owner and mode of a regular file in the home through a no-follow fd. Refuses
 * anything but a regular file with one link (a hard link to someone else's file is not
 * theirs to hand over) owned by the person or by `allowedUid`. No setuid/setgid bits.
 * Returns what changed (empty: nothing).
 */
export function restoreOwnerMode(p: Person, path: string, want: { uid: number; gid: number; mode: number }): string[] {
  const fd = openInHome(p, path);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file: owner and mode left alone`);
    if (st.nlink !== 1) throw new Error(`${path} has ${st.nlink} hard links: owner and mode left alone`);
    if (st.uid !== p.uid && st.uid !== want.uid) throw new Error(`${path} belongs to uid ${st.uid}: owner and mode left alone`);
    const did: string[] = [];
    if (st.uid !== want.uid || st.gid !== want.gid) {
      fchownSync(fd, want.uid, want.gid);
      did.push(`owner ${want.uid}:${want.gid}`);
    }
    const mode = want.mode & 0o1777;
    if ((fstatSync(fd).mode & 0o7777) !== mode) {
      fchmodSync(fd, mode);
      did.push(`mode ${mode.toString(8)}`);
    }
    return did;
  } finally {
    closeSync(fd);
  }
}
