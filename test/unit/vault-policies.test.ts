// Every Vault policy the stack writes parses as HCL, and a person's token reaches
// exactly their own paths.
import fc from 'fast-check';
import { derive } from '../../src/desired/derive';
import type { PersonState } from '../../src/desired/types';
import { validRoster } from '../support/arbitraries';
import { exampleInputs, exampleSite } from '../support/inputs';
import { expandInstances } from '../support/for-each';
import { inputsFromRaw, synthWorkstations, TfJson } from '../support/synth';
import { allows, CAPABILITIES, mergePolicies, parsePolicy, ParsedPolicy } from '../support/vault-evaluator';

const site = exampleSite();

async function policiesByName(tf: TfJson): Promise<Map<string, ParsedPolicy>> {
  const out = new Map<string, ParsedPolicy>();
  // Personal policies are one for_each block over a locals map: read its instances.
  for (const body of Object.values(expandInstances(tf).resource.vault_policy)) {
    const { name, policy } = body as { name: string; policy: string };
    out.set(name, await parsePolicy(name, policy));
  }
  return out;
}

/** The policy names this stack attaches to each person's entity (vault_identity_entity_policies instances), by os_user. */
function entityPolicies(tf: TfJson): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, body] of Object.entries(expandInstances(tf).resource.vault_identity_entity_policies)) {
    const e = body as { policies: string[]; exclusive: boolean };
    // Non-exclusive: policies other stacks attach to the same entity survive.
    expect(e.exclusive).toBe(false);
    out.set(JSON.parse(/^person\[(.*)\]$/.exec(name)![1]) as string, e.policies);
  }
  return out;
}

/** The merged ACL of a person's token: their entity's policies that this stack defines. */
function tokenOf(person: PersonState, policies: Map<string, ParsedPolicy>, entities: Map<string, string[]>): ParsedPolicy {
  const names = entities.get(person.osUser);
  expect(names).toEqual(person.vault.policies);
  return mergePolicies(names!.filter((p) => policies.has(p)).map((p) => policies.get(p)!));
}

function assertIsolation(people: readonly PersonState[], tf: TfJson, policies: Map<string, ParsedPolicy>) {
  const ownedNamespaces = new Set(people.flatMap((p) => p.namespaces));
  const entities = entityPolicies(tf);
  expect([...entities.keys()].sort()).toEqual(people.map((p) => p.osUser).sort());
  for (const p of people) {
    const token = tokenOf(p, policies, entities);
    expect(allows(token, 'read', `secret/data/workstations/${p.osUser}/api-key`)).toBe(true);
    expect(allows(token, 'create', `secret/data/workstations/${p.osUser}/api-key`)).toBe(true);
    expect(allows(token, 'read', 'auth/token/lookup-self')).toBe(true);
    // The Claude auth sync's own entry: exactly that secret, no listing of the directory.
    expect(allows(token, 'read', `secret/data/workstation/claude-users/${p.osUser}`)).toBe(true);
    expect(allows(token, 'update', `secret/data/workstation/claude-users/${p.osUser}`)).toBe(true);
    expect(allows(token, 'read', `secret/data/workstation/claude-users/${p.osUser}/x`)).toBe(false);
    expect(allows(token, 'list', 'secret/metadata/workstation/claude-users/')).toBe(false);
    if (p.tier === 'power-user') {
      // No KV access beyond their own paths: not even the names of other secrets.
      for (const path of ['secret/metadata/', 'secret/metadata/platform', 'secret/metadata/dbaas/db', 'secret/metadata/workstations/']) {
        for (const cap of ['list', 'read']) expect([path, cap, allows(token, cap, path)]).toEqual([path, cap, false]);
      }
    }
    for (const other of people.filter((o) => o.osUser !== p.osUser)) {
      expect(allows(token, 'read', `secret/data/workstations/${other.osUser}/api-key`)).toBe(false);
      expect(allows(token, 'list', `secret/metadata/workstations/${other.osUser}/`)).toBe(false);
      expect(allows(token, 'read', `secret/data/workstation/claude-users/${other.osUser}`)).toBe(false);
      expect(allows(token, 'update', `secret/data/workstation/claude-users/${other.osUser}`)).toBe(false);
    }
    if (p.tier === 'namespace-owner' || p.tier === 'power-user') {
      expect(allows(token, 'read', 'secret/data/platform')).toBe(false);
      for (const ns of [...ownedNamespaces, 'dbaas']) {
        const own = p.namespaces.includes(ns);
        expect(allows(token, 'read', `secret/data/${ns}`)).toBe(own);
        expect(allows(token, 'read', `secret/data/${ns}/db`)).toBe(own);
        expect(allows(token, 'delete', `secret/metadata/${ns}/db`)).toBe(own);
      }
    }
  }
}

test('every policy parses as HCL and uses only Vault capabilities', async () => {
  const policies = await policiesByName(synthWorkstations(exampleInputs()));
  expect([...policies.keys()].sort()).toEqual([
    'workstations-admin', 'workstations-namespace-owner', 'workstations-power-user',
    'workstations-user-ancamilea', 'workstations-user-emo', 'workstations-user-gheorghe', 'workstations-user-wizard',
  ]);
  for (const policy of policies.values()) {
    expect(policy.size).toBeGreaterThan(0);
    for (const caps of policy.values()) for (const c of caps) expect(CAPABILITIES).toContain(c);
  }
});

test('tokens reach their own paths only (example roster)', async () => {
  const tf = synthWorkstations(exampleInputs());
  assertIsolation(derive(exampleInputs().roster, site).people, tf, await policiesByName(tf));
});

test('tokens reach their own paths only (random rosters)', async () => {
  await fc.assert(
    fc.asyncProperty(validRoster(6), async (raw) => {
      const inputs = inputsFromRaw(raw, site);
      const tf = synthWorkstations(inputs);
      assertIsolation(derive(inputs.roster, site).people, tf, await policiesByName(tf));
    }),
    { numRuns: 20 },
  );
});

test('the evaluator follows Vault precedence (exact beats glob, deny wins)', () => {
  const p = mergePolicies([
    new Map([['secret/data/a/*', new Set(['read'])], ['secret/data/a/b', new Set(['deny'])]]),
  ]);
  expect(allows(p, 'read', 'secret/data/a/c')).toBe(true);
  expect(allows(p, 'read', 'secret/data/a/b')).toBe(false);
  expect(allows(p, 'read', 'secret/data/ab')).toBe(false);
});
