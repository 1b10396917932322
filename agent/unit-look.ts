// What systemd says of a few units, in three systemctl calls rather than three or four per
// unit: each call is a D-Bus round trip, about 16 ms on the systemd test host, and a no-op
// converge asked six to twelve of them for one person (docs/bench.md, converge). Each
// batched call answers what the call for one unit answers:
//  - `systemctl list-unit-files --no-legend --no-pager <names>`: one line per installed unit
//    file, its name first. The names hold no glob character, so each matches only itself;
//  - `systemctl is-enabled <units>`: one state per unit, in order. It stops at the first unit
//    whose file it cannot find: with fewer lines than units, each unit is asked alone;
//  - `systemctl is-active <units>`: one ActiveState per unit, in order (a unit systemd does
//    not know is `inactive`). is-active's exit status counts `active` and `reloading` (from
//    systemd 256 also `refreshing`) as active; is-failed counts `failed`.
// A look is a moment: a step that acts on a unit asks systemd again afterwards (liveUnits).
import { probe } from './exec';

export interface UnitLook {
  /** Whether systemd has this unit file (a template, for instances). */
  readonly installed: (unitFile: string) => boolean;
  /** Enabled by an install link (`static` units exit 0 from is-enabled too, and do not count). */
  readonly enabled: (unit: string) => boolean;
  readonly active: (unit: string) => boolean;
  readonly failed: (unit: string) => boolean;
}

const ENABLED = ['enabled', 'enabled-runtime'];
const ACTIVE = ['active', 'reloading', 'refreshing'];

/** `systemctl <verb> <unit>` for one unit: its printed state. */
const stateOf = (verb: string, unit: string) => probe('systemctl', [verb, unit]).stdout.trim();

/** Each unit's state from one `systemctl <verb> <units>`, or from one call per unit when that answer is short. */
function statesOf(verb: 'is-enabled' | 'is-active', units: readonly string[]): Map<string, string> {
  if (units.length === 0) return new Map();
  const lines = probe('systemctl', [verb, ...units]).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  return new Map(units.map((u, i) => [u, lines.length === units.length ? lines[i] : stateOf(verb, u)]));
}

function installedOf(unitFiles: readonly string[]): Set<string> {
  if (unitFiles.length === 0) return new Set();
  const r = probe('systemctl', ['list-unit-files', '--no-legend', '--no-pager', ...unitFiles]);
  const listed = new Set(r.status === 0 ? r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean) : []);
  return new Set(unitFiles.filter((f) => listed.has(f)));
}

/**
 * One look at `units` and the unit files `unitFiles`. `fileOf`: the unit file a unit is an
 * instance of; is-enabled is asked only for units whose file is installed (for any other it
 * stops with an error, and the answer is "not enabled" anyway).
 */
export function lookUnits(units: readonly string[], unitFiles: readonly string[], fileOf: (unit: string) => string): UnitLook {
  const installed = installedOf(unitFiles);
  const enabled = statesOf('is-enabled', units.filter((u) => installed.has(fileOf(u))));
  const active = statesOf('is-active', units);
  // Anything the look was not made for is asked live.
  const looked = (u: string) => units.includes(u);
  return {
    installed: (f) => (unitFiles.includes(f) ? installed.has(f) : liveUnits.installed(f)),
    enabled: (u) => (looked(u) ? ENABLED.includes(enabled.get(u) ?? '') : liveUnits.enabled(u)),
    active: (u) => (looked(u) ? ACTIVE.includes(active.get(u) ?? '') : liveUnits.active(u)),
    failed: (u) => (looked(u) ? active.get(u) === 'failed' : liveUnits.failed(u)),
  };
}

/** Asks systemd each time, one unit per call (after a step acted, and where no look was made). */
export const liveUnits: UnitLook = {
  installed: (f) => {
    const r = probe('systemctl', ['list-unit-files', '--no-legend', '--no-pager', f]);
    return r.status === 0 && r.stdout.trim() !== '';
  },
  enabled: (u) => ENABLED.includes(stateOf('is-enabled', u)),
  active: (u) => probe('systemctl', ['is-active', '--quiet', u]).status === 0,
  failed: (u) => probe('systemctl', ['is-failed', '--quiet', u]).status === 0,
};
