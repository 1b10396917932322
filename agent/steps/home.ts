// The home and the per-person private directories: home 0700, ~/.claude and the
// secret directories 0700, and an existing ~/.claude/settings.json forced to 0600
// without touching its content (it once leaked an API key at 0664).
import { existsSync, lstatSync, chmodSync } from 'node:fs';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { ensureDir, symlinkedParent } from '../managed-files';
import { runAs } from '../exec';
import { changed, ok, Outcome, skipped } from '../report';

/** Directories that hold per-person secrets; created 0700, tightened to 0700 if looser. */
export const PRIVATE_DIRS = ['.claude', '.config', '.config/workstations', '.config/workstations/secrets'];

export function convergeHome(ctx: Context, ws: WorkstationState): Outcome {
  if (!existsSync(ws.home)) return skipped('home directory missing (onboard creates it)');
  const st = lstatSync(ws.home);
  if (st.uid !== ws.uid) return skipped(`home is owned by uid ${st.uid}, not ${ws.uid}: kept as is`);
  if ((st.mode & 0o777) === 0o700) return ok();
  if (ws.legacy) return skipped(`pending cutover: home mode ${(st.mode & 0o777).toString(8)} -> 700`);
  if (ctx.dryRun) return changed('would set home mode 700');
  chmodSync(ws.home, 0o700);
  return changed(`mode ${(st.mode & 0o777).toString(8)} -> 700`);
}

export function convergePrivateDirs(ctx: Context, ws: WorkstationState, gid: number): Outcome {
  // In order, stopping at the first refusal: a nested directory is never created under a
  // parent that was refused (a symlink, a file).
  let anyChanged = false;
  for (const d of PRIVATE_DIRS) {
    const r = ensureDir(ctx, `${ws.home}/${d}`, { mode: 0o700, uid: ws.uid, gid, person: { user: ws.osUser, home: ws.home } });
    if (r.kind === 'skipped' || r.kind === 'failed') return r;
    anyChanged ||= r.kind === 'changed';
  }
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
