// `status`: one row per person the agent knows (converged or offboarded): account
// state and drift (managed files whose content changed since the agent wrote them); then
// who writes each host-wide file (site devvm.writers), whether the shipped reconciler is
// installed, and foreign drop-ins that set the keys of the people's slice budgets.
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
import { hostWriters } from './host-spec-store';
import { LAYOUT_DIR, t3EnvFile } from './paths';
import { describeFound, HANDOVER_STEP, isDetected, ownedWriters, RECONCILER, reconcilerOnHost, WRITER_FILES } from './steps/reconciler';
import { sliceForeignDropIns } from './steps/systemd';
import { claudeStatusLine } from './steps/claude-install';

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
    const files = Object.keys(ctx.state.files).filter((p) => (ws && p.startsWith(`${ws.home}/`)) || (ws && (p.includes(`user-${ws.uid}.slice`) || p === t3EnvFile(ws.osUser))));
    rows.push([
      u,
      String(account?.uid ?? tomb?.uid ?? unfinished?.uid ?? '-'),
      ws?.tier ?? '-',
      state,
      shadow ? (shadow.locked ? (shadow.expired ? 'locked+expired' : 'locked') : 'open') : '-',
      driftOf(ctx, files, ws ? { home: ws.home, uid: ws.uid } : undefined) +
        // A code_layout move that a kill or a refusal left unfinished (the next converge resumes it).
        (existsSync(`${LAYOUT_DIR}/${u}.json`) ? `; code-layout move unfinished (${LAYOUT_DIR}/${u}.json)` : ''),
    ]);
  }
  const hostFiles = Object.keys(ctx.state.files).filter((p) => p.startsWith('/etc/') && !p.includes('.slice.d/') && !/^\/etc\/t3-serve\/[^/]+\.env$/.test(p));
  const table = renderTable(['os_user', 'uid', 'tier', 'state', 'password', 'files'], rows);
  return [`${table}`, `(host) files: ${driftOf(ctx, hostFiles)}`, claudeStatusLine(desired), ...writerLines(ctx), ...dropInLines(desired.filter((d) => !own(ctx.state.tombstones, d.osUser)))].join('\n');
}

/** Which writer owns each host-wide file, and a warning while the reconciler would fight us. */
function writerLines(ctx: Context): string[] {
  const writers = hostWriters();
  const found = reconcilerOnHost(ctx.systemd);
  const lines = WRITER_FILES.map((w) => `(host) writer of ${w.files}: ${writers[w.key]} (site ${w.site})`);
  const owned = ownedWriters(writers);
  if (!isDetected(found)) lines.push(`(host) reconciler ${RECONCILER}: not installed`);
  else if (owned.length === 0) lines.push(`(host) reconciler ${RECONCILER}: ${describeFound(found)}; it writes every file above (hand-over not started)`);
  else lines.push(`(host) WARNING: reconciler ${RECONCILER} is installed (${describeFound(found)}) while workstations writes ${owned.join(', ')}: two writers fight; ${HANDOVER_STEP}`);
  return lines;
}

/** Foreign drop-ins in the slice directories of the people's budgets that set our keys. */
function dropInLines(people: readonly { uid: number }[]): string[] {
  const lines = new Set<string>();
  for (const p of people) {
    const { notes, problems } = sliceForeignDropIns(p.uid);
    for (const n of [...notes, ...problems.map((x) => `WARNING: ${x}`)]) lines.add(`(host) user-${p.uid}.slice: ${n}`);
  }
  return [...lines];
}
