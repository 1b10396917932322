// Looking at and acting inside a devvm test host: the installed agent, /etc/shadow,
// group membership, and fingerprints (sha256 + mtime) of every file the agent manages.
import type { TestHost } from '../../harness/host';
import type { RunResult } from '../../harness/run';

import { AGENT_NODE_OPTIONS, AGENT_PATH, STATE_FILE } from '../../../agent/paths';

export { STATE_FILE };
export const AGENT = AGENT_PATH;
/** The site's config_base repository inside the host (a bare repo made by createConfigBase). */
export const CONFIG_BASE_REPO = '/srv/git/config-base.git';

/** Runs the installed agent inside the host (chroot), as root, as the provisioners start it. */
export function agent(h: TestHost, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return h.exec(['node', ...AGENT_NODE_OPTIONS, AGENT, ...args], opts);
}

/** Output lines of an agent run or a terraform apply that belong to `user`. */
export function linesOf(output: string, user: string): string[] {
  return output.split('\n').map((l) => l.replace(/^.*?\(remote-exec\): /, '').trim()).filter((l) => l.startsWith(`${user}: `));
}

export interface ShadowEntry {
  password: string;
  /** Field 8: account expiry, days since 1970-01-01 ('' = never). */
  expire: string;
  line: string;
}

export async function shadowOf(h: TestHost, user: string): Promise<ShadowEntry | undefined> {
  const line = (await h.readFile('/etc/shadow')).split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) return undefined;
  const f = line.split(':');
  return { password: f[1], expire: f[7], line };
}

export async function uidOf(h: TestHost, user: string): Promise<number> {
  return Number((await h.execOk(['id', '-u', user])).stdout.trim());
}

/** Supplementary + primary group names, sorted. */
export async function groupsOf(h: TestHost, user: string): Promise<string[]> {
  return (await h.execOk(['id', '-nG', user])).stdout.trim().split(/\s+/).sort();
}

export interface HostState {
  files: Record<string, { sha256: string; previous?: string }>;
  ports: Record<string, number>;
  tombstones: Record<string, { uid: number; date: string; archive: string; sha256: string }>;
}

export async function hostState(h: TestHost): Promise<HostState> {
  return JSON.parse(await h.readFile(STATE_FILE)) as HostState;
}

/** path -> "sha256 mtime(ns) mode uid:gid" of every file in the agent's ledger. */
export async function fingerprints(h: TestHost): Promise<Record<string, string>> {
  const paths = Object.keys((await hostState(h)).files).sort();
  const out: Record<string, string> = {};
  if (paths.length === 0) return out;
  const sums = (await h.execOk(['sha256sum', '--', ...paths])).stdout.trim().split('\n');
  const stats = (await h.execOk(['stat', '-c', '%y %a %u:%g', '--', ...paths])).stdout.trim().split('\n');
  paths.forEach((p, i) => {
    out[p] = `${sums[i].split(' ')[0]} ${stats[i]}`;
  });
  return out;
}

/** A tiny bare repo for the site's config_base, laid out like the chezmoi dotfiles repo (dot_claude/), readable by the mirror account. */
export async function createConfigBase(h: TestHost): Promise<void> {
  const env = { GIT_AUTHOR_NAME: 'f', GIT_AUTHOR_EMAIL: 'f@example.invalid', GIT_COMMITTER_NAME: 'f', GIT_COMMITTER_EMAIL: 'f@example.invalid', GIT_CONFIG_GLOBAL: '/dev/null' };
  const work = '/tmp/config-base-work';
  await h.execOk(['git', 'init', '-q', '-b', 'main', work], { env });
  await h.execOk(['sh', '-c', 'mkdir -p "$1/dot_claude/skills/review" && printf -- "---\\nname: review\\ndescription: e2e fixture skill\\n---\\n# review\\n" > "$1/dot_claude/skills/review/SKILL.md"', 'sh', work]);
  await h.execOk(['git', '-C', work, 'add', '-A'], { env });
  await h.execOk(['git', '-C', work, 'commit', '-q', '-m', 'config base'], { env });
  await h.execOk(['git', 'clone', '-q', '--bare', work, CONFIG_BASE_REPO], { env });
  await h.execOk(['rm', '-rf', work]);
  // The agent checks the Config base out as the unprivileged workstations-mirror account
  // (agent/mirror-account.ts), like a network remote anyone may read: world-readable, and
  // (root-owned, so git would call it "dubious ownership" for any other user) a safe.directory.
  await h.execOk(['chmod', '-R', 'a+rX', CONFIG_BASE_REPO]);
  const safe = await h.exec(['git', 'config', '--system', '--get-all', 'safe.directory']);
  if (!safe.stdout.split('\n').includes(CONFIG_BASE_REPO)) await h.execOk(['git', 'config', '--system', '--add', 'safe.directory', CONFIG_BASE_REPO]);
}
