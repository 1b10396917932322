// Watchdog for one test host, started detached next to it:
//   node --import tsx test/harness/reaper.ts <host id>
// It waits for the owning test process to end and, if the host is still recorded by then
// (the test process was SIGKILLed, timed out in a jest worker that got killed, crashed,
// or was interrupted with Ctrl-C), tears it down. In-process 'exit' handlers cannot cover
// those cases. It exits on its own once the host record is gone (normal stop()).
import * as fs from 'node:fs';
import { isSameProcessAlive } from './procs';
import { HostRecord, recordPath } from './state';
import { teardownSync } from './teardown';

const POLL_MS = 200;
/**
 * The dead owner's own children (a `cp` filling the root, a `mount`, terraform) are not
 * ours to kill and may still be writing into the host for a moment: retry the teardown.
 */
const RETRY_MS = 1000;
const RETRIES = 60;

function readRecord(id: string): HostRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordPath(id), 'utf8')) as HostRecord;
  } catch {
    return undefined; // gone (stopped normally) or mid-rename: the next poll sees which
  }
}

function watch(id: string): void {
  const rec = readRecord(id);
  if (!fs.existsSync(recordPath(id)) || rec?.keep) return; // stopped, or kept for debugging
  if (rec && !isSameProcessAlive(rec.owner)) {
    reap(rec, RETRIES);
    return;
  }
  setTimeout(() => watch(id), POLL_MS);
}

function reap(rec: HostRecord, triesLeft: number): void {
  try {
    teardownSync(rec);
  } catch (e) {
    // stderr goes to <state dir>/<id>.reaper.log; the record stays for cleanup.ts.
    process.stderr.write(`${new Date().toISOString()} ${(e as Error).message}\n`);
    if (triesLeft > 0) setTimeout(() => reap(rec, triesLeft - 1), RETRY_MS);
  }
}

const id = process.argv[2];
if (!id) {
  process.stderr.write('usage: reaper.ts <host id>\n');
  process.exitCode = 2;
} else {
  watch(id);
}
