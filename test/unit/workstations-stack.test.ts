// The synthesized `workstations` stack: pinned snapshot, RBAC invariants per tier,
// Kubernetes schema validity, and stability of addresses under roster edits.
import fc from 'fast-check';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { derive } from '../../src/desired/derive';
import type { PersonState } from '../../src/desired/types';
import { validRoster, RawRoster } from '../support/arbitraries';
import { exampleInputs, exampleSite } from '../support/inputs';
import { RbacEvaluator } from '../support/rbac-evaluator';
import { expandInstances, instanceIndex } from '../support/for-each';
import { inputsFromRaw, synthWorkstations, TfJson } from '../support/synth';

const site = exampleSite();
const example = synthWorkstations(exampleInputs());
/** The example with every for_each block expanded into its instances. */
const instances = expandInstances(example);

test('synthesized workstations stack for the example roster', () => {
  expect(example).toMatchSnapshot();
});

describe('RBAC tier invariants', () => {
  const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate'];
  const EXEC_LIKE = ['pods/exec', 'pods/attach', 'pods/portforward', 'nodes/proxy', 'services/proxy', 'pods/proxy', 'serviceaccounts/token'];

  function assertTierInvariants(tf: TfJson, people: readonly PersonState[]) {
    const rbac = new RbacEvaluator(tf);
    const allNamespaces = [...new Set(people.flatMap((p) => p.namespaces)), 'platform', 'dbaas'];
    for (const p of people) {
      const u = p.cluster.subject;
      switch (p.tier) {
        case 'admin':
          for (const verb of ['get', 'delete', 'create', 'escalate', 'impersonate']) {
            expect(rbac.can(u, verb, 'secrets', 'dbaas')).toBe(true);
          }
          expect(rbac.can(u, 'create', 'pods/exec', 'dbaas')).toBe(true);
          break;
        case 'power-user':
          expect(rbac.can(u, 'list', 'pods')).toBe(true);
          expect(rbac.can(u, 'get', 'deployments', 'dbaas', 'apps')).toBe(true);
          for (const verb of ['get', 'list', 'watch']) {
            expect(rbac.can(u, verb, 'secrets')).toBe(false);
            for (const ns of allNamespaces) expect(rbac.can(u, verb, 'secrets', ns)).toBe(false);
          }
          for (const sub of EXEC_LIKE) {
            expect(rbac.can(u, 'create', sub, 'dbaas')).toBe(false);
            expect(rbac.can(u, 'get', sub, 'dbaas')).toBe(false);
          }
          for (const verb of WRITE_VERBS) {
            for (const res of ['pods', 'deployments', 'configmaps', 'clusterroles', 'rolebindings']) {
              expect(rbac.can(u, verb, res)).toBe(false);
              expect(rbac.can(u, verb, res, 'dbaas')).toBe(false);
            }
          }
          break;
        case 'namespace-owner':
          expect(rbac.can(u, 'list', 'namespaces')).toBe(true);
          expect(rbac.can(u, 'list', 'nodes')).toBe(true);
          for (const ns of allNamespaces) {
            const own = p.namespaces.includes(ns);
            expect(rbac.can(u, 'create', 'deployments', ns, 'apps')).toBe(own);
            expect(rbac.can(u, 'delete', 'pods', ns)).toBe(own);
            expect(rbac.can(u, 'get', 'secrets', ns)).toBe(own);
            expect(rbac.can(u, 'list', 'secrets', ns)).toBe(own);
          }
          expect(rbac.can(u, 'list', 'secrets')).toBe(false);
          expect(rbac.can(u, 'delete', 'namespaces')).toBe(false);
          expect(rbac.can(u, 'create', 'clusterrolebindings')).toBe(false);
          break;
      }
    }
  }

  test('hold for every person of the example roster', () => {
    assertTierInvariants(example, derive(exampleInputs().roster, site).people);
  });

  test('hold for every person of random rosters', () => {
    fc.assert(
      fc.property(validRoster(6), (raw) => {
        const inputs = inputsFromRaw(raw, site);
        assertTierInvariants(synthWorkstations(inputs), derive(inputs.roster, site).people);
      }),
      { numRuns: 25 },
    );
  });

  test('the custom roles use explicit resources and read verbs only', () => {
    for (const role of Object.values(example.resource.kubernetes_cluster_role_v1)) {
      for (const rule of (role as { rule: { resources: string[]; verbs: string[]; api_groups: string[] }[] }).rule) {
        expect(rule.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
        for (const r of rule.resources) {
          expect(r).not.toContain('*');
          expect(r).not.toBe('secrets');
          expect(r).not.toMatch(/\/(exec|attach|portforward|proxy|token)$/);
        }
        expect(rule.api_groups).not.toContain('*');
      }
    }
  });
});

describe('Kubernetes objects validate against the Kubernetes OpenAPI schema', () => {
  const meta = (m: { name: string; namespace?: string; labels?: Record<string, string> }) => ({
    name: m.name,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.labels ? { labels: m.labels } : {}),
  });
  const subjects = (s: { kind: string; name: string; api_group: string }[]) => s.map((x) => ({ kind: x.kind, name: x.name, apiGroup: x.api_group }));
  const roleRef = (r: { api_group: string; kind: string; name: string }) => ({ apiGroup: r.api_group, kind: r.kind, name: r.name });

  test.each(Object.entries(example.resource.kubernetes_cluster_role_v1))('ClusterRole %s', (_name, body) => {
    const b = body as unknown as { metadata: never; rule: { api_groups: string[]; resources: string[]; verbs: string[] }[] };
    const obj = new ClusterRole({ metadata: meta(b.metadata), rules: b.rule.map((r) => ({ apiGroups: r.api_groups, resources: r.resources, verbs: r.verbs })) });
    expect(() => obj.validate()).not.toThrow();
  });

  test.each(Object.entries(instances.resource.kubernetes_cluster_role_binding_v1))('ClusterRoleBinding %s', (_name, body) => {
    const b = body as unknown as { metadata: never; role_ref: never; subject: never };
    expect(() => new ClusterRoleBinding({ metadata: meta(b.metadata), roleRef: roleRef(b.role_ref), subjects: subjects(b.subject) }).validate()).not.toThrow();
  });

  test.each(Object.entries(instances.resource.kubernetes_role_binding_v1))('RoleBinding %s', (_name, body) => {
    const b = body as unknown as { metadata: never; role_ref: never; subject: never };
    expect(() => new RoleBinding({ metadata: meta(b.metadata), roleRef: roleRef(b.role_ref), subjects: subjects(b.subject) }).validate()).not.toThrow();
  });

  test('the validator does reject a malformed binding', () => {
    expect(() => new RoleBinding({ metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole' } as never }).validate()).toThrow(/name/);
  });
});

describe('stability of addresses', () => {
  /** An instance address keyed by this person (`T.n["emo"]`, `T.n["emo/<namespace>"]`). */
  const personal = (osUser: string) => (address: string) => {
    const key = /\["([^"]+)"\]$/.exec(address)?.[1];
    return key !== undefined && (key === osUser || key.startsWith(`${osUser}/`));
  };

  test('every per-person resource is a for_each block over a locals map, keyed by os_user', () => {
    const perPerson = Object.entries(example.resource).flatMap(([type, byName]) =>
      Object.entries(byName).filter(([, b]) => b.for_each !== undefined).map(([name, b]) => [`${type}.${name}`, b.for_each]),
    );
    expect(perPerson.sort()).toEqual([
      ['kubernetes_cluster_role_binding_v1.person', '${local.workstations_people}'],
      ['kubernetes_role_binding_v1.namespace_admin', '${local.workstations_namespace_admins}'],
      ['vault_identity_entity.person', '${local.workstations_vault_people}'],
      ['vault_identity_entity_alias.person', '${local.workstations_vault_people}'],
      ['vault_identity_entity_policies.person', '${local.workstations_vault_people}'],
      ['vault_policy.personal', '${local.workstations_vault_people}'],
    ]);
    expect(example.data!.authentik_user).toEqual({ person: { for_each: '${local.workstations_people}', username: '${each.value.authentik_user}' } });
    // Nothing else is per person: the other blocks are the tiers, groups and the OIDC mount.
    const names = Object.entries(example.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
    for (const u of ['ancamilea', 'emo', 'gheorghe', 'wizard']) expect(names.filter((n) => n.includes(u))).toEqual([]);
  });

  test('removing one person removes exactly their instances; only group member lists change elsewhere', () => {
    fc.assert(
      fc.property(validRoster(6), fc.nat(), (raw, pick) => {
        const names = Object.keys(raw.people);
        const gone = names[pick % names.length];
        const smaller: RawRoster = structuredClone(raw);
        delete smaller.people[gone];
        const before = inputsFromRaw(raw, site);
        let afterInputs;
        try {
          afterInputs = inputsFromRaw(smaller, site);
        } catch {
          fc.pre(false); // removal made the roster invalid (last of a tier): refused, nothing to compare
          return;
        }
        const a = instanceIndex(synthWorkstations(before));
        const b = instanceIndex(synthWorkstations(afterInputs));
        const isGone = personal(gone);
        expect([...a.keys()].filter(isGone).length).toBeGreaterThanOrEqual(5);
        for (const [key, body] of a) {
          if (isGone(key)) {
            expect(b.has(key)).toBe(false);
          } else if (key.startsWith('authentik_group.')) {
            const users = (JSON.parse(body) as { users: string[] }).users.filter((u) => u !== `\${data.authentik_user.person["${gone}"].pk}`);
            expect(JSON.parse(b.get(key)!)).toEqual({ ...JSON.parse(body), users });
          } else {
            expect(b.get(key)).toBe(body);
          }
        }
        expect([...b.keys()].filter((k) => !a.has(k))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  test('changing a person\'s tier never changes the address of their Vault entity or alias', () => {
    const { roster } = exampleInputs();
    const before = instanceIndex(synthWorkstations({ roster, site }));
    const promoted = structuredClone(roster);
    promoted.people.gheorghe = { ...promoted.people.gheorghe, tier: 'power-user', namespaces: undefined };
    const after = instanceIndex(synthWorkstations({ roster: promoted, site }));
    for (const key of ['vault_identity_entity.person["gheorghe"]', 'vault_identity_entity_alias.person["gheorghe"]']) {
      expect(before.has(key)).toBe(true);
      expect(after.has(key)).toBe(true);
    }
    expect(after.get('vault_identity_entity_alias.person["gheorghe"]')).toBe(before.get('vault_identity_entity_alias.person["gheorghe"]'));
    expect(JSON.parse(after.get('vault_identity_entity_policies.person["gheorghe"]')!).policies).toEqual(['workstations-power-user', 'workstations-user-gheorghe']);
    expect(before.has('kubernetes_role_binding_v1.namespace_admin["gheorghe/vabbit81"]')).toBe(true);
    expect(after.has('kubernetes_role_binding_v1.namespace_admin["gheorghe/vabbit81"]')).toBe(false);
    // Every other person's instances are byte-identical.
    for (const [key, body] of before) if (!personal('gheorghe')(key) && !key.startsWith('authentik_group.')) expect(after.get(key)).toBe(body);
  });
});

describe('a roster with one admin and nobody else', () => {
  const inputs = exampleInputs();
  const roster = structuredClone(inputs.roster);
  for (const u of Object.keys(roster.people)) if (u !== 'wizard') delete roster.people[u];
  const lone = synthWorkstations({ roster, site: inputs.site });

  test('synthesizes: the admin\'s instances, empty groups as users = [], no namespace bindings', () => {
    expect(Object.keys(lone.locals as object).sort()).toEqual(['workstations_namespace_admins', 'workstations_people', 'workstations_vault_people']);
    expect(Object.keys((lone.locals as Record<string, object>).workstations_people)).toEqual(['wizard']);
    expect((lone.locals as Record<string, object>).workstations_namespace_admins).toEqual({});
    expect(lone.resource.authentik_group).toEqual({
      kubernetes_admins: { name: 'kubernetes-admins', users: ['${data.authentik_user.person["wizard"].pk}'] },
      kubernetes_namespace_owners: { name: 'kubernetes-namespace-owners', users: [] },
      kubernetes_power_users: { name: 'kubernetes-power-users', users: [] },
      t3_users: { name: 'T3 Users', users: ['${data.authentik_user.person["wizard"].pk}'] },
    });
    const rbac = new RbacEvaluator(lone);
    expect(rbac.can('vbarzin@example.com', 'delete', 'secrets', 'dbaas')).toBe(true);
    expect(lone.moved).toHaveLength(4);
  });
});

test('the synthesized JSON carries no secret-like value', () => {
  const text = JSON.stringify(example);
  const patterns: [string, RegExp][] = [
    ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ['connection string with password', /[a-z]+:\/\/[^/\s:@"]+:[^/\s@"]+@/i],
    ['GitHub token', /gh[pousr]_[A-Za-z0-9]{20,}|github_pat_/],
    ['Anthropic key', /sk-ant-/],
    ['AWS key', /AKIA[0-9A-Z]{16}/],
    ['Vault token', /\bhv[sb]\.[A-Za-z0-9_-]{20,}/],
    ['JWT', /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
    ['password or token field', /"(password|token|conn_str|secret_id|client_secret)"\s*:/i],
  ];
  for (const [what, re] of patterns) expect({ what, found: re.test(text) }).toEqual({ what, found: false });
  // The scan itself must catch a planted connection string.
  expect(patterns[1][1].test('"postgres://tf:hunter2@pg:5432/db"')).toBe(true);
});
