// Process identity and termination. A pid alone can be reused by an unrelated process
// after ours exited, so every process the harness records is identified by (pid, start
// time from /proc/<pid>/stat); teardown only signals a pid whose start time still matches.
import * as fs from 'node:fs';
import { sleepSync } from './run';

export interface ProcessRef {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): stable for the life of the process. */
  startTime: string;
  /** What it is, for messages and the state file. */
  what: string;
}

export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 is rest[19].
  if (rest[0] === 'Z') return undefined; // a zombie is already dead, only unreaped
  return rest[19];
}

export function processRef(pid: number, what: string): ProcessRef {
  const startTime = processStartTime(pid);
  if (startTime === undefined) throw new Error(`${what} (pid ${pid}) exited right after it was started`);
  return { pid, startTime, what };
}

export function isSameProcessAlive(ref: ProcessRef): boolean {
  return processStartTime(ref.pid) === ref.startTime;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Never signals a pid that is no longer ours. */
export function terminateSync(refs: readonly ProcessRef[], graceMs = 3000): void {
  const live = refs.filter(isSameProcessAlive);
  for (const r of live) signal(r, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some(isSameProcessAlive) && Date.now() < deadline) sleepSync(25);
  for (const r of live.filter(isSameProcessAlive)) signal(r, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (live.some(isSameProcessAlive) && Date.now() < killDeadline) sleepSync(25);
}

function signal(ref: ProcessRef, sig: NodeJS.Signals): void {
  try {
    process.kill(ref.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * Processes whose root directory is `rootDir` or below: everything started inside the
 * test host (sshd, its sessions, a user's `sleep`). They exist only because of the host,
 * so teardown may kill them; nothing outside the chroot ever matches.
 */
export function processesRootedAt(rootDir: string): ProcessRef[] {
  const found: ProcessRef[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let root: string;
    try {
      root = fs.readlinkSync(`/proc/${pid}/root`);
    } catch {
      continue; // exited meanwhile, or a kernel thread
    }
    if (root !== rootDir && !root.startsWith(rootDir + '/')) continue;
    const startTime = processStartTime(pid);
    if (startTime !== undefined) found.push({ pid, startTime, what: `process inside ${rootDir}` });
  }
  return found;
}

/** Kills everything running inside the host, repeating because a dying sshd may fork. */
export function killProcessesRootedAt(rootDir: string): void {
  for (let round = 0; round < 5; round++) {
    const procs = processesRootedAt(rootDir);
    if (procs.length === 0) return;
    terminateSync(procs, round === 0 ? 2000 : 500);
  }
  const left = processesRootedAt(rootDir);
  if (left.length > 0) {
    throw new Error(`processes still running inside ${rootDir}: ${left.map((p) => p.pid).join(', ')}`);
  }
}
