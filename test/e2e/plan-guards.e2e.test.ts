// Issue 7: the per-person summary and the apply guards, on plan JSON produced by the real
// Terraform against a real test host (the cast is applied first, so removals, tier changes
// and parking are real changes to existing instances).
import { useTestHost } from '../harness/host';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { devvmAddress } from '../../src/desired/devvm-addresses';
import { checkGuards, GuardFlags } from '../../src/plan/guards';
import type { PlanJson } from '../../src/plan/plan-json';
import { summarize } from '../../src/plan/summary';
import { createConfigBase } from './devvm/host-tools';
import { exampleCast, RosterDoc, synthDevvm } from './devvm/stack';

const NO_FLAGS: GuardFlags = { allowOffboard: [], allowDemoteAdmin: [], iKnow: false };

describeE2E('plan summary and apply guards on real plan JSON', () => {
  const host = useTestHost();
  let tf: Terraform;
  let base: RosterDoc;

  /** Plans `roster` against the applied cast and returns Terraform's plan JSON. */
  async function planFor(roster: RosterDoc): Promise<PlanJson> {
    tf.setConfig(synthDevvm(host(), roster).stackDir);
    return (await tf.plan()).plan as PlanJson;
  }

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    base = exampleCast();
    // A second admin without a workstation, so wizard can be demoted validly.
    base.people.vadmin = { email: 'vadmin@example.com', authentik_user: 'vadmin', tier: 'admin' };
    // A fourth workstation: removing one row is routine, removing two is a mass change.
    base.people.zoe = { email: 'zoe@example.com', authentik_user: 'zoe', tier: 'power-user', uid: 1004, workstation: {} };
    const synth = synthDevvm(h, base);
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const { planFile } = await tf.plan();
    await tf.apply(planFile);
  });

  it('removing two rows: the offboard guard refuses and names both; the exact flag allows it', async () => {
    const roster = structuredClone(base);
    delete roster.people.ancamilea;
    delete roster.people.zoe;
    const plan = await planFor(roster);
    const summary = summarize([plan]);
    expect(summary.people.map((p) => [p.osUser, p.kind])).toEqual([['ancamilea', 'offboard'], ['zoe', 'offboard']]);

    const refused = checkGuards([plan], summary, NO_FLAGS);
    expect(refused.allowed).toBe(false);
    expect(refused.refusals[0]).toBe(
      'this plan OFFBOARDS ancamilea, zoe (account locked, home archived); re-run with --allow-offboard ancamilea,zoe if that is intended',
    );
    // Naming only one of them is not enough.
    expect(checkGuards([plan], summary, { ...NO_FLAGS, allowOffboard: ['zoe'], iKnow: true }).refusals).toEqual([
      'this plan OFFBOARDS ancamilea, zoe (account locked, home archived); re-run with --allow-offboard ancamilea,zoe if that is intended (--allow-offboard named zoe)',
    ]);
    // Two people of four at once is more than max(1, 25% of 4): --i-know is needed as well.
    const flagged = checkGuards([plan], summary, { ...NO_FLAGS, allowOffboard: ['ancamilea', 'zoe'] });
    expect(flagged.refusals).toEqual([
      'this plan destroys or replaces per-person resources of 2 of 4 people (ancamilea, zoe); more than 1 at once (max(1, 25% of 4)) needs --i-know (the other flags do not override this guard)',
    ]);
    expect(checkGuards([plan], summary, { ...NO_FLAGS, allowOffboard: ['zoe', 'ancamilea'], iKnow: true })).toEqual({ allowed: true, refusals: [] });
  });

  it('removing one row of four is a routine offboard: --allow-offboard alone, no --i-know', async () => {
    const roster = structuredClone(base);
    delete roster.people.zoe;
    const plan = await planFor(roster);
    const summary = summarize([plan]);
    expect(summary.people).toEqual([expect.objectContaining({ osUser: 'zoe', kind: 'offboard', retiredUid: 1004 })]);
    expect(checkGuards([plan], summary, NO_FLAGS).refusals).toEqual([
      'this plan OFFBOARDS zoe (account locked, home archived); re-run with --allow-offboard zoe if that is intended',
    ]);
    expect(checkGuards([plan], summary, { ...NO_FLAGS, allowOffboard: ['zoe'] })).toEqual({ allowed: true, refusals: [] });
  });

  it('a tainted account (its onboarding failed) is a retry: no offboard, no guard', async () => {
    const zoe = devvmAddress('account', 'zoe');
    await tf.run(['taint', zoe]);
    try {
      const plan = await planFor(base);
      const account = plan.resource_changes!.find((rc) => rc.address === zoe)!;
      expect([account.change.actions, account.action_reason]).toEqual([['delete', 'create'], 'replace_because_tainted']);
      const summary = summarize([plan]);
      expect(summary.people.map((p) => [p.osUser, p.kind, p.details[0]])).toEqual([
        ['zoe', 'retry', 'account zoe was left half-onboarded by a failed apply (tainted): this apply retries the onboarding; nothing is offboarded'],
      ]);
      expect(checkGuards([plan], summary, NO_FLAGS)).toEqual({ allowed: true, refusals: [] });
    } finally {
      await tf.run(['untaint', zoe]);
    }
  });

  it('demoting an admin needs --allow-demote-admin for that person', async () => {
    const roster = structuredClone(base);
    roster.people.wizard.tier = 'power-user';
    const plan = await planFor(roster);
    const summary = summarize([plan]);
    expect(summary.people).toEqual([
      expect.objectContaining({ osUser: 'wizard', kind: 'update', tierBefore: 'admin', tierAfter: 'power-user', details: ['tier admin -> power-user', 'groups -sudo -docker -code-shared', "ENDS wizard's live sessions on the devvm and restarts their units (running processes would keep sudo, docker, code-shared)", 'memory budget 16G -> 8G', 'infra clone locked'] }),
    ]);
    expect(checkGuards([plan], summary, NO_FLAGS).refusals).toEqual([
      'this plan removes the admin tier of wizard; re-run with --allow-demote-admin wizard if that is intended',
    ]);
    expect(checkGuards([plan], summary, { ...NO_FLAGS, allowDemoteAdmin: ['emo'] }).allowed).toBe(false);
    expect(checkGuards([plan], summary, { ...NO_FLAGS, allowDemoteAdmin: ['wizard'] }).allowed).toBe(true);
  });

  it('names onboard, tier change, park and unpark per person; none of them trips a guard', async () => {
    const roster = structuredClone(base);
    roster.people.alice = { email: 'alice@example.com', authentik_user: 'alice', tier: 'namespace-owner', namespaces: ['alice-apps'], uid: 1005, workstation: {} };
    roster.people.zoe.tier = 'namespace-owner';
    roster.people.zoe.namespaces = ['zoe-apps'];
    roster.people.emo.workstation = { ...(roster.people.emo.workstation as object), parked: true };
    roster.people.ancamilea.workstation = { parked: false };
    const plan = await planFor(roster);
    const summary = summarize([plan]);
    expect(summary.people.map((p) => [p.osUser, p.kind, p.details.join('; ')])).toEqual([
      ['alice', 'onboard', 'namespace-owner, workstation active'],
      ['ancamilea', 'update', 'unpark'],
      ['emo', 'update', 'park'],
      ['zoe', 'update', 'tier power-user -> namespace-owner; memory budget 8G -> 6G; default namespace - -> zoe-apps'],
    ]);
    // The profile replacements are re-convergences, not losses: no guard applies.
    expect(checkGuards([plan], summary, NO_FLAGS)).toEqual({ allowed: true, refusals: [] });
    // Nothing host-wide changes: the agent regenerates the ttyd map and dispatch table at
    // each person's converge, so the host resource is not replaced for per-person changes.
    expect(summary.other).toEqual([]);
  });
});
