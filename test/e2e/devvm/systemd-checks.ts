// What systemd itself reports inside the systemd test host (systemd-host.ts): unit
// states, slice properties, logind's users, sessions and linger, and a person's live
// processes. The systemd e2e files assert on these, never on the files the agent wrote.
import { sizeToBytes } from '../../../src/roster/values';
import type { SystemdTestHost } from '../../harness/systemd-host';
import type { Terraform } from '../../harness/terraform';

/** `systemctl is-enabled` / `is-active` / `is-failed` of one unit, as systemctl prints them. */
export async function unitState(h: SystemdTestHost, unit: string): Promise<{ enabled: string; active: string; failed: boolean }> {
  const enabled = (await h.exec(['systemctl', 'is-enabled', unit])).stdout.trim();
  const active = (await h.exec(['systemctl', 'is-active', unit])).stdout.trim();
  const failed = (await h.exec(['systemctl', 'is-failed', '--quiet', unit])).code === 0;
  return { enabled, active, failed };
}

/** `systemctl show <unit> -p ...` as a record. */
export async function show(h: SystemdTestHost, unit: string, props: string[]): Promise<Record<string, string>> {
  const out = (await h.execOk(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])])).stdout;
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The slice properties systemd reports for a budget, e.g. "16G" -> MemoryMax=17179869184. */
export function sliceBudget(memoryMax: string): Record<string, string> {
  return { MemoryMax: String(sizeToBytes(memoryMax)), MemorySwapMax: '0', MemoryHigh: 'infinity' };
}

export async function sliceOf(h: SystemdTestHost, uid: number): Promise<Record<string, string>> {
  return show(h, `user-${uid}.slice`, ['MemoryMax', 'MemorySwapMax', 'MemoryHigh']);
}

/** Users logind knows (logged in or lingering). */
export async function loginUsers(h: SystemdTestHost): Promise<string[]> {
  const out = (await h.execOk(['loginctl', 'list-users', '--no-legend'])).stdout;
  return out.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[1]).sort();
}

/**
 * logind's State of `user` ("active", "online", "lingering", "closing"), or "absent".
 * A user whose sessions were killed can stay "closing" (no session, no process) until
 * logind collects it.
 */
export async function loginStateOf(h: SystemdTestHost, user: string): Promise<string> {
  const r = await h.exec(['loginctl', 'show-user', user, '-p', 'State', '--value']);
  return r.code === 0 ? r.stdout.trim() : 'absent';
}

/** Session ids of `user` (`loginctl list-sessions`). */
export async function sessionsOf(h: SystemdTestHost, user: string): Promise<string[]> {
  const out = (await h.execOk(['loginctl', 'list-sessions', '--no-legend'])).stdout;
  return out.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)).filter((f) => f[2] === user).map((f) => f[0]);
}

/** logind's Linger property of `user`, or "no" when logind does not know them at all. */
export async function lingerOf(h: SystemdTestHost, user: string): Promise<string> {
  const r = await h.exec(['loginctl', 'show-user', user, '-p', 'Linger', '--value']);
  return r.code === 0 ? r.stdout.trim() : 'no';
}

/** pids of `uid`'s processes (`pgrep -u`). */
export async function pidsOf(h: SystemdTestHost, uid: number): Promise<number[]> {
  const out = (await h.exec(['pgrep', '-u', String(uid)])).stdout;
  return out.trim().split('\n').filter(Boolean).map(Number);
}

/** Supplementary gids a live process carries (/proc/<pid>/status `Groups:`). */
export async function groupsOfProcess(h: SystemdTestHost, pid: number): Promise<number[]> {
  const r = await h.exec(['cat', `/proc/${pid}/status`]);
  const line = r.stdout.split('\n').find((l) => l.startsWith('Groups:')) ?? 'Groups:';
  return line.slice('Groups:'.length).trim().split(/\s+/).filter(Boolean).map(Number);
}

export async function gidOf(h: SystemdTestHost, group: string): Promise<number> {
  return Number((await h.execOk(['getent', 'group', group])).stdout.split(':')[2]);
}

/**
 * Starts `sleep` inside a real SSH login session of `user` that outlives the ssh command
 * (logind keeps the session while a process of it runs); returns its pid.
 */
export async function backgroundSession(h: SystemdTestHost, user: string): Promise<number> {
  const r = await h.ssh(user, ['sh', '-c', 'setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!']);
  if (r.code !== 0) throw new Error(`ssh ${user}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** No step on the systemd host may have been skipped for want of systemd. */
export function expectSystemdRan(output: string): void {
  expect(output.split('\n').filter((l) => /no systemd/.test(l))).toEqual([]);
}

/** plan + apply, asserting that systemd was there for every step. */
export async function applyOnSystemd(tf: Terraform): Promise<string> {
  const { output } = await tf.planAndApply();
  expectSystemdRan(output);
  return output;
}
