// "Nothing outside the attacker's own files changed": a content fingerprint of whole trees
// inside the test host (type, mode, owner, link target, sha256 of every regular file), taken
// before and after a hostile person's attack, then compared path by path. Mtimes are left
// out on purpose: the agent rewrites its state file with the same content on every run.
import { AGENT_DIR } from '../../../agent/paths';
import type { TestHost } from '../../harness/host';

/** Trees an attack must never change (plus the other people's homes, added per test). */
export const GUARDED = ['/etc', '/root', '/usr/local/lib', '/var/lib/workstations'];

/** Paths that legitimately change on every agent run (the lock comes and goes; mirror stamps). */
const VOLATILE = [/^\/var\/lib\/workstations\/agent\.lock/, /^\/var\/lib\/workstations\/mirrors\/[^/]+\/(FETCH_STAMP|FETCH_HEAD)$/];

/** `<sha16>.<command>[.<options tag>].v8cache` directly in the agent's directory (agent/loader.ts cacheFileName). */
const isAgentCache = (p: string) => p.startsWith(`${AGENT_DIR}/`) && /^[0-9a-f]{16}\.[a-z][a-z-]*(\.[0-9a-f]{8})?\.v8cache$/.test(p.slice(AGENT_DIR.length + 1));

const SCRIPT = [
  'set -e',
  // -xdev: /proc and the like are other filesystems; the overlay root is one.
  `find "$@" -xdev -printf '%y %m %U:%G %p\\t%l\\n'`,
  `find "$@" -xdev -type f -print0 | xargs -0 -r sha256sum | sed 's/^\\([0-9a-f]*\\)  \\(.*\\)$/sha \\1 \\2/'`,
].join('\n');

export type TreeState = Map<string, string>;

export async function treeState(h: TestHost, roots: string[]): Promise<TreeState> {
  const present: string[] = [];
  for (const r of roots) if (await h.exists(r)) present.push(r);
  const out = (await h.execOk(['sh', '-c', SCRIPT, 'sh', ...present], { timeoutMs: 120_000 })).stdout;
  const state: TreeState = new Map();
  for (const line of out.split('\n').filter(Boolean)) {
    if (line.startsWith('sha ')) {
      const [, sum, ...rest] = line.split(' ');
      const path = rest.join(' ');
      state.set(path, `${state.get(path) ?? ''} sha256=${sum}`);
    } else {
      const [meta, link] = line.split('\t');
      const [type, mode, owner, ...rest] = meta.split(' ');
      const path = rest.join(' ');
      state.set(path, `${type} ${mode} ${owner}${link ? ` -> ${link}` : ''}${state.get(path) ?? ''}`);
    }
  }
  for (const p of [...state.keys()]) if (VOLATILE.some((re) => re.test(p))) state.delete(p);
  // The agent's code cache (agent/loader.ts) appears when a command first runs. It is left out
  // only as what the loader writes: a regular file, 0600, root's; anything else is a change.
  for (const [p, v] of [...state]) if (isAgentCache(p) && v.startsWith('f 600 0:0 ')) state.delete(p);
  return state;
}

/** Every path whose fingerprint differs, appeared or vanished (empty: nothing changed). */
export function treeChanges(before: TreeState, after: TreeState): string[] {
  const changes: string[] = [];
  for (const [p, v] of before) {
    if (!after.has(p)) changes.push(`removed ${p}`);
    else if (after.get(p) !== v) changes.push(`changed ${p}: ${v} => ${after.get(p)}`);
  }
  for (const p of after.keys()) if (!before.has(p)) changes.push(`added ${p}`);
  return changes;
}
