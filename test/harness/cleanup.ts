// Tears down test hosts left behind by a killed test run or kept with DEVVM_TESTHOST_KEEP=1.
//   npx tsx test/harness/cleanup.ts            all leftover hosts whose test process is gone, plus kept hosts
//   npx tsx test/harness/cleanup.ts <id>...    exactly these hosts
//   npx tsx test/harness/cleanup.ts --list     show recorded hosts, touch nothing
// It acts only on what the records list (see state.ts): never on other processes or mounts.
import { isSameProcessAlive } from './procs';
import * as fs from 'node:fs';
import { listRecords, reaperLogPath, stateDir } from './state';
import { teardownSync } from './teardown';

function main(argv: string[]): number {
  const records = listRecords();
  if (argv.includes('--list')) {
    if (records.length === 0) console.log(`no test hosts recorded in ${stateDir()}`);
    for (const r of records) {
      const owner = isSameProcessAlive(r.owner) ? `owner pid ${r.owner.pid} running` : 'owner gone';
      console.log(`${r.id}  ${r.address ?? '-'}:${r.port ?? '-'}  ${r.rootDir}  ${r.keep ? 'kept' : ''} ${owner}`);
      const log = reaperLogPath(r.id);
      if (fs.existsSync(log) && fs.statSync(log).size > 0) console.log(`  reaper could not tear it down, see ${log}`);
    }
    return 0;
  }
  const ids = argv.filter((a) => !a.startsWith('-'));
  const chosen = ids.length > 0
    ? ids.map((id) => {
      const r = records.find((x) => x.id === id);
      if (!r) throw new Error(`no test host ${id} recorded in ${stateDir()}`);
      return r;
    })
    // Without ids, a host whose owning test process still runs is in use: leave it alone.
    : records.filter((r) => r.keep || !isSameProcessAlive(r.owner));
  let failed = 0;
  for (const r of chosen) {
    try {
      teardownSync(r);
      console.log(`removed test host ${r.id} (${r.rootDir})`);
    } catch (e) {
      failed++;
      console.error((e as Error).message);
    }
  }
  if (chosen.length === 0) console.log('nothing to clean up');
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
