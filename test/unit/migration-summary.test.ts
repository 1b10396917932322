// The plan summary's migration part (issue 14 items 1 and 5), on plan JSON shaped as
// `terraform show -json` writes it: data sources in prior_state, outputs in planned_values.
import { MIGRATION_OUTPUT, MigrationExpectationsValue } from '../../constructs/migration/roster-expectations';
import type { PlanJson } from '../../src/plan/plan-json';
import { renderSummary, summarize } from '../../src/plan/summary';

const expected: MigrationExpectationsValue = {
  modes: { authentik: 'observe', kubernetes: 'observe', vault: 'own' },
  authentik_groups: { 'kubernetes-power-users': 'kubernetes_power_users', 'T3 Users': 't3_users' },
  people: {
    emo: {
      authentik_user: 'emil@example.com', k8s_user: 'emo', groups: ['kubernetes-power-users', 'T3 Users'],
      subject: 'emil@example.com', binding_name: 'workstations-emo', cluster_role: 'workstations-power-user-readonly', namespaces: [],
    },
    gheorghe: {
      authentik_user: 'gh@example.com', k8s_user: 'gheorghe', groups: [],
      subject: 'gh@example.com', binding_name: 'workstations-gheorghe', cluster_role: 'workstations-namespace-owner-nav', namespaces: ['vabbit81'],
    },
  },
};

const user = (s: string) => ({ kind: 'User', name: s, apiGroup: 'rbac.authorization.k8s.io' });
const ours = (osUser: string) => ({ 'app.kubernetes.io/managed-by': 'devvm-workstations', 'workstations/os-user': osUser });
const data = (type: string, name: string, values: Record<string, unknown>, index?: string) => ({
  address: `data.${type}.${name}${index !== undefined ? `["${index}"]` : ''}`, mode: 'data', type, name, ...(index !== undefined ? { index } : {}), values,
});

function observedPlan(): PlanJson {
  return {
    format_version: '1.2',
    resource_changes: [],
    planned_values: { outputs: { [MIGRATION_OUTPUT]: { value: expected } } },
    prior_state: {
      values: {
        root_module: {
          resources: [
            data('authentik_user', 'person', { pk: 7, username: 'emil@example.com' }, 'emo'),
            data('authentik_user', 'person', { pk: 9, username: 'gh@example.com' }, 'gheorghe'),
            // emo is in T3 Users but not in the power users; gheorghe is a power user the roster does not make one; one stranger.
            data('authentik_group', 'kubernetes_power_users', { pk: 'u1', users: [9, 12], users_obj: [{ pk: 9, username: 'gh@example.com' }, { pk: 12, username: 'zoe@example.com' }] }),
            data('authentik_group', 't3_users', { pk: 'u2', users: [7], users_obj: [{ pk: 7, username: 'emil@example.com' }] }),
            data('kubernetes_resources', 'observed_cluster_role_bindings', {
              objects: [
                { metadata: { name: 'oidc-power-user-readonly-emo' }, roleRef: { kind: 'ClusterRole', name: 'power-user-readonly' }, subjects: [user('emil@example.com')] },
                { metadata: { name: 'workstations-gheorghe', labels: ours('gheorghe') }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [user('gh@example.com')] },
                { metadata: { name: 'workstations-old', labels: ours('old') }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [user('old@example.com')] },
              ],
            }),
            data('kubernetes_resources', 'observed_role_bindings', {
              objects: [{ metadata: { name: 'namespace-owner-gheorghe', namespace: 'vabbit81' }, roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [user('gh@example.com')] }],
            }),
          ],
        },
      },
    },
  } as PlanJson;
}

