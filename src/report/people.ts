// Human summaries of the derived desired state, printed by validate and synth.
import type { DesiredState } from '../desired/types';
import { TIER_NAMES } from '../roster/values';
import { renderTable } from './table';

export function workstationLabel(p: DesiredState['people'][number]): string {
  return p.workstation ? p.workstation.state : 'none';
}

/** The people table; with `resources`, a column counting each person's Terraform resources. */
export function peopleTable(desired: DesiredState, resources?: ReadonlyMap<string, number>): string {
  const header = ['os_user', 'tier', 'namespaces', 'workstation', ...(resources ? ['resources'] : [])];
  return renderTable(
    header,
    desired.people.map((p) => [
      p.osUser, p.tier, p.namespaces.join(',') || '-', workstationLabel(p),
      ...(resources ? [String(resources.get(p.osUser) ?? 0)] : []),
    ]),
  );
}

/** One line: how many people per tier and how many workstations are active or parked. */
export function summaryLine(file: string, desired: DesiredState): string {
  const count = (pred: (p: DesiredState['people'][number]) => boolean) => desired.people.filter(pred).length;
  const tiers = TIER_NAMES.map((t) => `${count((p) => p.tier === t)} ${t}`).join(', ');
  const active = count((p) => p.workstation?.state === 'active');
  const parked = count((p) => p.workstation?.state === 'parked');
  return `${file}: valid: ${desired.people.length} people (${tiers}); workstations: ${active} active, ${parked} parked`;
}
