// The apply guards: plans that are almost always mistakes are refused unless a flag
// names exactly what the admin means. They read Terraform's plan JSON, not the roster.
import { isPersonalResource, PlanSummary, personOf } from './summary';
import { kindOf, managedChanges, PlanJson } from './plan-json';

export interface GuardFlags {
  /** --allow-offboard a,b: exactly the people whose accounts may be destroyed. */
  readonly allowOffboard: readonly string[];
  /** --allow-demote-admin a: admins who may lose the admin tier. */
  readonly allowDemoteAdmin: readonly string[];
  /** --i-know: accept a plan that destroys or replaces a large share of per-person resources. */
  readonly iKnow: boolean;
}

export interface GuardDecision {
  readonly allowed: boolean;
  /** One message per refusal, naming the people and the overriding flag. */
  readonly refusals: readonly string[];
}

export const DEFAULT_MAX_DESTROY_SHARE = 0.25;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function checkGuards(plans: readonly PlanJson[], summary: PlanSummary, flags: GuardFlags, maxShare = DEFAULT_MAX_DESTROY_SHARE): GuardDecision {
  const refusals: string[] = [];

  // 1. Offboards: every `account` instance destroyed (deleted or replaced).
  const offboarded = plans
    .flatMap(managedChanges)
    .filter((rc) => rc.type === 'terraform_data' && rc.name === 'account' && ['delete', 'replace'].includes(kindOf(rc)))
    .map((rc) => String(rc.index))
    .sort();
  if (offboarded.length > 0 && !sameSet(offboarded, flags.allowOffboard)) {
    refusals.push(
      `this plan OFFBOARDS ${offboarded.join(', ')} (account locked, home archived); ` +
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

  // 3. A large share of per-person resources destroyed or replaced, whatever the flags.
  const personal = plans.flatMap(managedChanges).filter(isPersonalResource);
  const existing = personal.filter((rc) => rc.change.before !== null);
  const destroyed = existing.filter((rc) => ['delete', 'replace'].includes(kindOf(rc)));
  const share = existing.length === 0 ? 0 : destroyed.length / existing.length;
  if (share > maxShare && !flags.iKnow) {
    const people = [...new Set(destroyed.map((rc) => personOf(rc)!))].sort();
    refusals.push(
      `this plan destroys or replaces ${destroyed.length} of ${existing.length} per-person resources ` +
        `(${Math.round(share * 100)}% > ${Math.round(maxShare * 100)}%), affecting ${people.join(', ')}; ` +
        're-run with --i-know if that is intended (the other flags do not override this guard)',
    );
  }
  return { allowed: refusals.length === 0, refusals };
}
