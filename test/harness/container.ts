// Process bookkeeping of a booted systemd-nspawn container (systemd-host.ts): finding its
// PID 1 from outside, and stopping it for sure. Inside the container /proc/<pid>/root is
// not the host's root dir as we see it, so the chroot host's "everything rooted at the
// root dir" sweep cannot find its processes; the container's PID namespace can: when its
// PID 1 dies, the kernel kills every process in it.
import * as fs from 'node:fs';
import { isSameProcessAlive, processRef, ProcessRef, processStartTime } from './procs';
import { sleepSync } from './run';
import type { ContainerRecord } from './state';

function statusField(pid: number, field: string): string | undefined {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    return line?.slice(field.length + 1).trim();
  } catch {
    return undefined;
  }
}

export function pidNamespaceOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** The descendant of `nspawnPid` that is PID 1 of its own PID namespace, if it exists yet. */
export function findContainerInit(nspawnPid: number): ProcessRef | undefined {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statusField(Number(name), 'PPid'));
    if (!Number.isFinite(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const queue = [...(children.get(nspawnPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const nspid = (statusField(pid, 'NSpid') ?? '').split(/\s+/);
    if (nspid.length > 1 && nspid[nspid.length - 1] === '1') {
      try {
        return processRef(pid, 'container init (systemd)');
      } catch {
        return undefined; // exited meanwhile
      }
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return undefined;
}

/** Live processes in a PID namespace (by its `pid:[inode]` link). */
export function processesInPidNamespace(ns: string): ProcessRef[] {
  const found: ProcessRef[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pidNamespaceOf(pid) !== ns) continue;
    const startTime = processStartTime(pid);
    if (startTime !== undefined) found.push({ pid, startTime, what: `container process ${pid}` });
  }
  return found;
}

function signal(ref: ProcessRef, sig: NodeJS.Signals | number): void {
  if (!isSameProcessAlive(ref)) return;
  try {
    process.kill(ref.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

function waitUntil(cond: () => boolean, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    sleepSync(25);
  }
  return true;
}

/**
 * Stops the container: SIGTERM to nspawn (it powers the container off in order), then, if
 * that did not finish in time, SIGKILL to the container's PID 1 (the kernel then kills
 * every process in its namespace) and to nspawn. Signals only the exact processes we
 * recorded (pid + start time). Throws if anything of the container is still alive.
 */
export function stopContainerSync(c: ContainerRecord, graceMs = 10_000): void {
  const nsAlive = () => (c.pidNamespace ? processesInPidNamespace(c.pidNamespace).length > 0 : false);
  const anyAlive = () => isSameProcessAlive(c.nspawn) || (c.init !== undefined && isSameProcessAlive(c.init)) || nsAlive();
  if (!anyAlive()) return;
  signal(c.nspawn, 'SIGTERM');
  if (waitUntil(() => !anyAlive(), graceMs)) return;
  if (c.init) signal(c.init, 'SIGKILL');
  signal(c.nspawn, 'SIGKILL');
  if (waitUntil(() => !anyAlive(), 5000)) return;
  const left = c.pidNamespace ? processesInPidNamespace(c.pidNamespace).map((p) => p.pid) : [];
  throw new Error(`container still running: nspawn ${c.nspawn.pid}${left.length ? `, processes ${left.join(' ')}` : ''}`);
}
