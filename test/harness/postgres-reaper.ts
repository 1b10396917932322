// Watchdog and clean-up for the e2e tests' throwaway PostgreSQL clusters (postgres.ts).
//   node --import tsx test/harness/postgres-reaper.ts <id>     started detached next to a cluster:
//       waits for the owning test process to end and, if the cluster is still recorded
//       (the owner was SIGKILLed, crashed, or its jest worker was killed), removes it
//   npx tsx test/harness/postgres-reaper.ts --cleanup [id...]  leftovers whose owner is gone and
//       kept clusters (DEVVM_TESTHOST_KEEP=1), or exactly these ids
//   npx tsx test/harness/postgres-reaper.ts --list             show the records, touch nothing
// It acts only on what the records list (postgres-state.ts).
import { isSameProcessAlive } from './procs';
import { listPgRecords, PgRecord, pgRecordPath, pgStateDir, readPgRecord, teardownPgSync } from './postgres-state';
import * as fs from 'node:fs';

const POLL_MS = 200;
const RETRY_MS = 1000;
const RETRIES = 30;

function watch(id: string): void {
  const rec = readPgRecord(id);
  if (!fs.existsSync(pgRecordPath(id)) || rec?.keep) return; // stopped normally, or kept
  if (rec && !isSameProcessAlive(rec.owner)) {
    reap(rec, RETRIES);
    return;
  }
  setTimeout(() => watch(id), POLL_MS);
}

function reap(rec: PgRecord, triesLeft: number): void {
  try {
    teardownPgSync(rec);
  } catch (e) {
    process.stderr.write(`${new Date().toISOString()} ${(e as Error).message}\n`);
    if (triesLeft > 0) setTimeout(() => reap(rec, triesLeft - 1), RETRY_MS);
  }
}

function cleanup(ids: string[]): number {
  const records = listPgRecords();
  const chosen = ids.length > 0
    ? ids.map((id) => {
      const r = records.find((x) => x.id === id);
      if (!r) throw new Error(`no test PostgreSQL ${id} recorded in ${pgStateDir()}`);
      return r;
    })
    : records.filter((r) => r.keep || !isSameProcessAlive(r.owner));
  let failed = 0;
  for (const r of chosen) {
    try {
      teardownPgSync(r);
      console.log(`removed test PostgreSQL ${r.id} (${r.tempDir})`);
    } catch (e) {
      failed++;
      console.error((e as Error).message);
    }
  }
  if (chosen.length === 0) console.log('no test PostgreSQL to clean up');
  return failed === 0 ? 0 : 1;
}

const args = process.argv.slice(2);
if (args[0] === '--list') {
  const records = listPgRecords();
  if (records.length === 0) console.log(`no test PostgreSQL recorded in ${pgStateDir()}`);
  for (const r of records) {
    console.log(`${r.id}  ${r.address}:${r.port}  ${r.tempDir}  ${r.keep ? 'kept ' : ''}${isSameProcessAlive(r.owner) ? `owner pid ${r.owner.pid} running` : 'owner gone'}`);
  }
} else if (args[0] === '--cleanup') {
  process.exitCode = cleanup(args.slice(1));
} else if (args.length === 1 && !args[0].startsWith('-')) {
  watch(args[0]);
} else {
  process.stderr.write('usage: postgres-reaper.ts <id> | --cleanup [id...] | --list\n');
  process.exitCode = 2;
}
