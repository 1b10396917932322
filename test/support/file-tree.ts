// A directory's files as data (relative path -> content), for asserting that a command
// wrote nothing, or wrote byte-for-byte the same output twice.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir` (relative path -> content, latin1 so any bytes compare exactly). */
export function fileTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return files;
}
