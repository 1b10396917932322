// The apply guards: plans that are almost always mistakes are refused unless a flag
// names exactly what the admin means. They read Terraform's plan JSON, not the roster.
import { devvmBlockKind } from '../desired/devvm-addresses';
import { isPersonalResource, PlanSummary, personOf } from './summary';
import { destroysTainted, kindOf, managedChanges, PlanJson, ResourceChange, taintedAddresses } from './plan-json';
import { MIGRATION_OUTPUT, type MigrationExpectationsValue } from '../../constructs/migration/roster-expectations';

export interface GuardFlags {
  /** --allow-offboard a,b: exactly the people whose accounts may be destroyed. */
  readonly allowOffboard: readonly string[];
  /** --allow-demote-admin a: admins who may lose the admin tier. */
  readonly allowDemoteAdmin: readonly string[];
  /** --i-know: accept a plan that destroys or replaces per-person resources of several people. */
  readonly iKnow: boolean;
}

export interface GuardDecision {
  readonly allowed: boolean;
  /** One message per refusal, naming the people and the overriding flag. */
  readonly refusals: readonly string[];
}

/**
 * The mass-change guard counts PEOPLE, not resources: it refuses a plan that destroys or
 * replaces per-person resources of more than max(1, floor(share x N)) people, N being the
 * people who have per-person resources before the plan. One routine offboard always passes;
 * two people at once are refused unless N >= 8 (25% of 8 is 2).
 */
export const DEFAULT_MAX_DESTROY_SHARE = 0.25;

