// Reading a file the agent does not exclusively own (anything in a person's home, a ledger
// check, `status`) without ever blocking or following a link:
//  - regular files only: a FIFO would block open(2)/read(2) forever while the agent holds the
//    host lock, a device or socket is nothing the agent wrote. lstat first (a FIFO is refused
//    without being opened at all), then open with O_NOFOLLOW | O_NONBLOCK, fstat the fd and
//    require the SAME inode, still regular: a swap between lstat and open is caught;
//  - inside a home (`within`), no directory below the home is a symlink either: each one is
//    opened with O_DIRECTORY | O_NOFOLLOW relative to the previous one's fd (through
//    /proc/self/fd/N, Linux's stand-in for openat), so no swap can redirect the walk;
//  - `owner`: the file must belong to that uid (the person). A hard link to a file of someone
//    else is refused, so root reads only what the person could read themselves;
//  - size-bounded: a few MiB for config files; a larger file is "too large", not read.
// A refusal throws UnsafeRead with a message naming the path and why; callers turn it into
// one failed step for that person.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, Stats } from 'node:fs';
import { relative, sep } from 'node:path';

/** Config files (kubeconfig, settings, ledger entries) are far below this. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export interface SafeReadOptions {
  /** Refuse files larger than this many bytes (default 4 MiB). */
  readonly maxBytes?: number;
  /** A directory the path lies in (a home): no component below it may be a symlink. */
  readonly within?: string;
  /** The uid the file must belong to. */
  readonly owner?: number;
}

export class UnsafeRead extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`${path}: ${why}: not read`);
  }
}

export function describeType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const DIR_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY;

/** The file's content. Throws UnsafeRead (or ENOENT when it does not exist). */
export function safeRead(path: string, opts: SafeReadOptions = {}): Buffer {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const st = lstatSync(path);
  if (!st.isFile()) throw new UnsafeRead(path, `is ${describeType(st)}, not a regular file`);
  if (opts.owner !== undefined && st.uid !== opts.owner) throw new UnsafeRead(path, `belongs to uid ${st.uid}, not ${opts.owner}`);
  if (st.size > max) throw new UnsafeRead(path, `too large (${st.size} bytes, at most ${max})`);
  const fd = openNoFollow(path, opts.within);
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw new UnsafeRead(path, `is ${describeType(fst)}, not a regular file`);
    if (fst.ino !== st.ino || fst.dev !== st.dev) throw new UnsafeRead(path, 'was replaced while being opened');
    if (opts.owner !== undefined && fst.uid !== opts.owner) throw new UnsafeRead(path, `belongs to uid ${fst.uid}, not ${opts.owner}`);
    return readBounded(fd, path, max);
  } finally {
    closeSync(fd);
  }
}

/** Like safeRead, or undefined when nothing is at the path. */
export function safeReadIfExists(path: string, opts: SafeReadOptions = {}): Buffer | undefined {
  try {
    return safeRead(path, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function readBounded(fd: number, path: string, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.alloc(Math.min(64 * 1024, max + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    // It grew after the lstat: still bounded.
    if (total > max) throw new UnsafeRead(path, `too large (more than ${max} bytes)`);
  }
  return Buffer.concat(chunks);
}

/** open(path) with no symlink followed at the last component, nor below `within`. */
function openNoFollow(path: string, within: string | undefined): number {
  const open = (p: string, flags: number): number => {
    try {
      return openSync(p, flags);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new UnsafeRead(path, 'is a symlink (or has one on its way)');
      if (code === 'ENOTDIR') throw new UnsafeRead(path, 'has a non-directory (or a symlink) on its way');
      throw err;
    }
  };
  if (!within) return open(path, FILE_FLAGS);
  const rel = relative(within, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new UnsafeRead(path, `is not inside ${within}`);
  const parts = rel.split(sep);
  // The home itself is a root-made directory; below it every step is pinned by its fd.
  let dirFd = open(within, DIR_FLAGS);
  try {
    for (const part of parts.slice(0, -1)) {
      const next = open(`/proc/self/fd/${dirFd}/${part}`, DIR_FLAGS);
      closeSync(dirFd);
      dirFd = next;
    }
    return open(`/proc/self/fd/${dirFd}/${parts[parts.length - 1]}`, FILE_FLAGS);
  } finally {
    closeSync(dirFd);
  }
}
