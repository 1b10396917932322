// Ending every process of a uid, for offboarding: a person who loses their rights must not
// keep code running. One pkill pass is not enough: a process that forks a new child and
// exits in a tight loop has a new pid by the time the pass has listed the old one.
//
// Each round:
//  1. `kill -KILL -1` run AS the uid (setuid in the child, no groups): kill(2) with pid -1
//     signals every process that uid may signal, and the kernel walks the process list under
//     the lock fork(2) also takes, so no child can be born outside the walk. (The kill
//     process itself is spared by the kernel and exits.)
//  2. A root SIGKILL of every pid /proc lists with the uid as real, effective, saved or
//     filesystem uid: catches a root-started process that switched to the uid only partly.
//  3. A scan of /proc for live (non-zombie) processes of the uid.
// Done when two consecutive scans after a kill-all, a short pause apart, find nothing. Bounded by rounds:
// whatever still runs after the last round is reported as survivors, never ignored.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface ProcessOps {
  /** Live (non-zombie) pids whose real, effective, saved or fs uid is `uid`. */
  list(uid: number): number[];
  /** One atomic kill of everything the uid may signal (kill -KILL -1 as the uid). */
  killAllAs(uid: number, gid: number): void;
  /** SIGKILL one pid (as root); a pid that is already gone is no error. */
  kill(pid: number): void;
  /** Pause between rounds. */
  sleep(ms: number): void;
}

export interface EndResult {
  /** Distinct pids seen and killed. */
  readonly killed: number;
  /** Rounds run. */
  readonly rounds: number;
  /** Pids still alive after the last round (empty: every process ended). */
  readonly survivors: number[];
}

/** Rounds before giving up; with PAUSE_MS between them, about four seconds. */
export const MAX_ROUNDS = 40;
export const PAUSE_MS = 100;

export function endProcessesOf(uid: number, gid: number, ops: ProcessOps = procOps, maxRounds = MAX_ROUNDS): EndResult {
  // kill -1 as root would end the whole host.
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid) || gid <= 0) throw new Error(`refusing to end the processes of uid ${uid} gid ${gid}`);
  const seen = new Set<number>();
  let emptyScans = 0;
  let rounds = 0;
  let last: number[] = ops.list(uid);
  // The kill-all goes out every round, even after an empty scan: a walker that forks and
  // exits in a tight loop is rarely caught by a /proc scan (its pid changes while the scan
  // runs), but kill(-1) reaches it atomically.
  while (rounds < maxRounds && emptyScans < 2) {
    rounds++;
    for (const p of last) seen.add(p);
    ops.killAllAs(uid, gid);
    for (const p of last) ops.kill(p);
    ops.sleep(PAUSE_MS);
    last = ops.list(uid);
    emptyScans = last.length === 0 ? emptyScans + 1 : 0;
  }
  return { killed: seen.size, rounds, survivors: emptyScans >= 2 ? [] : last };
}

/** Uid fields of /proc/<pid>/status ("Uid: real effective saved fs") and whether it is a zombie. */
export function parseStatus(text: string): { uids: number[]; zombie: boolean } {
  const uidLine = /^Uid:\s+(.*)$/m.exec(text);
  const state = /^State:\s+(\S)/m.exec(text);
  return { uids: uidLine ? uidLine[1].trim().split(/\s+/).map(Number) : [], zombie: state?.[1] === 'Z' || state?.[1] === 'X' };
}

export const procOps: ProcessOps = {
  list(uid) {
    const pids: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let text: string;
      try {
        text = readFileSync(`/proc/${name}/status`, 'utf8');
      } catch {
        continue; // exited between readdir and read
      }
      const { uids, zombie } = parseStatus(text);
      // A zombie runs no code: it is gone once its parent (or init) reaps it.
      if (!zombie && uids.includes(uid)) pids.push(Number(name));
    }
    return pids;
  },
  killAllAs(uid, gid) {
    // Exit status ignored: "no process" is fine, and the /proc scan is the judge.
    spawnSync('/bin/kill', ['-9', '-1'], // procps kill: no '--' before a negative pid
      { uid, gid, stdio: 'ignore', timeout: 10_000 });
  },
  kill(pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: already gone.
    }
  },
  sleep(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  },
};