/** How many people a plan may hurt at once without --i-know, out of `existing` people. */
export function maxPeopleHurt(existing: number, maxShare = DEFAULT_MAX_DESTROY_SHARE): number {
  return Math.max(1, Math.floor(maxShare * existing + 1e-9));
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function checkGuards(plans: readonly PlanJson[], summary: PlanSummary, flags: GuardFlags, maxShare = DEFAULT_MAX_DESTROY_SHARE): GuardDecision {
  const refusals: string[] = [];
  const tainted = taintedAddresses(plans);
  // Replacing a tainted object (a failed create) runs no destroy-time provisioner: a retry, not a loss.
  const retried = (rc: ResourceChange) => kindOf(rc) === 'replace' && destroysTainted(rc, tainted);

  // 1. Offboards: every `account` instance destroyed (deleted or replaced), except a tainted one's retry.
  const destroyed = plans
    .flatMap(managedChanges)
    .filter((rc) => rc.type === 'terraform_data' && devvmBlockKind(rc.name) === 'account' && ['delete', 'replace'].includes(kindOf(rc)) && !retried(rc))
    // An untainted instance of the old unsharded block is guard 5's: no offboard would run for it.
    .filter((rc) => !isUnshardedLoss(rc, tainted));
  const offboarded = destroyed.map((rc) => String(rc.index)).sort();
  // A removed row whose account never finished onboarding: Terraform runs no offboarding for it.
  const halfMade = destroyed.filter((rc) => destroysTainted(rc, tainted)).map((rc) => String(rc.index)).sort();
  const reallyOffboarded = offboarded.filter((u) => !halfMade.includes(u));
  if (offboarded.length > 0 && !sameSet(offboarded, flags.allowOffboard)) {
    const what = [
      ...(reallyOffboarded.length ? [`OFFBOARDS ${reallyOffboarded.join(', ')} (account locked, home archived)`] : []),
      ...(halfMade.length ? [`removes ${halfMade.join(', ')} (left half-onboarded by a failed apply: no offboarding runs)`] : []),
    ];
    refusals.push(
      `this plan ${what.join(' and ')}; ` +
        `re-run with --allow-offboard ${offboarded.join(',')} if that is intended` +
        (flags.allowOffboard.length ? ` (--allow-offboard named ${[...flags.allowOffboard].sort().join(',')})` : ''),
    );
  }

  // 2. Admins losing the admin tier (demoted, or removed from the roster).
  const demoted = summary.people.filter((p) => p.tierBefore === 'admin' && p.tierAfter !== 'admin').map((p) => p.osUser);
  const notAllowed = demoted.filter((u) => !flags.allowDemoteAdmin.includes(u));
  if (notAllowed.length > 0) {
    refusals.push(
      `this plan removes the admin tier of ${notAllowed.join(', ')}; re-run with ${notAllowed.map((u) => `--allow-demote-admin ${u}`).join(' ')} if that is intended`,
    );
  }

  // 3. Several people hurt at once (per-person resources destroyed or replaced), whatever the flags.
  const personal = plans.flatMap(managedChanges).filter(isPersonalResource);
  const existing = new Set(personal.filter((rc) => rc.change.before !== null).map((rc) => personOf(rc)!));
  const hurt = [...new Set(personal.filter((rc) => ['delete', 'replace'].includes(kindOf(rc)) && !retried(rc)).map((rc) => personOf(rc)!))].sort();
  const limit = maxPeopleHurt(existing.size, maxShare);
  if (hurt.length > limit && !flags.iKnow) {
    refusals.push(
      `this plan destroys or replaces per-person resources of ${hurt.length} of ${existing.size} people (${hurt.join(', ')}); ` +
        `more than ${limit} at once (max(1, ${Math.round(maxShare * 100)}% of ${existing.size})) needs --i-know (the other flags do not override this guard)`,
    );
  }
  // 4. The Vault identity of a person who stays: never destroyed (whatever the flags).
  refusals.push(...identityRefusals(plans));
  // 5. An account of the unsharded block (a state from before the shards) never destroyed.
  refusals.push(...unshardedRefusals(plans));
  return { allowed: refusals.length === 0, refusals };
}

/**
 * An instance of the old unsharded `account` block destroyed or replaced, not tainted (a
 * tainted one was never onboarded: nothing to offboard, the offboard guard's half-made case).
 */
function isUnshardedLoss(rc: ResourceChange, tainted: ReadonlySet<string>): boolean {
  return rc.type === 'terraform_data' && rc.name === 'account' && ['delete', 'replace'].includes(kindOf(rc)) && !destroysTainted(rc, tainted);
}

/**
 * A state from before 2026-12-01 holds every account in one block, `terraform_data.account`;
 * the stack now writes shard blocks and `moved` blocks for the people in the roster. A
 * person removed in the SAME apply has no moved block: Terraform would destroy the old
 * instance, whose block is gone from the configuration, WITHOUT its destroy-time
 * provisioner: no offboarding, no archive, the account left on the host. Refused whatever
 * the flags: keep the row for one apply (it moves the state), then remove it.
 */
function unshardedRefusals(plans: readonly PlanJson[]): string[] {
  const tainted = taintedAddresses(plans);
  const old = plans.flatMap(managedChanges).filter((rc) => isUnshardedLoss(rc, tainted));
  if (old.length === 0) return [];
  const people = old.map((rc) => String(rc.index)).sort();
  return [
    `this plan destroys ${old.map((rc) => rc.address).sort().join(', ')} from the state's unsharded account block (before 2026-12-01) ` +
      `WITHOUT offboarding (that block is gone from the configuration, and with it the offboard provisioner); ` +
      `put ${people.join(', ')} back in the roster, apply once (the moved blocks carry them to account_<shard>), then remove the row${people.length > 1 ? 's' : ''}; no flag overrides this guard`,
  ];
}

const IDENTITY_TYPES = ['vault_identity_entity', 'vault_identity_entity_alias'];

/**
 * Destroying a person's Vault entity or alias deletes it in Vault: their tokens stop
 * resolving its policies and the policies other stacks attached to it are gone. That is
 * an offboard's business only (the person left the roster: the other guards apply). For
 * a person who stays, such a destroy comes from a mode change (own -> adopt, or adopt ->
 * observe: their key leaves vault_identity_entity.person) or a person added to the
 * adoption file after this product created their identity; the README's way back is
 * `terraform state rm` of those addresses first, so the plan keeps the identity. (A
 * replace is left alone: nothing in config forces one; it comes from `-replace`, on purpose.)
 *
 * Who stays is read from the plan only: a per-person resource of theirs that exists after
 * the plan (the policy attachment, the personal policy, a binding, the devvm account), or
 * their entry in the output `workstations_migration` (written when a plane is in observe
 * or adopt, where the Vault plane may manage nothing of theirs).
 */
function identityRefusals(plans: readonly PlanJson[]): string[] {
  const changes = plans.flatMap(managedChanges);
  const staying = new Set(changes.filter((rc) => isPersonalResource(rc) && rc.change.after !== null).map((rc) => personOf(rc)!));
  for (const plan of plans) {
    const expected = (plan as { planned_values?: { outputs?: Record<string, { value?: unknown }> } }).planned_values?.outputs?.[MIGRATION_OUTPUT]?.value as
      | MigrationExpectationsValue
      | undefined;
    for (const u of Object.keys(expected?.people ?? {})) staying.add(u);
  }
  const destroyed = changes.filter(
    (rc) => IDENTITY_TYPES.includes(rc.type) && kindOf(rc) === 'delete' && staying.has(personOf(rc)!),
  );
  const byPerson = new Map<string, string[]>();
  for (const rc of destroyed) byPerson.set(personOf(rc)!, [...(byPerson.get(personOf(rc)!) ?? []), rc.address]);
  return [...byPerson.keys()].sort().map((u) => {
    const addresses = byPerson.get(u)!.sort();
    return (
      `this plan destroys the Vault identity of ${u} (${addresses.join(', ')}), who stays in the roster: ` +
      `Vault would delete the entity or alias with every policy attached to it. If the mode changed (own -> adopt, adopt -> observe) ` +
      `or ${u} was added to the adoption file, first run \`terraform state rm ${addresses.map((a) => `'${a}'`).join(' ')}\` ` +
      `in the workstations stack (README "Vault plane", "Going back") and plan again; no flag overrides this guard`
    );
  });
}
