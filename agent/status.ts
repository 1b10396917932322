// `status`: one row per person the agent knows (converged or offboarded): account
// state and drift (managed files whose content changed since the agent wrote them).
// Files are read with safeRead (agent/safe-read.ts): a FIFO, link or oversized file a person
// planted is shown as "refused" in their row and never blocks the table.
import { existsSync } from 'node:fs';
import { renderTable } from '../src/report/table';
import { getAccount, shadowOf } from './accounts';
import type { Context } from './context';
import { own } from './own';
import { allDesired } from './desired-store';
import { ownership, ReadScope } from './managed-files';
import { UnsafeRead } from './safe-read';

/** The files of `paths` that drifted, and those refused (not read), as table text. */
function driftOf(ctx: Context, paths: string[], scope?: ReadScope): string {
  const drift: string[] = [];
  const refused: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    try {
      if (ownership(ctx, p, scope) === 'foreign') drift.push(p);
    } catch (err) {
      if (!(err instanceof UnsafeRead)) throw err;
      refused.push(err.message);
    }
  }
  const parts = [drift.length ? `drift: ${drift.join(', ')}` : 'no drift', ...(refused.length ? [`refused: ${refused.join('; ')}`] : [])];
  return parts.join('; ');
}

export function statusTable(ctx: Context): string {
  const rows: string[][] = [];
  const desired = allDesired();
  const people = new Set([...desired.map((d) => d.osUser), ...Object.keys(ctx.state.tombstones), ...Object.keys(ctx.state.incomplete)]);
  for (const u of [...people].sort()) {
    const ws = desired.find((d) => d.osUser === u);
    const account = getAccount(u);
    const shadow = shadowOf(u);
    const tomb = own(ctx.state.tombstones, u);
    const unfinished = own(ctx.state.incomplete, u);
    const state = !account ? 'deleted' : tomb ? 'offboarded' : unfinished ? `offboarding incomplete (${unfinished.survivors.length} survived)` : ws ? (ws.legacy ? `${ws.state} (legacy)` : ws.state) : 'unknown';
    const files = Object.keys(ctx.state.files).filter((p) => (ws && p.startsWith(`${ws.home}/`)) || (ws && p.includes(`user-${ws.uid}.slice`)));
    rows.push([
      u,
      String(account?.uid ?? tomb?.uid ?? unfinished?.uid ?? '-'),
      ws?.tier ?? '-',
      state,
      shadow ? (shadow.locked ? (shadow.expired ? 'locked+expired' : 'locked') : 'open') : '-',
      driftOf(ctx, files, ws ? { home: ws.home, uid: ws.uid } : undefined),
    ]);
  }
  const hostFiles = Object.keys(ctx.state.files).filter((p) => p.startsWith('/etc/') && !p.includes('.slice.d/'));
  const table = renderTable(['os_user', 'uid', 'tier', 'state', 'password', 'files'], rows);
  return `${table}\n(host) files: ${driftOf(ctx, hostFiles)}`;
}
