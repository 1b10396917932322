// Memory containment and per-user daemons. What worked after several incidents
// (BRIEF section 5): MemoryMax per user slice with MemorySwapMax=0 and MemoryHigh=infinity
// (a MemoryHigh band without swap livelocked the cgroup). Units of a parked person are
// disabled with --now and reset-failed on EVERY run, or the next enable brings them back.
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { probe, run } from '../exec';
import { writeManaged } from '../managed-files';
import { userSliceDropIn } from '../paths';
import { changed, ok, Outcome, skipped } from '../report';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const ROOT_FILE = { mode: 0o644, uid: 0, gid: 0 };

export function sliceDropIn(ws: WorkstationState): string {
  return [
    `# Managed by devvm-workstations: memory budget of ${ws.osUser} (RBAC tier ${ws.tier}).`,
    '[Slice]',
    `MemoryMax=${ws.memoryMax}`,
    'MemorySwapMax=0',
    'MemoryHigh=infinity',
    '',
  ].join('\n');
}

export function convergeSlice(ctx: Context, ws: WorkstationState): Outcome {
  const path = userSliceDropIn(ws.uid);
  if (!ctx.dryRun) mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const outcome = writeManaged(ctx, path, sliceDropIn(ws), ROOT_FILE);
  if (outcome.kind === 'changed' && !ctx.dryRun) {
    if (!ctx.systemd) return changed(`${outcome.detail ?? 'written'}; daemon-reload skipped (no systemd)`);
    run('systemctl', ['daemon-reload']);
  }
  return outcome;
}

export function unitNames(ws: WorkstationState): { unit: string; wanted: boolean }[] {
  return [
    { unit: `t3-serve@${ws.osUser}.service`, wanted: ws.units.t3Serve },
    { unit: `claude-auth-sync@${ws.osUser}.timer`, wanted: ws.units.claudeAuthSync },
  ];
}

export function convergeUnits(ctx: Context, ws: WorkstationState): Outcome {
  if (!ctx.systemd) return skipped('no systemd');
  const actions: string[] = [];
  for (const { unit, wanted } of unitNames(ws)) {
    const enabled = probe('systemctl', ['is-enabled', '--quiet', unit]).status === 0;
    const active = probe('systemctl', ['is-active', '--quiet', unit]).status === 0;
    if (wanted && (!enabled || !active)) {
      if (!ctx.dryRun) run('systemctl', ['enable', '--now', unit]);
      actions.push(`enabled ${unit}`);
    } else if (!wanted) {
      if (enabled || active) {
        if (!ctx.dryRun) run('systemctl', ['disable', '--now', unit]);
        actions.push(`disabled ${unit}`);
      }
      // After a deliberate stop, a failed state must not linger (or trigger restarts).
      if (!ctx.dryRun) probe('systemctl', ['reset-failed', unit]);
    }
  }
  if (actions.length === 0) return ok();
  return changed(ctx.dryRun ? `would: ${actions.join(', ')}` : actions.join(', '));
}
