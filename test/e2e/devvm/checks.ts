// Assertions shared by the devvm e2e files: what an agent output line looks like, how a
// kubeconfig, a locked clone and a slice drop-in must look on the host.
import { parse } from 'yaml';
import { devvmBlockKind } from '../../../src/desired/devvm-addresses';
import { GITCRYPT_MAGIC } from '../../harness/infra-fixture';
import type { TestHost } from '../../harness/host';

export const STEP_LINE = /^(\S+): (.+?): (changed|ok|skipped|FAILED)( \(.*\))?$/;

/** The step outcomes of agent output lines: [step, outcome, detail]. */
export function outcomes(lines: string[]): [string, string, string][] {
  return lines.map((l) => {
    const m = STEP_LINE.exec(l);
    if (!m) throw new Error(`not an agent step line: ${JSON.stringify(l)}`);
    return [m[2], m[3], (m[4] ?? '').replace(/^ \((.*)\)$/, '$1')];
  });
}

export interface Kubeconfig {
  'current-context': string;
  clusters: { name: string; cluster: { server: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  users: { name: string; user: { exec: { apiVersion: string; command: string; args: string[]; interactiveMode: string } } }[];
}

export async function readKubeconfig(h: TestHost, user: string): Promise<Kubeconfig> {
  return parse(await h.readFile(`/home/${user}/.kube/config`)) as Kubeconfig;
}

/** Every encrypted path checks out as ciphertext, no key is present, filters are `cat`. */
export async function expectLockedClone(h: TestHost, user: string, dir: string, encryptedPaths: string[]): Promise<void> {
  for (const p of encryptedPaths) {
    const head = (await h.readFileBuffer(`${dir}/${p}`)).subarray(0, 10).toString('latin1');
    expect([p, head]).toEqual([p, GITCRYPT_MAGIC]);
  }
  expect(await h.exists(`${dir}/.git/git-crypt`)).toBe(false);
  const cfg = await h.execOk(['git', '-C', dir, 'config', '--local', '--get-regexp', '^filter\\.git-crypt\\.'], { user });
  expect(cfg.stdout.trim().split('\n').sort()).toEqual([
    'filter.git-crypt.clean cat',
    'filter.git-crypt.required false',
    'filter.git-crypt.smudge cat',
  ]);
  expect((await h.execOk(['git', '-C', dir, 'status', '--porcelain'], { user })).stdout).toBe('');
}

export function sliceDropInText(user: string, tier: string, memoryMax: string): string {
  return [
    `# Managed by devvm-workstations: memory budget of ${user} (RBAC tier ${tier}).`,
    '[Slice]',
    `MemoryMax=${memoryMax}`,
    'MemorySwapMax=0',
    'MemoryHigh=infinity',
    '',
  ].join('\n');
}

/** Starts `argv` as `user` in the background inside the host (no tty); returns its pid. */
export async function startAs(h: TestHost, user: string, argv: string[]): Promise<number> {
  const r = await h.execOk(['sh', '-c', 'u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups -- "$@" </dev/null >/dev/null 2>&1 & echo $!', 'sh', user, ...argv]);
  return Number(r.stdout.trim());
}

export async function alive(h: TestHost, pid: number): Promise<boolean> {
  return (await h.exec(['kill', '-0', String(pid)])).code === 0;
}

/**
 * [address, actions] of the per-person resources in a plan (host-wide ones vary by design):
 * every instance of an `account`/`profile` block, sharded (`account_3`) or the old unsharded
 * one, so an instance left at an old address shows up in the comparison instead of hiding.
 */
export function personChanges(plan: { resource_changes?: { address: string; change: { actions: string[] } }[] }): Record<string, string> {
  return Object.fromEntries(
    (plan.resource_changes ?? [])
      .filter((c) => devvmBlockKind(/^terraform_data\.([^.[]+)\[/.exec(c.address)?.[1] ?? '') !== undefined)
      .map((c) => [c.address, c.change.actions.join(',')]),
  );
}
