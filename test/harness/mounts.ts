// Mount bookkeeping from /proc/self/mountinfo. Teardown unmounts only the exact paths the
// harness recorded, and refuses to delete a directory while anything is mounted below
// it: a recursive delete that walks into a bind mount of /dev would destroy the machine's
// own device nodes.
import * as fs from 'node:fs';
import { runSync } from './run';

/** Mount points currently present, in mount order (parents before children). */
export function mountPoints(): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => unescapeMountPath(l.split(' ')[4]));
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function isMountPoint(path: string): boolean {
  return mountPoints().includes(path);
}

export function mountsAtOrBelow(dir: string): string[] {
  return mountPoints().filter((m) => m === dir || m.startsWith(dir + '/'));
}

/**
 * Unmounts each recorded path that is still mounted, last mounted first. A path can be
 * mounted more than once (stacked); we unmount as many times as we recorded it.
 * Returns the error texts instead of throwing so teardown can continue with the rest.
 */
export function unmountSync(recorded: readonly string[]): string[] {
  const errors: string[] = [];
  for (const path of [...recorded].reverse()) {
    if (!isMountPoint(path)) continue;
    const r = runSync(['umount', path]);
    if (r.code !== 0) errors.push(`umount ${path}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  return errors;
}

/**
 * Deletes a directory tree the harness created, but only when nothing is mounted at or
 * below it (see the file comment).
 */
export function removeTreeSync(dir: string): void {
  const busy = mountsAtOrBelow(dir);
  if (busy.length > 0) {
    throw new Error(`refusing to delete ${dir}: still mounted below it: ${busy.join(', ')}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
