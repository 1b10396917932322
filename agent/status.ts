// `status`: one row per person the agent knows (converged or offboarded): account
// state and drift (managed files whose content changed since the agent wrote them).
import { existsSync } from 'node:fs';
import { renderTable } from '../src/report/table';
import { getAccount, shadowOf } from './accounts';
import type { Context } from './context';
import { allDesired } from './desired-store';
import { ownership } from './managed-files';

export function statusTable(ctx: Context): string {
  const rows: string[][] = [];
  const desired = allDesired();
  const people = new Set([...desired.map((d) => d.osUser), ...Object.keys(ctx.state.tombstones)]);
  for (const u of [...people].sort()) {
    const ws = desired.find((d) => d.osUser === u);
    const account = getAccount(u);
    const shadow = shadowOf(u);
    const tomb = ctx.state.tombstones[u];
    const state = !account ? 'deleted' : tomb ? 'offboarded' : ws ? (ws.legacy ? `${ws.state} (legacy)` : ws.state) : 'unknown';
    const drift = Object.keys(ctx.state.files)
      .filter((p) => (ws && p.startsWith(`${ws.home}/`)) || (ws && p.includes(`user-${ws.uid}.slice`)))
      .filter((p) => existsSync(p) && ownership(ctx, p) === 'foreign');
    rows.push([
      u,
      String(account?.uid ?? tomb?.uid ?? '-'),
      ws?.tier ?? '-',
      state,
      shadow ? (shadow.locked ? (shadow.expired ? 'locked+expired' : 'locked') : 'open') : '-',
      drift.length ? `drift: ${drift.join(', ')}` : 'no drift',
    ]);
  }
  const hostDrift = Object.keys(ctx.state.files).filter((p) => p.startsWith('/etc/') && !p.includes('.slice.d/') && existsSync(p) && ownership(ctx, p) === 'foreign');
  const table = renderTable(['os_user', 'uid', 'tier', 'state', 'password', 'files'], rows);
  return `${table}\n(host) files: ${hostDrift.length ? `drift: ${hostDrift.join(', ')}` : 'no drift'}`;
}
