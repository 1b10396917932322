// A state from before the shard blocks (2026-12-01: every person in ONE `terraform_data.account`
// / `profile` block) on a real onboarded test host, with real Terraform and the real agent:
// the stack's `moved` blocks carry each person to `account_<h>` / `profile_<h>` with no
// provisioner run, and a person removed in the same apply as the move is refused by guard 5
// (their old block is gone from the configuration, so Terraform would destroy the account
// WITHOUT the offboard); the refusal's own advice (apply the move first, then remove the row)
// offboards them for real. The old state is made from the applied one with `terraform state mv`
// to the unsharded addresses: the same instances, so this checks the moves and the guard; the
// recorded old layout itself (with the profiles' former `input`) is a unit test's business.
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import type { Terraform } from '../harness/terraform';
import { devvmAddress, DevvmBlockKind, unshardedAddress } from '../../src/desired/devvm-addresses';
import { checkGuards, GuardFlags } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { summarize } from '../../src/plan/summary';
import { outcomes, personChanges } from './devvm/checks';
import { fingerprints, linesOf, shadowOf } from './devvm/host-tools';
import { applyCast, exampleCast, synthDevvm } from './devvm/stack';

const NO_FLAGS: GuardFlags = { allowOffboard: [], allowDemoteAdmin: [], iKnow: false };
const CAST = ['ancamilea', 'emo', 'wizard'];
const KINDS: DevvmBlockKind[] = ['account', 'profile'];

type Change = { address: string; previous_address?: string; change: { actions: string[] } };

describeE2E('devvm shard blocks: moving a state from the unsharded blocks', () => {
  const host = useTestHost();
  let tf: Terraform;

  /** Puts `people`'s instances back at the unsharded addresses, as a state from before the shards holds them. */
  async function unshard(people: string[]): Promise<void> {
    for (const u of people) for (const k of KINDS) await tf.run(['state', 'mv', devvmAddress(k, u), unshardedAddress(k, u)]);
  }

  async function stateList(): Promise<string[]> {
    return (await tf.run(['state', 'list'])).stdout.trim().split('\n').filter((a) => /^terraform_data\.(account|profile)(_[0-9a-f])?\[/.test(a)).sort();
  }

  beforeAll(async () => {
    ({ tf } = await applyCast(host()));
  });

  it('moves every person to their shard blocks: no destroy, no create, no provisioner, nobody touched', async () => {
    const h = host();
    await unshard(CAST);
    expect(await stateList()).toEqual(CAST.flatMap((u) => KINDS.map((k) => unshardedAddress(k, u))).sort());
    const before = await fingerprints(h);

    const { plan, planFile } = await tf.plan();
    const moved = ((plan.resource_changes ?? []) as Change[]).filter((c) => c.previous_address !== undefined);
    expect(moved.map((c) => [c.previous_address, c.address, c.change.actions.join(',')]).sort()).toEqual(
      CAST.flatMap((u) => KINDS.map((k) => [unshardedAddress(k, u), devvmAddress(k, u), 'no-op'])).sort(),
    );
    expect(Object.entries(personChanges(plan)).filter(([, a]) => a !== 'no-op')).toEqual([]);
    const p = plan as PlanJson;
    expect(checkGuards([p], summarize([p]), NO_FLAGS)).toEqual({ allowed: true, refusals: [] });

    const out = await tf.apply(planFile);
    expect(out.split('\n').filter((l) => /Provisioning with|\(remote-exec\)/.test(l))).toEqual([]);
    expect(await stateList()).toEqual(CAST.flatMap((u) => KINDS.map((k) => devvmAddress(k, u))).sort());
    expect(await fingerprints(h)).toEqual(before);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('removing a person in the same apply as the move is refused; moving first, then removing, offboards them', async () => {
    const h = host();
    await unshard(['emo']);
    const roster = exampleCast();
    delete roster.people.emo;
    tf.setConfig(synthDevvm(h, roster).stackDir);
    const { plan } = await tf.plan();
    // Terraform would destroy emo's old instances, and their block no longer has the offboard.
    expect(personChanges(plan)).toEqual({
      [unshardedAddress('account', 'emo')]: 'delete',
      [unshardedAddress('profile', 'emo')]: 'delete',
      [devvmAddress('account', 'ancamilea')]: 'no-op',
      [devvmAddress('account', 'wizard')]: 'no-op',
      [devvmAddress('profile', 'ancamilea')]: 'no-op',
      [devvmAddress('profile', 'wizard')]: 'no-op',
    });
    const p = plan as PlanJson;
    // Every flag the admin could give does not override it.
    expect(checkGuards([p], summarize([p]), { allowOffboard: ['emo'], allowDemoteAdmin: ['emo'], iKnow: true }).refusals).toEqual([
      'this plan destroys terraform_data.account["emo"] from the state\'s unsharded account block (before 2026-12-01) ' +
        'WITHOUT offboarding (that block is gone from the configuration, and with it the offboard provisioner); ' +
        'put emo back in the roster, apply once (the moved blocks carry them to account_<shard>), then remove the row; no flag overrides this guard',
    ]);

    // What the refusal says: emo back in the roster, one apply (the move), then the removal.
    tf.setConfig(synthDevvm(h, exampleCast()).stackDir);
    const move = await tf.plan();
    expect(Object.entries(personChanges(move.plan)).filter(([, a]) => a !== 'no-op')).toEqual([]);
    await tf.apply(move.planFile);
    tf.setConfig(synthDevvm(h, roster).stackDir);
    const removal = await tf.plan();
    expect(Object.entries(personChanges(removal.plan)).filter(([, a]) => a !== 'no-op')).toEqual([
      [devvmAddress('account', 'emo'), 'delete'],
      [devvmAddress('profile', 'emo'), 'delete'],
    ]);
    const r = removal.plan as PlanJson;
    expect(checkGuards([r], summarize([r]), { ...NO_FLAGS, allowOffboard: ['emo'] })).toEqual({ allowed: true, refusals: [] });
    const out = await tf.apply(removal.planFile);
    expect(outcomes(linesOf(out, 'emo')).map(([step]) => step)).toEqual(expect.arrayContaining(['lock', 'archive', 'tombstone']));
    const shadow = await shadowOf(h, 'emo');
    expect([shadow?.password.startsWith('!'), shadow?.expire]).toEqual([true, '1']);
    expect(await h.exists('/var/backups/workstations/emo-1001.tar.zst')).toBe(true);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });
});
