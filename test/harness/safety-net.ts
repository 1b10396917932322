// Safety nets behind the tests' own afterAll:
// 1. a process 'exit' handler on the REAL process (see real-process.ts) tears down hosts
//    still registered when the test process exits normally;
// 2. a detached reaper process per host (reaper.ts) tears the host down when the test
//    process dies in ways no handler sees (SIGKILL, a killed jest worker, Ctrl-C).
// Hosts kept for debugging (DEVVM_TESTHOST_KEEP=1) are in neither.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processRef } from './procs';
import { realProcess } from './real-process';
import { HostRecord, reaperLogPath, saveRecord } from './state';
import { teardownSync } from './teardown';

/**
 * One registry per OS process, shared by all test files a jest worker runs (each gets
 * fresh module instances), so only one 'exit' listener is ever added.
 */
const REGISTRY = Symbol.for('devvm-workstations.testhost.live');
type Registry = Map<string, { rec: HostRecord; teardown: (rec: HostRecord) => void }>;

function registry(): Registry {
  const real = realProcess() as NodeJS.Process & { [REGISTRY]?: Registry };
  let reg = real[REGISTRY];
  if (!reg) {
    const created: Registry = new Map();
    reg = created;
    real[REGISTRY] = created;
    real.on('exit', () => {
      for (const { rec, teardown } of [...created.values()].reverse()) {
        created.delete(rec.id);
        try {
          teardown(rec);
        } catch (e) {
          real.stderr.write(`${(e as Error).message}\nrun: npx tsx test/harness/cleanup.ts\n`);
        }
      }
    });
  }
  return reg;
}

export function register(rec: HostRecord): void {
  registry().set(rec.id, { rec, teardown: teardownSync });
  startReaper(rec);
}

export function unregister(id: string): void {
  registry().delete(id);
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function startReaper(rec: HostRecord): void {
  const log = fs.openSync(reaperLogPath(rec.id), 'a', 0o600);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'reaper.ts'), rec.id], {
    cwd: REPO_ROOT, // where `--import tsx` resolves from
    detached: true, // own session: a Ctrl-C meant for the test run must not reach it
    stdio: ['ignore', log, log],
    env: { ...process.env },
  });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error('cannot start the test-host reaper');
  rec.reaper = processRef(child.pid, 'reaper');
  saveRecord(rec);
}
