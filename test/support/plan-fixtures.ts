// Small plan JSON fragments in the exact shape `terraform show -json` gives (format 1.2,
// Terraform 1.11.4; the field names and action_reason values were checked against real
// plans of terraform_data with a failed create-time provisioner). For pure guard and
// summary tests; the e2e suites check the same logic on real plans against a test host.
import { devvmAddress, devvmBlockName, devvmShard, unshardedAddress } from '../../src/desired/devvm-addresses';
import type { Action, PlanJson, ResourceChange } from '../../src/plan/plan-json';

export type Kind = 'keep' | 'create' | 'delete' | 'replace' | 'update';

const ACTIONS: Record<Kind, Action[]> = { keep: ['no-op'], create: ['create'], delete: ['delete'], replace: ['delete', 'create'], update: ['update'] };

/** The devvm `account_<shard>[os_user]` instance (uid in triggers_replace, as the stack synthesizes it). */
export function account(u: string, uid: number, kind: Kind, actionReason?: string): ResourceChange {
  const values = { triggers_replace: { os_user: u, uid, host: '10.0.10.10' }, input: { host: '10.0.10.10', port: 22, user: 'root' } };
  return {
    address: devvmAddress('account', u),
    mode: 'managed',
    type: 'terraform_data',
    name: devvmBlockName('account', devvmShard(u)),
    index: u,
    ...(actionReason ? { action_reason: actionReason } : {}),
    change: { actions: ACTIONS[kind], before: kind === 'create' ? null : values, after: kind === 'delete' ? null : values },
  };
}

/** The same instance in the one unsharded block of a state from before 2026-12-01, `account[os_user]`. */
export function unshardedAccount(u: string, uid: number, kind: Kind, actionReason?: string): ResourceChange {
  return { ...account(u, uid, kind, actionReason), address: unshardedAddress('account', u), name: 'account' };
}

/** A person's Vault entity (cluster stack). */
export function entity(u: string, kind: Kind, tier = 'power-user'): ResourceChange {
  const values = { name: u, metadata: { tier } };
  return {
    address: `vault_identity_entity.${u}`,
    mode: 'managed',
    type: 'vault_identity_entity',
    name: u,
    change: { actions: ACTIONS[kind], before: kind === 'create' ? null : values, after: kind === 'delete' ? null : values },
  };
}

export function plan(changes: ResourceChange[], tainted: string[] = []): PlanJson {
  const resources = changes.filter((c) => c.change.before !== null).map((c) => ({ address: c.address, ...(tainted.includes(c.address) ? { tainted: true } : {}) }));
  return { format_version: '1.2', resource_changes: changes, prior_state: { values: { root_module: { resources } } } } as PlanJson;
}

/** N people with accounts and entities; `change` says what the plan does to each one's account. */
export function roster(n: number, change: Record<string, Kind> = {}): PlanJson {
  const people = Array.from({ length: n }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  return plan(people.flatMap((u, i) => [account(u, 1001 + i, change[u] ?? 'keep'), entity(u, change[u] === 'delete' ? 'delete' : 'keep')]));
}