test('observe: every difference per person, and what is about nobody in the roster', () => {
  expect(renderSummary(summarize([observedPlan()]))).toBe(
    [
      'People: no changes',
      'Other changes: none',
      'Roster against what exists (authentik observe, kubernetes observe; observe changes nothing, adopt imports and then applies the roster):',
      '  emo              authentik: not in kubernetes-power-users (the roster puts them there); ' +
        'kubernetes: no ClusterRoleBinding workstations-emo (the roster grants ClusterRole workstations-power-user-readonly); ' +
        'kubernetes: legacy ClusterRoleBinding oidc-power-user-readonly-emo also grants ClusterRole power-user-readonly',
      '  gheorghe         authentik: in kubernetes-power-users (the roster does not put them there); ' +
        'kubernetes: ClusterRoleBinding workstations-gheorghe binds ClusterRole view to gh@example.com; the roster: ClusterRole workstations-namespace-owner-nav to gh@example.com; ' +
        'kubernetes: no RoleBinding vabbit81/workstations-gheorghe (the roster makes them admin of vabbit81); ' +
        'kubernetes: legacy RoleBinding vabbit81/namespace-owner-gheorghe also grants ClusterRole admin',
      '  (not in roster)  authentik: kubernetes-power-users has members not in the roster: zoe@example.com; ' +
        'kubernetes: ClusterRoleBinding workstations-old is labelled for old, who is not in the roster',
      '',
    ].join('\n'),
  );
});

test('no difference: the section says so; all planes owned: no section at all', () => {
  const plan = observedPlan() as unknown as { prior_state: { values: { root_module: { resources: unknown[] } } }; planned_values: unknown };
  plan.prior_state.values.root_module.resources = [];
  expect(renderSummary(summarize([plan as unknown as PlanJson]))).toContain('(authentik observe, kubernetes observe; observe changes nothing, adopt imports and then applies the roster): no differences');
  expect(renderSummary(summarize([{ format_version: '1.2', resource_changes: [] }]))).toBe('People: no changes\nOther changes: none\n');
});

test('item 5: people with a legacy k8s_users entry are named, and a person leaving keeps that access', () => {
  const carrier = (osUser: string, actions: string[]) => {
    const values = { input: { os_user: osUser, k8s_user: osUser } };
    return {
      address: `terraform_data.legacy_cross_check_${osUser}`, mode: 'managed', type: 'terraform_data', name: `legacy_cross_check_${osUser}`,
      change: { actions, before: actions.includes('create') ? null : values, after: actions.includes('delete') ? null : values },
    };
  };
  const plan = {
    format_version: '1.2',
    planned_values: { outputs: { legacy_k8s_users: { value: ['emo', 'gheorghe', 'someone'] } } },
    resource_changes: [
      carrier('emo', ['no-op']),
      carrier('gheorghe', ['delete']),
      carrier('wizard', ['no-op']),
      {
        address: 'vault_identity_entity.person["gheorghe"]', mode: 'managed', type: 'vault_identity_entity', name: 'person', index: 'gheorghe',
        change: { actions: ['delete'], before: { name: 'gheorghe', metadata: { tier: 'namespace-owner' } }, after: null },
      },
    ],
  } as unknown as PlanJson;
  const text = renderSummary(summarize([plan]));
  expect(text).toContain("- OFFBOARD  gheorghe  cluster access removed; still in the legacy k8s_users map: the rbac stack's access stays until that entry is removed");
  expect(text).toContain(
    '  ! Legacy k8s_users map: emo, gheorghe also have cluster access from it (the rbac stack\'s bindings). Removing a roster row does not revoke that access until the legacy entry is removed',
  );
  expect(text).not.toContain('wizard');
});

test('adopt: an import is listed with its ID, also when it changes nothing, and never counts as an onboarding', () => {
  const rc = (address: string, type: string, name: string, actions: string[], id: string, index?: string) => ({
    address, mode: 'managed', type, name, ...(index !== undefined ? { index } : {}),
    change: { actions, before: { name }, after: { name }, importing: { id } },
  });
  const plan = {
    format_version: '1.2',
    resource_changes: [
      rc('authentik_group.t3_users', 'authentik_group', 't3_users', ['update'], '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27'),
      rc('kubernetes_cluster_role_binding_v1.person["emo"]', 'kubernetes_cluster_role_binding_v1', 'person', ['no-op'], 'workstations-emo', 'emo'),
    ],
  } as unknown as PlanJson;
  expect(renderSummary(summarize([plan]))).toBe(
    [
      'People: no changes',
      'Other changes:',
      '  ~ update   authentik_group.t3_users (import 5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27)',
      '  = import   kubernetes_cluster_role_binding_v1.person["emo"] (import workstations-emo)',
      '',
    ].join('\n'),
  );
});
