// Atomic writes: a temp file in the same directory, owner and mode set, fsync, rename.
// A reader (or a crash) sees the old file or the new one, never a partial one.
import { closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sha256 as sha256Digest } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { randomHex } from './random-name';

export interface WriteOptions {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export function writeFileAtomic(path: string, content: string | Buffer, opts: WriteOptions): void {
  removeStaleTemps(path);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomHex()}`);
  // O_EXCL: never follow or reuse something a user placed at the temp name.
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fchownSync(fd, opts.uid, opts.gid);
    fchmodSync(fd, opts.mode);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export function sha256(content: string | Buffer): string {
  // Buffer, not @noble's utf8ToBytes: its TextEncoder would load one more Node module per run.
  return bytesToHex(sha256Digest(typeof content === 'string' ? Buffer.from(content, 'utf8') : content));
}

/**
 * Temp files of this path left by an agent that was killed mid-write. Only one agent runs
 * at a time (host lock), so every one of them is stale. Unlinked, never followed.
 */
export function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no directory yet: nothing left behind
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+-[0-9a-f]{8}$/.test(name.slice(prefix.length))) continue;
    const stale = join(dir, name);
    if (lstatSync(stale).isDirectory()) continue;
    unlinkSync(stale);
  }
}
