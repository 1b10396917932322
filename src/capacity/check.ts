// Capacity prerequisites at synth time: the devvm is the binding constraint, and
// onboarding active people onto a host without the memory for them ends in OOM kills of
// everyone's sessions. The arithmetic is printed either way, so the plan is explicit.
import type { DesiredState } from '../desired/types';
import type { Site } from '../roster/site-schema';
import { bytesToSize, sizeToBytes } from '../roster/values';

export interface CapacityFinding {
  /** Site key the finding is about (for the error position). */
  readonly key: 'swap' | 'ram' | 'disk';
  /**
   * os_user whose `workstation.memory_max` above the tier budget is what breaks the memory
   * check (the site would fit with the tier budget): the problem is then reported at that
   * roster value, the line to edit, rather than at the site's capacity.
   */
  readonly person?: string;
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
  const tierBudget = (w: (typeof active)[number]) => sizeToBytes(site.memory_budgets[w.tier]);
  const largest = (budgets: { user: string; bytes: number }[]) =>
    [...budgets].sort((a, b) => b.bytes - a.bytes || a.user.localeCompare(b.user)).slice(0, c.max_concurrent_active);
  const total = (budgets: { bytes: number }[]) => budgets.reduce((n, b) => n + b.bytes, 0);
  const concurrent = largest(active.map((w) => ({ user: w.osUser, bytes: sizeToBytes(w.memoryMax) })));
  const sum = total(concurrent);
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
    const arithmetic = memoryLine.replace(/^memory: /, '');
    const need = bytesToSize(sum - available);
    // Overrides above the tier budget among the counted workstations: when the tier
    // budgets would fit, those memory_max values are the cause and the lines to edit.
    const counted = new Set(concurrent.map((b) => b.user));
    const raised = active.filter((w) => counted.has(w.osUser) && sizeToBytes(w.memoryMax) > tierBudget(w));
    const reverted = largest(active.map((w) => ({ user: w.osUser, bytes: Math.min(sizeToBytes(w.memoryMax), tierBudget(w)) })));
    if (raised.length > 0 && total(reverted) <= available) {
      for (const w of raised) {
        findings.push({
          key: 'ram',
          person: w.osUser,
          message: `memory_max ${w.memoryMax} exceeds the devvm's capacity: ${arithmetic}; need ${need} more: lower it (the ${w.tier} budget is ${site.memory_budgets[w.tier]})`,
        });
      }
    } else {
      findings.push({ key: 'ram', message: `capacity exceeded: ${arithmetic}; need ${need} more, or fewer concurrent active workstations` });
    }
  }
  if (diskLeft < floor) {
    findings.push({ key: 'disk', message: `disk below floor: ${diskLine.replace(/^disk: /, '')}` });
  }
  return { lines: [memoryLine, diskLine], findings };
}
