// Managed hooks may run scripts the layer does not ship but expects on the host (e.g. the web
// terminal's session-state hook). They run in every person's session, so before the layer is
// installed each one must be a regular file owned by root that nobody else can change: not
// group- or other-writable, and every directory above it (as written and as resolved) root-owned
// and not writable by others. Otherwise whoever can change it runs code as everyone.
import { lstatSync, realpathSync, Stats } from 'node:fs';
import { dirname } from 'node:path';

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** `/a/b/c` -> ['/', '/a', '/a/b']: every directory above `path`, top first. */
function parents(path: string): string[] {
  const out: string[] = [];
  for (let p = dirname(path); ; p = dirname(p)) {
    out.unshift(p);
    if (p === '/') return out;
  }
}

/** Why the directory `dir` does not protect what is inside it, or undefined. */
function dirProblem(dir: string, st: Stats): string | undefined {
  if (st.uid !== 0) return `parent ${dir} is owned by uid ${st.uid}, not root`;
  // A symlink's own mode means nothing; its target is checked through the resolved path.
  if (!st.isSymbolicLink() && st.mode & 0o022) return `parent ${dir} is writable by group or others (mode ${octal(st.mode)})`;
  return undefined;
}

/** Why `script` must not be run by a managed hook, or undefined when it is safe. */
export function hostScriptProblem(script: string): string | undefined {
  const st = lstatOrUndefined(script);
  if (!st) return 'does not exist on the host: install it (root-owned, mode 0755) before the layer that runs it';
  if (st.isSymbolicLink()) return 'is a symlink: point the hook at the real file';
  if (!st.isFile()) return 'is not a regular file';
  if (st.uid !== 0) return `is owned by uid ${st.uid}, not root: its owner could run code in everyone's session`;
  if (st.mode & 0o022) return `is writable by group or others (mode ${octal(st.mode)}): they could run code in everyone's session`;
  if ((st.mode & 0o005) !== 0o005) return `is not readable and executable by everyone (mode ${octal(st.mode)}): people's sessions run it as themselves`;
  for (const dir of parents(script)) {
    const d = lstatOrUndefined(dir);
    const why = d ? dirProblem(dir, d) : `parent ${dir} is missing`;
    if (why) return why;
  }
  // A symlinked directory above it (Debian's /bin -> usr/bin) is fine when its target is safe too.
  const real = realpathSync(dirname(script));
  for (const dir of [...parents(`${real}/x`)]) {
    const why = dirProblem(dir, lstatSync(dir));
    if (why) return `${why} (resolved from ${dirname(script)})`;
  }
  return undefined;
}
