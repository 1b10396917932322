// Capacity prerequisites at synth time, modelled on how the homelab runs the devvm: every
// user slice has a MemoryMax (by default one budget for everyone, equal to the t3-serve@
// cap), and the sum of the budgets deliberately exceeds RAM + swap (budgets are caps, not
// use; earlyoom is the last resort). So the check refuses only what cannot work:
//   - one budget larger than the devvm can give a single person (RAM + swap - headroom):
//     that session would be OOM-killed before reaching its own cap;
//   - an overcommit ratio (active budgets / (RAM + swap)) above the site's max_overcommit;
//   - swap 0, and disk below its floor.
// The arithmetic is printed either way, so the plan is explicit.
import type { DesiredState, WorkstationState } from '../desired/types';
import type { Site } from '../roster/site-schema';
import { bytesToSize, sizeToBytes, Tier } from '../roster/values';

export interface CapacityFinding {
  /** Site key the finding is about (for the error position when neither person nor tier is set). */
  readonly key: 'swap' | 'memory' | 'max_overcommit' | 'disk';
  /**
   * os_user whose own `workstation.memory_max` is what breaks the check: the problem is
   * then reported at that roster value, the line to edit.
   */
  readonly person?: string;
  /** Tier whose site budget (`memory_budgets.<tier>`) is what breaks the check. */
  readonly tier?: Tier;
  readonly message: string;
}

export interface CapacityReport {
  readonly lines: readonly string[];
  readonly findings: readonly CapacityFinding[];
}

/** A ratio as printed: at most two decimals, no trailing zeros (2.4, 0.6, 3.33). */
export function formatRatio(ratio: number): string {
  return String(Math.round(ratio * 100) / 100);
}

export function checkCapacity(desired: DesiredState, site: Site): CapacityReport {
  const c = site.capacity;
  const ram = sizeToBytes(c.ram);
  const swap = sizeToBytes(c.swap);
  const headroom = sizeToBytes(c.headroom);
  const active = desired.people.flatMap((p) => (p.workstation?.state === 'active' ? [p.workstation] : []));
  const withAccount = desired.people.filter((p) => p.workstation).length;
  const tierBudget = (w: WorkstationState) => site.memory_budgets[w.tier];
  // A budget equal to the tier's is the site's to change; a different one is the person's.
  const ownBudget = (w: WorkstationState) => sizeToBytes(w.memoryMax) !== sizeToBytes(tierBudget(w));
  const bytes = (w: WorkstationState) => sizeToBytes(w.memoryMax);

  const perPerson = ram + swap - headroom;
  const perPersonText = `RAM ${c.ram} + swap ${c.swap} - headroom ${c.headroom} = ${bytesToSize(Math.max(perPerson, 0))}`;
  const pool = ram + swap;
  const poolText = `RAM ${c.ram} + swap ${c.swap} = ${bytesToSize(pool)}`;

  const overcommit = (budgets: readonly number[]) => budgets.reduce((n, b) => n + b, 0) / pool;
  const ratio = overcommit(active.map(bytes));
  const sum = active.reduce((n, w) => n + bytes(w), 0);
  const same = active.every((w) => w.memoryMax === active[0].memoryMax);
  const terms =
    active.length === 0 ? '0 active = 0'
      : same ? `${active.length} active x ${active[0].memoryMax} = ${bytesToSize(sum)}`
        : `${active.length} active (${active.map((w) => `${w.osUser} ${w.memoryMax}`).join(' + ')}) = ${bytesToSize(sum)}`;
  const overcommitText = `${terms} against ${poolText}: ${formatRatio(ratio)}x (max_overcommit ${c.max_overcommit})`;

  const largest = [...active].sort((a, b) => bytes(b) - bytes(a) || a.osUser.localeCompare(b.osUser))[0];
  const lines = [
    `overcommit: ${overcommitText}`,
    `per person: largest active budget ${largest ? `${largest.osUser} ${largest.memoryMax}` : 'none'}; at most ${perPersonText}`,
  ];

  const disk = sizeToBytes(c.disk);
  const perWs = sizeToBytes(c.disk_per_workstation);
  const floor = sizeToBytes(c.disk_floor);
  const diskLeft = disk - withAccount * perWs;
  const diskLine = `disk: ${c.disk} - ${withAccount} workstation(s) x ${c.disk_per_workstation} = ${bytesToSize(Math.max(diskLeft, 0))}${diskLeft < 0 ? ` (short by ${bytesToSize(-diskLeft)})` : ''}; floor ${c.disk_floor}`;
  lines.push(diskLine);
  if (c.max_concurrent_active !== undefined) {
    lines.push('note: capacity.max_concurrent_active is deprecated and ignored (every active budget counts against max_overcommit): remove it');
  }

  const findings: CapacityFinding[] = [];
  if (swap === 0) {
    findings.push({ key: 'swap', message: 'swap is 0: add swap to the devvm first (with swap 0 the OOM killer, not the memory caps, decides; BRIEF section 5)' });
  }

  // One budget alone too large: at the person's memory_max, or once at the tier's budget.
  const reported = new Set<string>();
  const tooLarge = active.filter((w) => bytes(w) > perPerson);
  for (const w of tooLarge.filter(ownBudget)) {
    reported.add(w.osUser);
    findings.push({
      key: 'memory',
      person: w.osUser,
      message: `memory_max ${w.memoryMax} alone exceeds what the devvm can give one person: ${perPersonText}: lower it (the ${w.tier} budget is ${tierBudget(w)})`,
    });
  }
  const tiers = [...new Set(tooLarge.filter((w) => !ownBudget(w)).map((w) => w.tier))];
  for (const tier of tiers) {
    const users = tooLarge.filter((w) => !ownBudget(w) && w.tier === tier).map((w) => w.osUser);
    findings.push({
      key: 'memory',
      tier,
      message: `the ${tier} budget ${site.memory_budgets[tier]} alone exceeds what the devvm can give one person: ${perPersonText} (active at this budget: ${users.join(', ')})`,
    });
  }

  if (ratio > c.max_overcommit) {
    // Overrides above the tier budget: when the tier budgets would fit, those memory_max
    // values are the cause and the lines to edit.
    const raised = active.filter((w) => bytes(w) > sizeToBytes(tierBudget(w)));
    const reverted = overcommit(active.map((w) => Math.min(bytes(w), sizeToBytes(tierBudget(w)))));
    if (raised.length > 0 && reverted <= c.max_overcommit) {
      for (const w of raised.filter((r) => !reported.has(r.osUser))) {
        findings.push({
          key: 'max_overcommit',
          person: w.osUser,
          message: `memory_max ${w.memoryMax} takes the overcommit above max_overcommit: ${overcommitText}: lower it (the ${w.tier} budget is ${tierBudget(w)})`,
        });
      }
    } else {
      findings.push({
        key: 'max_overcommit',
        message: `overcommit ${formatRatio(ratio)}x is above max_overcommit ${c.max_overcommit}: ${overcommitText}; add RAM or swap, lower the budgets or park someone`,
      });
    }
  }
  if (diskLeft < floor) {
    findings.push({ key: 'disk', message: `disk below floor: ${diskLine.replace(/^disk: /, '')}` });
  }
  return { lines, findings };
}
