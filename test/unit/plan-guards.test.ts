// The apply guards on plan JSON: the mass-change rule's exact boundaries (it counts
// people, not resources), a tainted account's retry is neither an offboard nor a loss, and
// an account of the old unsharded block is never destroyed (guard 5). Accounts are at their
// shard addresses (`account_<h>["u"]`), as a plan of today's devvm stack has them.
import { devvmAddress, unshardedAddress } from '../../src/desired/devvm-addresses';
import { checkGuards, GuardFlags, maxPeopleHurt } from '../../src/plan/guards';
import { summarize } from '../../src/plan/summary';
import { account, plan, roster, unshardedAccount } from '../support/plan-fixtures';

const NO_FLAGS: GuardFlags = { allowOffboard: [], allowDemoteAdmin: [], iKnow: false };
const guards = (p: ReturnType<typeof plan>, flags: Partial<GuardFlags> = {}) => checkGuards([p], summarize([p]), { ...NO_FLAGS, ...flags });
const massRefusal = (p: ReturnType<typeof plan>, flags: Partial<GuardFlags> = {}) =>
  guards(p, flags).refusals.filter((r) => r.includes('per-person resources'));

describe('mass-change guard: people hurt at once', () => {
  it('allows max(1, floor(25% of N)) people', () => {
    expect([1, 2, 3, 4, 7, 8, 11, 12, 100].map((n) => maxPeopleHurt(n))).toEqual([1, 1, 1, 1, 1, 2, 2, 3, 25]);
    expect(maxPeopleHurt(10, 0.5)).toBe(5);
    expect(maxPeopleHurt(10, 0)).toBe(1);
  });

  it('one routine offboard of 3 people passes (33% of the people, but one person)', () => {
    const p = roster(3, { p02: 'delete' });
    expect(massRefusal(p)).toEqual([]);
    expect(guards(p, { allowOffboard: ['p02'] })).toEqual({ allowed: true, refusals: [] });
  });

  it('two people of 3 (the smallest multi-person case) are refused, also with --allow-offboard', () => {
    const p = roster(3, { p01: 'delete', p03: 'delete' });
    expect(massRefusal(p, { allowOffboard: ['p01', 'p03'] })).toEqual([
      'this plan destroys or replaces per-person resources of 2 of 3 people (p01, p03); more than 1 at once (max(1, 25% of 3)) needs --i-know (the other flags do not override this guard)',
    ]);
    expect(guards(p, { allowOffboard: ['p01', 'p03'], iKnow: true })).toEqual({ allowed: true, refusals: [] });
  });

  it('at 8 people two pass and three are refused', () => {
    expect(massRefusal(roster(8, { p01: 'delete', p02: 'replace' }))).toEqual([]);
    expect(massRefusal(roster(8, { p01: 'delete', p02: 'replace', p08: 'delete' }))).toHaveLength(1);
  });

  it('counts a person once however many of their resources go', () => {
    // p01's account and entity both go: one person of 4.
    expect(massRefusal(roster(4, { p01: 'delete' }))).toEqual([]);
  });

  it('--max-destroy-share moves the share, never below one person', () => {
    const p = roster(4, { p01: 'delete', p02: 'delete' });
    expect(checkGuards([p], summarize([p]), { ...NO_FLAGS, allowOffboard: ['p01', 'p02'] }, 0.5).allowed).toBe(true);
    expect(checkGuards([p], summarize([p]), { ...NO_FLAGS, allowOffboard: ['p01'] }, 0).refusals.filter((r) => r.includes('per-person'))).toHaveLength(1);
  });
});

describe('a tainted account (left by a failed onboarding)', () => {
  const tainted = account('emo', 1003, 'replace', 'replace_because_tainted');
  const others = [account('wizard', 1000, 'keep'), account('ancamilea', 1002, 'keep')];

  it('its replace is a retry: no offboard guard, no mass-change count, even with two of three', () => {
    const p = plan([tainted, account('ancamilea', 1002, 'replace', 'replace_because_tainted'), others[0]], [tainted.address, devvmAddress('account', 'ancamilea')]);
    expect(guards(p)).toEqual({ allowed: true, refusals: [] });
  });

  it('a replace for any other reason is an offboard (uid changed, or -replace)', () => {
    for (const reason of ['replace_because_cannot_update', 'replace_by_request']) {
      const p = plan([account('emo', 1003, 'replace', reason), ...others]);
      expect(guards(p).refusals).toEqual([
        'this plan OFFBOARDS emo (account locked, home archived); re-run with --allow-offboard emo if that is intended',
      ]);
    }
  });

  it('removing its row still needs --allow-offboard (the admin means it), though nothing runs on the host', () => {
    const p = plan([account('emo', 1003, 'delete'), account('zoe', 1004, 'delete'), others[0]], [devvmAddress('account', 'emo')]);
    expect(guards(p, { iKnow: true }).refusals).toEqual([
      'this plan OFFBOARDS zoe (account locked, home archived) and removes emo (left half-onboarded by a failed apply: no offboarding runs); re-run with --allow-offboard emo,zoe if that is intended',
    ]);
    expect(guards(p, { allowOffboard: ['emo', 'zoe'], iKnow: true }).allowed).toBe(true);
    expect(guards(plan([account('emo', 1003, 'delete'), ...others], [devvmAddress('account', 'emo')])).allowed).toBe(false);
  });
});

