// The agent's memory on the host (/var/lib/workstations/state.json): which files it
// wrote (path -> sha256, so it never overwrites a file it did not write), sticky
// per-person ports (never handed to anyone else), and offboarding tombstones.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { removeStaleTemps, writeFileAtomic } from './atomic';
import { STATE_FILE } from './paths';

const LedgerEntry = z.strictObject({
  /** sha256 of what the agent last wrote. */
  sha256: z.string(),
  /** sha256 of the version before, so a crash between ledger and rename is still ours. */
  previous: z.string().optional(),
});

const Tombstone = z.strictObject({
  uid: z.number().int(),
  date: z.string(),
  archive: z.string(),
  sha256: z.string(),
});

/**
 * An offboarding that could not end every process of the uid (a tombstone marked incomplete):
 * the account is locked, nothing was archived, the real tombstone is not written. Kept until
 * an offboarding of that uid completes (or the person is onboarded again).
 */
const IncompleteTombstone = z.strictObject({
  uid: z.number().int(),
  date: z.string(),
  status: z.literal('incomplete'),
  /** What still ran after the last kill round: pid and command name (/proc/<pid>/comm). */
  survivors: z.array(z.strictObject({ pid: z.number().int(), command: z.string() })),
});
export type IncompleteTombstone = z.infer<typeof IncompleteTombstone>;

export const HostState = z.strictObject({
  version: z.literal(1),
  files: z.record(z.string(), LedgerEntry),
  ports: z.record(z.string(), z.number().int()),
  tombstones: z.record(z.string(), Tombstone),
  /** Offboardings that left processes running (state files before it have none). */
  incomplete: z.record(z.string(), IncompleteTombstone).default({}),
});
export type HostState = z.infer<typeof HostState>;

export function emptyState(): HostState {
  return { version: 1, files: {}, ports: {}, tombstones: {}, incomplete: {} };
}

export function loadState(file = STATE_FILE): HostState {
  // A run killed while saving leaves a temp file; a later run with nothing to save would keep it.
  removeStaleTemps(file);
  if (!existsSync(file)) return emptyState();
  return HostState.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function saveState(state: HostState, file = STATE_FILE): void {
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

/** The sticky port of a person, allocating the lowest never-used one. */
export function portOf(state: HostState, osUser: string, first: number): number {
  // Own keys only: an os_user such as `constructor` must not find Object.prototype's.
  const existing = Object.hasOwn(state.ports, osUser) ? state.ports[osUser] : undefined;
  if (existing !== undefined) return existing;
  const used = new Set(Object.values(state.ports));
  let port = first;
  while (used.has(port)) port++;
  state.ports[osUser] = port;
  return port;
}
