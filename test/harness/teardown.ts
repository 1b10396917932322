// Tears a host down from its record, in reverse order of creation: a booted container
// (systemd-host.ts), the processes we
// started, then everything still running inside the root, then the mounts (exact recorded
// paths, children first), then the private temp dir, then the record. Synchronous on
// purpose: it must also work inside a process 'exit' handler.
import * as fs from 'node:fs';
import { unmountSync, removeTreeSync } from './mounts';
import { stopContainerSync } from './container';
import { killProcessesRootedAt, terminateSync } from './procs';
import { deleteRecord, HostRecord } from './state';

export function teardownSync(rec: HostRecord): void {
  const errors: string[] = [];
  const step = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
    }
  };
  // A booted container first: its systemd ends everything inside, then nspawn exits.
  if (rec.container) step('stop container', () => stopContainerSync(rec.container!));
  step('stop recorded processes', () => terminateSync([...rec.processes].reverse()));
  // Only meaningful while the root is still there; it also catches sessions sshd forked
  // and anything a test started inside the host.
  step('stop processes inside the host', () => {
    if (fs.existsSync(rec.rootDir)) killProcessesRootedAt(rec.rootDir);
  });
  step('unmount', () => {
    const errs = unmountSync(rec.mounts);
    if (errs.length > 0) throw new Error(errs.join('; '));
  });
  // removeTreeSync refuses while anything is still mounted below tempDir.
  step('remove temp dir', () => removeTreeSync(rec.tempDir));
  if (errors.length > 0) {
    // Keep the record so cleanup.ts can retry what failed.
    throw new Error(`teardown of test host ${rec.id} incomplete:\n${errors.join('\n')}`);
  }
  deleteRecord(rec.id);
  // The reaper would exit by itself on its next poll; ending it now leaves nothing behind.
  // (When the reaper itself runs this teardown, it is about to exit anyway.)
  if (rec.reaper && rec.reaper.pid !== process.pid) terminateSync([rec.reaper], 1000);
}
