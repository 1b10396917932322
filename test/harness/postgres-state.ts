// One JSON record per throwaway PostgreSQL cluster of the e2e tests, written BEFORE the
// cluster is created, so a cluster left behind by a killed test run can be found and
// removed (postgres-reaper.ts). Kept apart from the test-host records (state.ts): a
// different kind of resource with its own teardown. The teardown is synchronous so it
// also works inside a process 'exit' handler.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSameProcessAlive, processStartTime, ProcessRef, terminateSync } from './procs';
import { removeTreeSync } from './mounts';
import { sleepSync } from './run';
import { stateDir } from './state';

export interface PgRecord {
  id: string;
  createdAt: string;
  /** The test process that owns the cluster; a dead owner marks a leftover. */
  owner: ProcessRef;
  /** Everything of the cluster: data dir, socket dir, server log. Removed on teardown. */
  tempDir: string;
  /** The data directory (`initdb -D`); every server process runs with it as its cwd. */
  dataDir: string;
  address: string;
  port: number;
  /** The watchdog that tears the cluster down if the owner dies (postgres-reaper.ts). */
  reaper?: ProcessRef;
  /** Set with DEVVM_TESTHOST_KEEP=1: the test run does not tear it down. */
  keep: boolean;
}

export function pgStateDir(): string {
  return path.join(stateDir(), 'postgres');
}

export function pgRecordPath(id: string): string {
  return path.join(pgStateDir(), `${id}.json`);
}

export function pgReaperLogPath(id: string): string {
  return path.join(pgStateDir(), `${id}.reaper.log`);
}

export function savePgRecord(rec: PgRecord): void {
  fs.mkdirSync(pgStateDir(), { recursive: true, mode: 0o700 });
  const file = pgRecordPath(rec.id);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function readPgRecord(id: string): PgRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(pgRecordPath(id), 'utf8')) as PgRecord;
  } catch {
    return undefined;
  }
}

export function listPgRecords(): PgRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(pgStateDir());
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).flatMap((n) => {
    const rec = readPgRecord(n.slice(0, -'.json'.length));
    return rec ? [rec] : [];
  });
}

/**
 * The server processes of a cluster: PostgreSQL's postmaster and every backend it forks
 * run with the data directory as their working directory, which no other process has.
 */
export function serverProcesses(dataDir: string): ProcessRef[] {
  const found: ProcessRef[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${name}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== dataDir) continue;
    const startTime = processStartTime(Number(name));
    if (startTime !== undefined) found.push({ pid: Number(name), startTime, what: `postgres server process in ${dataDir}` });
  }
  return found;
}

/** The postmaster (first line of postmaster.pid), if it still runs in this data dir. */
function postmaster(dataDir: string, procs: ProcessRef[]): ProcessRef | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  return procs.find((p) => p.pid === pid);
}

/**
 * Stops the server (SIGQUIT: immediate shutdown, nothing of a throwaway cluster is worth
 * a checkpoint), kills any process still in the data dir, removes the files and the record.
 */
export function teardownPgSync(rec: PgRecord): void {
  if (fs.existsSync(rec.dataDir)) {
    const main = postmaster(rec.dataDir, serverProcesses(rec.dataDir));
    if (main && isSameProcessAlive(main)) {
      try {
        process.kill(main.pid, 'SIGQUIT');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
      const deadline = Date.now() + 5000;
      while (isSameProcessAlive(main) && Date.now() < deadline) sleepSync(25);
    }
    terminateSync(serverProcesses(rec.dataDir), 1000);
    const left = serverProcesses(rec.dataDir);
    if (left.length > 0) {
      throw new Error(`teardown of test PostgreSQL ${rec.id} incomplete: processes still running in ${rec.dataDir}: ${left.map((p) => p.pid).join(', ')}`);
    }
  }
  removeTreeSync(rec.tempDir);
  fs.rmSync(pgRecordPath(rec.id), { force: true });
  fs.rmSync(pgReaperLogPath(rec.id), { force: true });
  if (rec.reaper && rec.reaper.pid !== process.pid) terminateSync([rec.reaper], 1000);
}

/** Leftovers of killed runs: records whose owner is gone (kept clusters stay). */
export function reapStalePgClusters(log: (s: string) => void = () => undefined): number {
  let failed = 0;
  for (const rec of listPgRecords()) {
    if (rec.keep || isSameProcessAlive(rec.owner)) continue;
    try {
      teardownPgSync(rec);
      log(`removed test PostgreSQL ${rec.id} (${rec.tempDir})`);
    } catch (e) {
      failed++;
      log((e as Error).message);
    }
  }
  return failed;
}
