// The tier's Unix groups: add what the tier grants, remove managed groups it does not
// (a demoted admin loses sudo), never touch groups outside MANAGED_UNIX_GROUPS.
// Legacy accounts only gain groups; removals are listed as pending cutover.
import { MANAGED_UNIX_GROUPS } from '../../src/tiers/profiles';
import type { WorkstationState } from '../input';
import { groupExists, groupsOf } from '../accounts';
import type { Context } from '../context';
import { run } from '../exec';
import { changed, ok, Outcome, skipped } from '../report';

export function groupDiff(ws: WorkstationState): { add: string[]; remove: string[] } {
  const current = groupsOf(ws.osUser);
  const target = new Set<string>(ws.unixGroups);
  return {
    add: ws.unixGroups.filter((g) => !current.includes(g)),
    remove: MANAGED_UNIX_GROUPS.filter((g) => current.includes(g) && !target.has(g)),
  };
}

/** `diff`: the caller's groupDiff(ws), when it has one (each costs an `id` child process). */
export function convergeGroups(ctx: Context, ws: WorkstationState, diff = groupDiff(ws)): Outcome {
  const { add, remove } = diff;
  const removing = ws.legacy ? [] : remove;
  if (add.length === 0 && removing.length === 0) {
    return remove.length > 0 ? skipped(`pending cutover: remove from ${remove.join(', ')}`) : ok();
  }
  const summary = [...add.map((g) => `+${g}`), ...removing.map((g) => `-${g}`)].join(' ');
  if (ctx.dryRun) return changed(`would change groups ${summary}`);
  for (const g of add) {
    if (!groupExists(g)) run('groupadd', ['-r', g]);
    run('gpasswd', ['-a', ws.osUser, g]);
  }
  for (const g of removing) run('gpasswd', ['-d', ws.osUser, g]);
  const pending = ws.legacy && remove.length > 0 ? `; pending cutover: remove from ${remove.join(', ')}` : '';
  return changed(`${summary}${pending}`);
}
