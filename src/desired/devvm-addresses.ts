// Where each person's devvm instances live in the `workstations-devvm` stack. The per-person
// blocks are split into SHARDS: `terraform_data.account_<h>` and `terraform_data.profile_<h>`,
// where <h> is the first hex digit of sha256(os_user). Why: Terraform 1.11.4 plans one
// for_each block in time that grows faster than its instance count; 16 blocks of the same
// instances plan in about 0.7x the CPU time at 1000 people (docs/bench.md).
// The shard is a pure function of the os_user, so a person's address never changes with
// the roster, and `printf %s emo | sha256sum | cut -c1` says where to look.
// Every `account` instance still lives in a block with a destroy-time provisioner: removing
// a key offboards (BRIEF section 7); the stack never deletes a whole block with people in it.
import { createHash } from 'node:crypto';

/** The kinds of per-person block (also the name of each kind's one block before 2026-12-01). */
export type DevvmBlockKind = 'account' | 'profile';

/** Shard suffixes, in order: one hex digit. */
export const DEVVM_SHARDS = '0123456789abcdef'.split('');

/** The shard of a person: the first hex digit of sha256 of their os_user. */
export function devvmShard(osUser: string): string {
  return createHash('sha256').update(osUser).digest('hex')[0];
}

/** The resource name of a kind's shard, e.g. `account_3`. */
export function devvmBlockName(kind: DevvmBlockKind, shard: string): string {
  return `${kind}_${shard}`;
}

/** A person's instance address, e.g. `terraform_data.account_3["emo"]`. */
export function devvmAddress(kind: DevvmBlockKind, osUser: string): string {
  return `terraform_data.${devvmBlockName(kind, devvmShard(osUser))}["${osUser}"]`;
}

/** The address a person's instance had before the shards (a state from before 2026-12-01). */
export function unshardedAddress(kind: DevvmBlockKind, osUser: string): string {
  return `terraform_data.${kind}["${osUser}"]`;
}

/**
 * The kind of a `terraform_data` resource name: a shard (`account_3`) or the old unsharded
 * block (`account`, still seen in a plan that destroys it). Undefined for anything else.
 */
export function devvmBlockKind(name: string): DevvmBlockKind | undefined {
  const m = /^(account|profile)(?:_[0-9a-f])?$/.exec(name);
  return m ? (m[1] as DevvmBlockKind) : undefined;
}

/**
 * Groups keyed values by the shard of their key: EVERY shard, in order (an empty one too),
 * keys in their given order. Every shard's block is always written: a block removed from the
 * configuration destroys its instances without their destroy-time provisioner, so the last
 * person of a shard would leave without being offboarded.
 */
export function byShard<T>(entries: readonly (readonly [string, T])[]): [string, [string, T][]][] {
  const groups = new Map<string, [string, T][]>();
  for (const [key, value] of entries) {
    const shard = devvmShard(key);
    const group = groups.get(shard) ?? [];
    group.push([key, value]);
    groups.set(shard, group);
  }
  return DEVVM_SHARDS.map((s) => [s, groups.get(s) ?? []]);
}
