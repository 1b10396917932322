// One agent at a time per host: Terraform runs provisioners in parallel, and every agent
// run reads and writes the shared host state. The lock file holds the owner's pid; a
// lock left by a killed agent (pid gone) is taken over.
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCK_FILE } from './paths';

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function withHostLock<T>(fn: () => T, file = LOCK_FILE, timeoutMs = 600_000): T {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
        try {
          unlinkSync(file);
        } catch {
          /* another agent took it over first */
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`host lock ${file} held by pid ${owner} for too long`);
      sleep(100);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}
