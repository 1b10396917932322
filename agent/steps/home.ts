// The home and the per-person private directories: home 0700, ~/.claude and the
// secret directories 0700, and an existing ~/.claude/settings.json forced to 0600
// without touching its content (it once leaked an API key at 0664).
//
// A legacy account keeps its home's mode and its private directories' modes as found
// (`pending cutover`): other people may rely on them (on the devvm wizard's home is 0751
// because emo's ~/.claude/{rules,skills} link into it). Only `cutover` tightens them, after
// it has reported the links of others that tightening would break (agent/steps/cutover.ts).
import { closeSync, existsSync, fchmodSync, fstatSync, lstatSync } from 'node:fs';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { ensureDir, symlinkedParent } from '../managed-files';
import { runAs } from '../exec';
import { openHome } from '../person-fs';
import { changed, ok, Outcome, skipped } from '../report';

/** Directories that hold per-person secrets; created 0700, tightened to 0700 if looser. */
export const PRIVATE_DIRS = ['.claude', '.config', '.config/workstations', '.config/workstations/secrets'];

export function convergeHome(ctx: Context, ws: WorkstationState): Outcome {
  if (!existsSync(ws.home)) return skipped('home directory missing (onboard creates it)');
  // The home inode itself, through an fd opened O_DIRECTORY|O_NOFOLLOW (its parent, /home,
  // is root's: the person cannot swap the name, and a link there is refused), checked with
  // fstat on that same fd and changed with fchmod: never a chmod by path (agent/main.ts).
  const fd = openHome({ user: ws.osUser, uid: ws.uid, home: ws.home });
  try {
    const st = fstatSync(fd);
    if (!st.isDirectory()) return skipped(`${ws.home} is not a directory: kept as is`);
    if (st.uid !== ws.uid) return skipped(`home is owned by uid ${st.uid}, not ${ws.uid}: kept as is`);
    const mode = st.mode & 0o7777;
    if (mode === 0o700) return ok();
    if (ws.legacy) return skipped(`pending cutover: home mode ${mode.toString(8)} -> 700`);
    if (ctx.dryRun) return changed('would set home mode 700');
    fchmodSync(fd, 0o700);
    return changed(`mode ${mode.toString(8)} -> 700`);
  } finally {
    closeSync(fd);
  }
}

export function convergePrivateDirs(ctx: Context, ws: WorkstationState, gid: number): Outcome {
  // In order, stopping at the first refusal: a nested directory is never created under a
  // parent that was refused (a symlink, a file).
  let anyChanged = false;
  const pending: string[] = [];
  for (const d of PRIVATE_DIRS) {
    const path = `${ws.home}/${d}`;
    if (ws.legacy && existsSync(path)) {
      // Legacy: what exists keeps its mode (another person's link may lead into it).
      const st = lstatSync(path);
      if (!st.isDirectory()) return skipped(`${path} exists and is not a directory: kept as is`);
      if ((st.mode & 0o7777) !== 0o700) pending.push(`~/${d} ${(st.mode & 0o7777).toString(8)} -> 700`);
      continue;
    }
    const r = ensureDir(ctx, path, { mode: 0o700, uid: ws.uid, gid, person: { user: ws.osUser, home: ws.home } });
    if (r.kind === 'skipped' || r.kind === 'failed') return r;
    anyChanged ||= r.kind === 'changed';
  }
  if (pending.length > 0) return skipped(`pending cutover: ${pending.join(', ')}${anyChanged ? '; missing ones created' : ''}`);
  return anyChanged ? changed() : ok();
}

export function convergeClaudeSettingsMode(ctx: Context, ws: WorkstationState): Outcome {
  const file = `${ws.home}/.claude/settings.json`;
  const detour = symlinkedParent(file, ws.home);
  if (detour) return skipped(detour);
  if (!existsSync(file)) return ok('none');
  const st = lstatSync(file);
  if (st.isSymbolicLink()) return skipped('~/.claude/settings.json is a symlink: kept as is');
  if ((st.mode & 0o777) === 0o600) return ok();
  if (ctx.dryRun) return changed(`would tighten mode ${(st.mode & 0o777).toString(8)} -> 600`);
  // As the person: chmod follows symlinks, and theirs can only lead to their own files.
  runAs(ws.osUser, ws.home, 'chmod', ['600', '--', file]);
  return changed(`mode ${(st.mode & 0o777).toString(8)} -> 600`);
}
