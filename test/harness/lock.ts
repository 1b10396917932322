// An exclusive lock file (O_CREAT|O_EXCL) so that two jest workers never build the same
// rootfs at once. The file records the holder's pid and start time; a lock left behind by
// a process that died (e.g. a killed build) is detected and broken.
import * as fs from 'node:fs';
import { isSameProcessAlive, processRef, ProcessRef } from './procs';

export interface Lock {
  release(): void;
}

export async function acquireLock(path: string, opts: { timeoutMs: number; what: string }): Promise<Lock> {
  const me = processRef(process.pid, 'lock holder');
  const content = JSON.stringify(me);
  const deadline = Date.now() + opts.timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(path, content, { flag: 'wx', mode: 0o644 });
      return { release: () => releaseIfOurs(path, content) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readHolder(path);
    if (held && !isSameProcessAlive(held.ref)) {
      // Compare-then-unlink keeps the window small in which we could remove a lock a third
      // process has just taken; two workers racing on a stale lock is the only case.
      if (readHolder(path)?.raw === held.raw) fs.rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${path} (${opts.what}), held by ${held?.raw ?? 'unknown'}`);
    }
    if (!announced) {
      process.stderr.write(`waiting for ${opts.what}: lock ${path} held by pid ${held?.ref.pid ?? '?'}\n`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function readHolder(path: string): { raw: string; ref: ProcessRef } | undefined {
  try {
    const raw = fs.readFileSync(path, 'utf8');
    return { raw, ref: JSON.parse(raw) as ProcessRef };
  } catch {
    // Vanished, or half-written by a holder that is writing it right now: retry later.
    return undefined;
  }
}

function releaseIfOurs(path: string, content: string): void {
  try {
    if (fs.readFileSync(path, 'utf8') === content) fs.rmSync(path, { force: true });
  } catch {
    // already gone
  }
}
