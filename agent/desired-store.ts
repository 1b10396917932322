// The last desired state each person was converged to, kept on the host so that the
// admin's host commands (cutover, plan, status) work from what Terraform last applied.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './atomic';
import { WorkstationState } from './input';
import { STATE_DIR } from './paths';

const DIR = `${STATE_DIR}/desired`;

export function storeDesired(ws: WorkstationState): void {
  mkdirSync(DIR, { recursive: true, mode: 0o700 });
  writeFileAtomic(`${DIR}/${ws.osUser}.json`, `${JSON.stringify(ws, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

export function loadDesired(osUser: string): WorkstationState | undefined {
  const file = `${DIR}/${osUser}.json`;
  return existsSync(file) ? WorkstationState.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

export function allDesired(): WorkstationState[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => WorkstationState.parse(JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8'))));
}

/**
 * Offboarded: the person is no longer in the roster, so host commands that work from the
 * last applied state (`plan`, `cutover`) must not act on them any more.
 */
export function forgetDesired(osUser: string): void {
  rmSync(`${DIR}/${osUser}.json`, { force: true });
}
