// The last desired state each person was converged to, kept on the host so that the
// admin's host commands (cutover, plan, status) work from what Terraform last applied.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './atomic';
import { safeRead } from './safe-read';
import { WorkstationState } from './input';
import { STATE_DIR } from './paths';
import { defaultWebKey } from '../src/roster/values';

const DIR = `${STATE_DIR}/desired`;

export function storeDesired(ws: WorkstationState): void {
  mkdirSync(DIR, { recursive: true, mode: 0o700 });
  const file = `${DIR}/${ws.osUser}.json`;
  const text = `${JSON.stringify(ws, null, 2)}\n`;
  // Already so (every no-op converge): no temp file, no fsync, no rename.
  if (storedAs(file, text)) return;
  writeFileAtomic(file, text, { mode: 0o600, uid: 0, gid: 0 });
}

/** `file` is a regular file of root's, mode 0600, holding exactly `text` (read by safeRead: no link followed). */
function storedAs(file: string, text: string): boolean {
  try {
    return (lstatSync(file).mode & 0o7777) === 0o600 && safeRead(file, { owner: 0 }).toString('utf8') === text;
  } catch {
    return false;
  }
}

/**
 * A stored state; one stored before the web key was part of the input gets the default
 * (the local part of the Authentik username), as derive gives it when the roster says nothing.
 */
function parseStored(text: string): WorkstationState {
  const json = JSON.parse(text) as Record<string, unknown>;
  if (json && typeof json === 'object' && json.webKey === undefined && typeof json.authentikUser === 'string') json.webKey = defaultWebKey(json.authentikUser);
  return WorkstationState.parse(json);
}

export function loadDesired(osUser: string): WorkstationState | undefined {
  const file = `${DIR}/${osUser}.json`;
  return existsSync(file) ? parseStored(readFileSync(file, 'utf8')) : undefined;
}

export function allDesired(): WorkstationState[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseStored(readFileSync(`${DIR}/${f}`, 'utf8')));
}

/**
 * Offboarded: the person is no longer in the roster, so host commands that work from the
 * last applied state (`plan`, `cutover`) must not act on them any more.
 */
export function forgetDesired(osUser: string): void {
  rmSync(`${DIR}/${osUser}.json`, { force: true });
}
