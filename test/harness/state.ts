// One JSON record per live test host, written BEFORE each resource is created and updated
// as it goes, so `npx tsx test/harness/cleanup.ts` can tear a host down even after the
// test process was SIGKILLed. The record lists only what the harness itself created.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessRef } from './procs';

export interface HostRecord {
  id: string;
  createdAt: string;
  /** The test process that owns the host; a dead owner marks a leftover. */
  owner: ProcessRef;
  /** Harness-private directory: overlay upper/work dirs, client key, agent socket, fixture keys. */
  tempDir: string;
  /** The host's root directory (overlay mount point or plain copy), inside tempDir. */
  rootDir: string;
  mode: 'overlay' | 'copy';
  /** Mount points in the order they were mounted; unmounted in reverse. */
  mounts: string[];
  /** Processes started outside the chroot or as the chroot's entry point (ssh-agent, sshd). */
  processes: ProcessRef[];
  /** The watchdog that tears the host down if the owner dies (see reaper.ts). */
  reaper?: ProcessRef;
  /** A booted systemd container (systemd-host.ts): stopped before anything else. */
  container?: ContainerRecord;
  address?: string;
  port?: number;
  sshAuthSock?: string;
  /** Set with DEVVM_TESTHOST_KEEP=1: the test run does not tear it down. */
  keep: boolean;
}

export interface ContainerRecord {
  /** The systemd-nspawn process we started. */
  nspawn: ProcessRef;
  /** The container's PID 1 (systemd), as seen from outside; set once it was found. */
  init?: ProcessRef;
  /** `pid:[<inode>]` of the container's PID namespace: every process in it is the container's. */
  pidNamespace?: string;
}

export function stateDir(): string {
  return process.env.DEVVM_TESTHOST_STATE || '/run/devvm-testhost';
}

export function recordPath(id: string): string {
  return path.join(stateDir(), `${id}.json`);
}

export function saveRecord(rec: HostRecord): void {
  fs.mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  const file = recordPath(rec.id);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The reaper's output; only written to when a teardown fails. */
export function reaperLogPath(id: string): string {
  return path.join(stateDir(), `${id}.reaper.log`);
}

export function deleteRecord(id: string): void {
  fs.rmSync(recordPath(id), { force: true });
  fs.rmSync(reaperLogPath(id), { force: true });
}

export function listRecords(): HostRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir());
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => JSON.parse(fs.readFileSync(path.join(stateDir(), n), 'utf8')) as HostRecord);
}
