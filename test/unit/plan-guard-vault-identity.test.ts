// The apply guard on a person's Vault identity: a plan that destroys the entity or alias of
// someone who stays in the roster (own -> adopt or adopt -> observe without the README's
// `terraform state rm`) is refused, naming the person, the addresses and the README step;
// an offboard (the person left the roster) stays under the offboard rules. Plan JSON in the
// shape `terraform show -json` gives (format 1.2; for_each instances keyed by os_user).
import { MIGRATION_OUTPUT } from '../../constructs/migration/roster-expectations';
import { checkGuards, GuardFlags } from '../../src/plan/guards';
import type { PlanJson, ResourceChange } from '../../src/plan/plan-json';
import { summarize } from '../../src/plan/summary';
import { account, type Kind } from '../support/plan-fixtures';

const NO_FLAGS: GuardFlags = { allowOffboard: [], allowDemoteAdmin: [], iKnow: false };
const ACTIONS: Record<Kind, ResourceChange['change']['actions']> = { keep: ['no-op'], create: ['create'], delete: ['delete'], replace: ['delete', 'create'], update: ['update'] };

/** One for_each instance `<type>.<name>["<u>"]` of the workstations stack. */
function instance(type: string, name: string, u: string, kind: Kind, values: Record<string, unknown> = {}): ResourceChange {
  return {
    address: `${type}.${name}["${u}"]`,
    mode: 'managed',
    type,
    name,
    index: u,
    ...(kind === 'delete' ? { action_reason: 'delete_because_each_key' } : {}),
    change: { actions: ACTIONS[kind], before: kind === 'create' ? null : { ...values }, after: kind === 'delete' ? null : { ...values } },
  };
}

/** A person's Vault plane in own: entity, alias, policy attachment, personal policy. */
function vaultPlane(u: string, kinds: { identity?: Kind; attached?: Kind } = {}): ResourceChange[] {
  const identity = kinds.identity ?? 'keep';
  const attached = kinds.attached ?? 'keep';
  return [
    instance('vault_identity_entity', 'person', u, identity, { name: u, metadata: { os_user: u, tier: 'power-user' } }),
    instance('vault_identity_entity_alias', 'person', u, identity, { name: `${u}@example.com` }),
    instance('vault_identity_entity_policies', 'person', u, attached, { exclusive: false }),
    instance('vault_policy', 'personal', u, attached, { name: `workstations-user-${u}` }),
  ];
}

function plan(changes: ResourceChange[], outputPeople?: string[]): PlanJson {
  const resources = changes.filter((c) => c.change.before !== null).map((c) => ({ address: c.address }));
  const outputs = outputPeople && { [MIGRATION_OUTPUT]: { sensitive: false, value: { modes: {}, authentik_groups: {}, people: Object.fromEntries(outputPeople.map((u) => [u, {}])) } } };
  return { format_version: '1.2', resource_changes: changes, prior_state: { values: { root_module: { resources } } }, ...(outputs ? { planned_values: { outputs } } : {}) } as PlanJson;
}

const guards = (plans: PlanJson[], flags: Partial<GuardFlags> = {}) => checkGuards(plans, summarize(plans), { ...NO_FLAGS, ...flags });
const identityRefusals = (plans: PlanJson[], flags: Partial<GuardFlags> = {}) => guards(plans, flags).refusals.filter((r) => r.includes('Vault identity'));

describe('a person who stays in the roster never loses their Vault identity', () => {
  test('own -> adopt without `terraform state rm`: emo (now recorded) would lose entity and alias; refused with the README step', () => {
    // adopt looks emo up by ID: his keys leave vault_identity_entity.person, his policies stay attached.
    const p = plan([...vaultPlane('emo', { identity: 'delete' }), ...vaultPlane('wizard')]);
    expect(guards([p])).toEqual({
      allowed: false,
      refusals: [
        'this plan destroys the Vault identity of emo (vault_identity_entity.person["emo"], vault_identity_entity_alias.person["emo"]), who stays in the roster: ' +
          'Vault would delete the entity or alias with every policy attached to it. If the mode changed (own -> adopt, adopt -> observe) or emo was added to the adoption file, ' +
          'first run `terraform state rm \'vault_identity_entity.person["emo"]\' \'vault_identity_entity_alias.person["emo"]\'` in the workstations stack ' +
          '(README "Vault plane", "Going back") and plan again; no flag overrides this guard',
      ],
    });
  });

  test('no flag overrides it: --i-know and --allow-offboard leave the refusal', () => {
    const p = plan([...vaultPlane('emo', { identity: 'delete' }), ...vaultPlane('ancamilea', { identity: 'delete' }), ...vaultPlane('wizard')]);
    const refusals = identityRefusals([p], { iKnow: true, allowOffboard: ['emo', 'ancamilea'] });
    expect(refusals.map((r) => r.slice(0, r.indexOf(' ('))).sort()).toEqual([
      'this plan destroys the Vault identity of ancamilea',
      'this plan destroys the Vault identity of emo',
    ]);
  });

  test('after the README step (state rm) the same mode change plans no destroy and passes', () => {
    const p = plan([...vaultPlane('emo').slice(2), ...vaultPlane('wizard')]);
    expect(guards([p])).toEqual({ allowed: true, refusals: [] });
  });

  test('adopt -> observe: nothing of emo stays in the Vault plane, but the migration output lists him: refused', () => {
    const p = plan([...vaultPlane('emo', { identity: 'delete', attached: 'delete' })], ['emo']);
    expect(identityRefusals([p])).toHaveLength(1);
    expect(identityRefusals([p])[0]).toContain('Vault identity of emo');
  });

  test('a person who keeps a devvm account (the other stack\'s plan) stays, also in the old one-block layout', () => {
    const old: ResourceChange = { ...instance('vault_identity_entity', 'person', 'emo', 'delete'), address: 'vault_identity_entity.emo', name: 'emo', index: undefined };
    const plans = [plan([old]), plan([account('emo', 1003, 'keep')])];
    expect(identityRefusals(plans)).toEqual([expect.stringContaining("terraform state rm 'vault_identity_entity.emo'")]);
  });
});

describe('an offboard stays under the offboard rules', () => {
  test('a removed person: entity, alias, policies and account go; --allow-offboard passes it, no identity refusal', () => {
    const plans = [plan([...vaultPlane('zoe', { identity: 'delete', attached: 'delete' }), ...vaultPlane('wizard')], ['wizard']), plan([account('zoe', 1004, 'delete'), account('wizard', 1000, 'keep')])];
    expect(identityRefusals(plans)).toEqual([]);
    expect(guards(plans).refusals).toEqual(['this plan OFFBOARDS zoe (account locked, home archived); re-run with --allow-offboard zoe if that is intended']);
    expect(guards(plans, { allowOffboard: ['zoe'] })).toEqual({ allowed: true, refusals: [] });
  });

  test('a replace (-replace of an entity, on purpose) is not this guard\'s', () => {
    const p = plan([...vaultPlane('emo', { identity: 'replace' }), ...vaultPlane('wizard')]);
    expect(identityRefusals([p])).toEqual([]);
  });
});
