// One writer at a time (issue 13): the homelab's devvm ships an hourly reconciler,
// `t3-provision-users.{timer,service}`, that writes the same host-wide files this product
// writes (the ttyd/t3 maps, the per-person t3-serve@ units and env files, the managed
// Claude settings). Two writers would fight every hour. The site says who writes each file
// (devvm.writers); while the reconciler is installed, every file it writes must stay its
// own. Retiring it is the runbook step "Hand over from the reconciler" (README).
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import type { HostWriters } from '../../src/desired/host-specs';
import { lookUnits } from '../unit-look';
import { hostWriters } from '../host-spec-store';

export const RECONCILER = 't3-provision-users';
export const RECONCILER_UNITS = [`${RECONCILER}.timer`, `${RECONCILER}.service`] as const;
export const HANDOVER_STEP = 'README "Moving today\'s devvm onto the roster", step "Hand over from the reconciler"';

/** Where systemd looks for system unit files (the reconciler's could be in any). */
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

/** The site keys of the writers, in hand-over order, and the files each one covers. */
export const WRITER_FILES: readonly { key: keyof HostWriters; site: string; files: string }[] = [
  { key: 'units', site: 'devvm.writers.units', files: 't3-serve@ units and /etc/t3-serve/<os_user>.env' },
  { key: 'userMaps', site: 'devvm.writers.user_maps', files: '/etc/ttyd-user-map, /etc/ttyd-admins, /etc/t3-serve/dispatch.json' },
  { key: 'managedSettings', site: 'devvm.writers.managed_settings', files: '/etc/claude-code/managed-settings.json' },
];

export interface ReconcilerFound {
  /** Units systemd runs (timer waiting counts as active). */
  readonly active: readonly string[];
  readonly enabled: readonly string[];
  /** Unit files present (a mask, a link to /dev/null, is a retired unit and not listed). */
  readonly files: readonly string[];
}

export const isDetected = (f: ReconcilerFound): boolean => f.active.length + f.enabled.length + f.files.length > 0;

function presentUnitFile(path: string): boolean {
  try {
    // Absent is the usual answer: no exception for it (each costs a stack trace).
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st !== undefined && !(st.isSymbolicLink() && readlinkSync(path) === '/dev/null');
  } catch {
    return false;
  }
}

/** What of the reconciler is on this host; `systemd`: whether systemctl can be asked. */
export function detectReconciler(systemd: boolean): ReconcilerFound {
  const files = [...new Set(UNIT_DIRS.flatMap((d) => RECONCILER_UNITS.map((u) => `${d}/${u}`)).filter(presentUnitFile))];
  if (!systemd) return { active: [], enabled: [], files };
  // One look (agent/unit-look.ts): is-enabled only for units systemd has a file of (after the
  // hand-over, none: two calls in all).
  const look = lookUnits(RECONCILER_UNITS, RECONCILER_UNITS, (u) => u);
  return { active: RECONCILER_UNITS.filter(look.active), enabled: RECONCILER_UNITS.filter(look.enabled), files };
}

export function describeFound(f: ReconcilerFound): string {
  const parts = [
    ...f.active.map((u) => `${u} active`),
    ...f.enabled.map((u) => `${u} enabled`),
    ...(f.files.length ? [`unit files ${f.files.join(', ')}`] : []),
  ];
  return parts.join(', ');
}

/** The writers this product holds (value `workstations`), as their site keys. */
export const ownedWriters = (w: HostWriters): string[] => WRITER_FILES.filter((x) => w[x.key] === 'workstations').map((x) => x.site);

/**
 * Why this product must not write now, or undefined: the reconciler is installed while a
 * file it writes too has `workstations` as its writer. Pure (tests call it directly).
 */
export function reconcilerConflict(writers: HostWriters, found: ReconcilerFound): string | undefined {
  if (!isDetected(found)) return undefined;
  const owned = ownedWriters(writers);
  if (owned.length === 0) return undefined;
  return (
    `the shipped reconciler ${RECONCILER} is still installed (${describeFound(found)}) and writes the same files as ` +
    `${owned.join(', ')} = workstations: two writers would fight. Retire it first (${HANDOVER_STEP}), ` +
    'or keep those writers at reconciler'
  );
}

let cached: { systemd: boolean; found: ReconcilerFound } | undefined;

/** detectReconciler, once per agent run (every writing step asks). */
export function reconcilerOnHost(systemd: boolean): ReconcilerFound {
  if (!cached || cached.systemd !== systemd) cached = { systemd, found: detectReconciler(systemd) };
  return cached.found;
}

/** Preflight's check: the conflict, if any, with the writers the `host` command stored. */
export function reconcilerPreflight(): string[] {
  const conflict = reconcilerConflict(hostWriters(), reconcilerOnHost(existsSync('/run/systemd/system')));
  return conflict ? [conflict] : [];
}
