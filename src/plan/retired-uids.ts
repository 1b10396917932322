// retired_uids bookkeeping: an offboarded person's uid must never be handed out again, and
// only the roster can say so. After an offboard the summary and the apply say which uid to
// add; at plan time the devvm's own tombstones are compared with the roster.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_NODE_OPTIONS, AGENT_PATH } from '../../agent/paths';
import { allHostKeys } from '../roster/host-keys';
import type { Roster } from '../roster/roster-schema';
import type { Site } from '../roster/site-schema';
import type { PlanSummary } from './summary';

export type Tombstones = Readonly<Record<string, { readonly uid: number; readonly date: string }>>;

/** What to tell the admin after an apply that offboarded (or recreated) accounts. */
export function retiredUidReminders(summary: PlanSummary, rosterPath: string): string[] {
  return summary.people
    .filter((p) => p.retiredUid !== undefined)
    .map((p) => `${p.osUser} was offboarded: add uid ${p.retiredUid} to ${rosterPath} retired_uids (it must never be reused)`);
}

/**
 * Pure: one warning per tombstoned uid the roster no longer lists, neither as a person's
 * uid nor in retired_uids (a later onboarding could otherwise reuse it).
 */
export function unretiredTombstoneWarnings(tombstones: Tombstones, roster: Pick<Roster, 'people' | 'retired_uids'>, rosterPath: string): string[] {
  const listed = new Set([...(roster.retired_uids ?? []), ...Object.values(roster.people).map((p) => p.uid)]);
  return Object.entries(tombstones)
    .filter(([, t]) => !listed.has(t.uid))
    .sort(([a, x], [b, y]) => x.uid - y.uid || a.localeCompare(b))
    .map(([u, t]) => `warning: uid ${t.uid} (offboarded ${u} on ${t.date.slice(0, 10)}) is not in retired_uids: add it to ${rosterPath} retired_uids`);
}

export type TombstoneRead = { readonly ok: true; readonly tombstones: Tombstones } | { readonly ok: false; readonly why: string };

/** Parses the agent's `tombstones` output. */
export function parseTombstones(stdout: string): Tombstones {
  const doc = JSON.parse(stdout) as { tombstones?: unknown };
  const t = doc.tombstones;
  if (!t || typeof t !== 'object') throw new Error('no "tombstones" object');
  for (const [u, v] of Object.entries(t)) {
    const e = v as { uid?: unknown; date?: unknown };
    if (!Number.isInteger(e?.uid) || typeof e?.date !== 'string') throw new Error(`bad tombstone for ${u}`);
  }
  return t as Tombstones;
}

/**
 * The OpenSSH known_hosts lines of the site's host keys (port 22 is written bare). All of
 * them: OpenSSH's client prefers the key types it knows for the host, so any of them works.
 */
export function knownHostsLine(site: Pick<Site['devvm'], 'host' | 'port' | 'host_key' | 'host_keys'>): string {
  const name = site.port === 22 ? site.host : `[${site.host}]:${site.port}`;
  return allHostKeys(site).map((k) => `${name} ${k}\n`).join('');
}

/**
 * Asks the devvm for its tombstones over the same SSH the provisioners use: site host,
 * port and user, the site's host keys as the only known ones, keys from the ssh-agent
 * (SSH_AUTH_SOCK), no ssh config file. Never throws: an unreachable host is a reason.
 */
export function readHostTombstones(devvm: Pick<Site['devvm'], 'host' | 'port' | 'user' | 'host_key' | 'host_keys'>, timeoutSeconds = 5): TombstoneRead {
  const dir = mkdtempSync(join(tmpdir(), 'workstations-known-hosts-'));
  try {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, knownHostsLine(devvm), { mode: 0o600 });
    const r = spawnSync(
      'ssh',
      [
        '-F', 'none',
        '-o', 'BatchMode=yes',
        '-o', `UserKnownHostsFile=${knownHosts}`,
        '-o', 'GlobalKnownHostsFile=none',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', `ConnectTimeout=${timeoutSeconds}`,
        '-o', 'PasswordAuthentication=no',
        '-o', 'KbdInteractiveAuthentication=no',
        '-p', String(devvm.port),
        '-l', devvm.user,
        '--', devvm.host,
        'node', ...AGENT_NODE_OPTIONS, AGENT_PATH, 'tombstones',
      ],
      { encoding: 'utf8', timeout: (timeoutSeconds + 10) * 1000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (r.error) return { ok: false, why: r.error.message };
    if (r.status !== 0) return { ok: false, why: whyFailed(r.status, r.stderr ?? '') };
    try {
      return { ok: true, tombstones: parseTombstones(r.stdout) };
    } catch (err) {
      return { ok: false, why: `unexpected answer from the agent: ${(err as Error).message}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for a failed `ssh ... agent.js tombstones` (255 is ssh's own failure). */
export function whyFailed(status: number | null, stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  if (status === 255) return lines.pop() ?? 'ssh failed';
  if (stderr.includes('Cannot find module')) return `the agent is not installed there yet (${AGENT_PATH})`;
  if (stderr.includes('usage: agent.js')) return 'the agent there has no tombstones command yet (an apply installs this version)';
  return `agent.js tombstones exited ${status}: ${lines.find((l) => /error/i.test(l)) ?? lines.pop() ?? ''}`;
}

/** The plan-time lines: warnings, or one line saying the check could not run. */
export function tombstoneCheckLines(read: TombstoneRead, roster: Pick<Roster, 'people' | 'retired_uids'>, rosterPath: string, host: string): string[] {
  if (!read.ok) return [`note: could not read the offboarding tombstones from the devvm ${host} (${read.why}); retired_uids not checked against it`];
  return unretiredTombstoneWarnings(read.tombstones, roster, rosterPath);
}

const isLoopback = (host: string) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';

/**
 * The check `npm run plan` runs when it plans the devvm stack. WORKSTATIONS_NO_HOST_CHECK=1
 * turns it off; with WORKSTATIONS_LOCAL_STATE_DIR (development and tests only) it runs only
 * against a loopback devvm, so a test planning the example site never reaches for a real host.
 */
export function planTimeTombstoneCheck(inputs: { readonly roster: Roster; readonly site: Site }, rosterPath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const devvm = inputs.site.devvm;
  if (env.WORKSTATIONS_NO_HOST_CHECK === '1') return [];
  if (env.WORKSTATIONS_LOCAL_STATE_DIR && !isLoopback(devvm.host)) return [];
  return tombstoneCheckLines(readHostTombstones(devvm), inputs.roster, rosterPath, `${devvm.host}:${devvm.port}`);
}