describe('guard 5: an account of the unsharded block (a state from before the shards)', () => {
  /** A plan of today's stack on an old state, the row of each of `removed` gone: their old instances are destroyed. */
  const moveAndRemove = (removed: string[]) => {
    const stays = ['wizard', 'emo', 'ancamilea'].filter((u) => !removed.includes(u));
    const moved = stays.map((u, i) => ({ ...account(u, 1000 + i, 'keep'), previous_address: unshardedAddress('account', u) }));
    return plan([...moved, ...removed.map((u, i) => unshardedAccount(u, 1100 + i, 'delete'))]);
  };
  const refusal = (people: string[]) =>
    `this plan destroys ${people.map((u) => unshardedAddress('account', u)).join(', ')} from the state's unsharded account block (before 2026-12-01) ` +
    `WITHOUT offboarding (that block is gone from the configuration, and with it the offboard provisioner); ` +
    `put ${people.join(', ')} back in the roster, apply once (the moved blocks carry them to account_<shard>), then remove the row${people.length > 1 ? 's' : ''}; no flag overrides this guard`;
  /** Every flag, naming exactly these people (the offboard guard wants the exact set). */
  const allFlags = (people: string[]) => ({ allowOffboard: people, allowDemoteAdmin: people, iKnow: true });

  it('a plain move (accounts at their shard addresses, previous_address the unsharded one) passes', () => {
    expect(guards(moveAndRemove([]))).toEqual({ allowed: true, refusals: [] });
  });

  it('a removed person (no moved block: the old instance is deleted) is refused, and no flag overrides it', () => {
    const p = moveAndRemove(['zoe']);
    expect(guards(p).refusals).toContain(refusal(['zoe']));
    expect(guards(p, allFlags(['zoe']))).toEqual({ allowed: false, refusals: [refusal(['zoe'])] });
  });

  it('only guard 5 reports it: the offboard guard does not offer --allow-offboard for an offboard that would not run', () => {
    const p = moveAndRemove(['zoe']);
    expect(guards(p).refusals).toEqual([refusal(['zoe'])]);
  });

  it('a TAINTED old account removed is not guard 5: it was never onboarded, the offboard guard names it half-onboarded', () => {
    const stays = account('wizard', 1000, 'keep');
    const p = plan([stays, unshardedAccount('zoe', 1101, 'delete')], [unshardedAddress('account', 'zoe')]);
    const refusals = guards(p).refusals;
    expect(refusals.some((r) => r.includes('unsharded'))).toBe(false);
    expect(refusals).toEqual([expect.stringContaining('removes zoe (left half-onboarded by a failed apply: no offboarding runs)')]);
    expect(guards(p, { allowOffboard: ['zoe'] })).toEqual({ allowed: true, refusals: [] });
  });

  it('several people: one refusal naming every address, sorted, and "rows"', () => {
    const p = plan([unshardedAccount('zoe', 1101, 'delete'), unshardedAccount('bob', 1102, 'delete'), ...Array.from({ length: 6 }, (_, i) => account(`k${i}`, 1200 + i, 'keep'))]);
    expect(guards(p, allFlags(['bob', 'zoe']))).toEqual({ allowed: false, refusals: [refusal(['bob', 'zoe'])] });
  });

  it('a replace at the old address (e.g. -replace on it) is refused as well', () => {
    const p = plan([unshardedAccount('emo', 1001, 'replace', 'replace_by_request'), account('wizard', 1000, 'keep')]);
    expect(guards(p, allFlags(['emo']))).toEqual({ allowed: false, refusals: [refusal(['emo'])] });
  });

  it('only the account block: an unsharded profile destroyed (no destroy-time provisioner) is not this guard', () => {
    const profile = { ...unshardedAccount('zoe', 1101, 'delete'), address: unshardedAddress('profile', 'zoe'), name: 'profile' };
    expect(guards(plan([profile, account('wizard', 1000, 'keep')])).refusals.filter((r) => r.includes('unsharded'))).toEqual([]);
  });

  it('an offboard from a shard block is the offboard guard only', () => {
    const p = plan([account('zoe', 1101, 'delete'), account('wizard', 1000, 'keep'), account('emo', 1001, 'keep')]);
    expect(guards(p).refusals).toEqual(['this plan OFFBOARDS zoe (account locked, home archived); re-run with --allow-offboard zoe if that is intended']);
    expect(guards(p, { allowOffboard: ['zoe'] })).toEqual({ allowed: true, refusals: [] });
  });
});
