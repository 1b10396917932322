// Capacity prerequisites at synth time: the devvm is the binding constraint, and
// onboarding active people onto a host without the memory for them ends in OOM kills of
// everyone's sessions. The arithmetic is printed either way, so the plan is explicit.
import type { DesiredState } from '../desired/types';
import type { Site } from '../roster/site-schema';
import { bytesToSize, sizeToBytes } from '../roster/values';

export interface CapacityFinding {
  /** Site key the finding is about (for the error position). */
  readonly key: 'swap' | 'ram' | 'disk';
  readonly message: string;
}

export interface CapacityReport {
  readonly lines: readonly string[];
  readonly findings: readonly CapacityFinding[];
}

export function checkCapacity(desired: DesiredState, site: Site): CapacityReport {
  const c = site.capacity;
  const ram = sizeToBytes(c.ram);
  const swap = sizeToBytes(c.swap);
  const headroom = sizeToBytes(c.headroom);
  const active = desired.people.flatMap((p) => (p.workstation?.state === 'active' ? [p.workstation] : []));
  const withAccount = desired.people.filter((p) => p.workstation).length;
  const budgets = active.map((w) => ({ user: w.osUser, bytes: sizeToBytes(w.memoryMax) })).sort((a, b) => b.bytes - a.bytes || a.user.localeCompare(b.user));
  const concurrent = budgets.slice(0, c.max_concurrent_active);
  const sum = concurrent.reduce((n, b) => n + b.bytes, 0);
  const available = ram + swap - headroom;
  const disk = sizeToBytes(c.disk);
  const perWs = sizeToBytes(c.disk_per_workstation);
  const floor = sizeToBytes(c.disk_floor);
  const diskLeft = disk - withAccount * perWs;

  const memoryLine =
    `memory: ${concurrent.length} largest active budget(s) of ${active.length} (max_concurrent_active ${c.max_concurrent_active}): ` +
    `${concurrent.map((b) => `${b.user} ${bytesToSize(b.bytes)}`).join(' + ') || 'none'} = ${bytesToSize(sum)}; ` +
    `available RAM ${c.ram} + swap ${c.swap} - headroom ${c.headroom} = ${bytesToSize(available)}`;
  const diskLine = `disk: ${c.disk} - ${withAccount} workstation(s) x ${c.disk_per_workstation} = ${bytesToSize(Math.max(diskLeft, 0))}${diskLeft < 0 ? ` (short by ${bytesToSize(-diskLeft)})` : ''}; floor ${c.disk_floor}`;

  const findings: CapacityFinding[] = [];
  if (swap === 0) {
    findings.push({ key: 'swap', message: 'swap is 0: add swap to the devvm first (with swap 0 the OOM killer, not the memory caps, decides; BRIEF section 5)' });
  }
  if (sum > available) {
    findings.push({ key: 'ram', message: `capacity exceeded: ${memoryLine.replace(/^memory: /, '')}; need ${bytesToSize(sum - available)} more, or fewer concurrent active workstations` });
  }
  if (diskLeft < floor) {
    findings.push({ key: 'disk', message: `disk below floor: ${diskLine.replace(/^disk: /, '')}` });
  }
  return { lines: [memoryLine, diskLine], findings };
}
