// Where Debian's postgresql package puts the server binaries (not on PATH): the newest
// /usr/lib/postgresql/<major>/bin with initdb, or DEVVM_TEST_PG_BINDIR. Its own file so
// skip.ts can ask without loading the rest of the harness.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where Debian puts the server binaries: the newest /usr/lib/postgresql/<major>/bin with initdb. */
export function pgBinDir(): string | undefined {
  const env = process.env.DEVVM_TEST_PG_BINDIR;
  if (env) return fs.existsSync(path.join(env, 'initdb')) ? env : undefined;
  let majors: string[];
  try {
    majors = fs.readdirSync('/usr/lib/postgresql').filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  return majors.map((m) => `/usr/lib/postgresql/${m}/bin`).find((d) => fs.existsSync(path.join(d, 'initdb')));
}
