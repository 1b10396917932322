// The plan summary's migration part, read from the plan JSON only:
// - observed differences (issue 14, planes in observe or adopt): per person, every
//   difference between what the roster expects (output workstations_migration) and what the
//   data sources read (data.authentik_group.*, data.kubernetes_resources.observed_*);
// - legacy access (issue 14 item 5): people whose k8s_user is a key of the legacy
//   k8s_users map (output legacy_k8s_users) keep what the rbac stack's bindings grant, even
//   after their roster row is removed, until the legacy entry is removed.
import { MIGRATION_OUTPUT, MigrationExpectationsValue } from '../../constructs/migration/roster-expectations';
import { OBSERVED_RBAC_NAMES } from '../../constructs/kubernetes/observed-rbac';
import { MANAGED_BY_LABELS } from '../../constructs/labels';
import { kindOf, PlanJson, StateResource } from './plan-json';

const LEGACY_KEYS_OUTPUT = 'legacy_k8s_users';
const LEGACY_CARRIER = /^legacy_cross_check_(.+)$/;

/** The parts of the plan JSON this module reads besides resource_changes. */
interface PlanWithOutputs extends PlanJson {
  readonly planned_values?: { readonly outputs?: Record<string, { readonly value?: unknown }> };
}

export interface ObservedDifference {
  /** The person; `undefined` for what is about nobody in the roster (members, leftovers). */
  readonly osUser?: string;
  readonly details: readonly string[];
}

export interface MigrationReport {
  /** Modes of the planes not owned, e.g. "authentik observe, kubernetes adopt" (absent: every plane owned). */
  readonly modes?: string;
  readonly observed: readonly ObservedDifference[];
  /** os_users (of the roster or leaving in this plan) with access from the legacy k8s_users map. */
  readonly legacyAccess: readonly { readonly osUser: string; readonly k8sUser: string; readonly leaving: boolean }[];
}

function output<T>(plan: PlanWithOutputs, name: string): T | undefined {
  return plan.planned_values?.outputs?.[name]?.value as T | undefined;
}

function dataResources(plan: PlanJson): StateResource[] {
  return (plan.prior_state?.values?.root_module?.resources ?? []).filter((r) => r.mode === 'data');
}

interface K8sObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string }[];
}

export function migrationReport(plans: readonly PlanJson[]): MigrationReport {
  const observed = new Map<string | undefined, string[]>();
  const add = (osUser: string | undefined, detail: string) => observed.set(osUser, [...(observed.get(osUser) ?? []), detail]);
  const legacyAccess: MigrationReport['legacyAccess'][number][] = [];
  let modes: string | undefined;

  for (const plan of plans as readonly PlanWithOutputs[]) {
    const expected = output<MigrationExpectationsValue>(plan, MIGRATION_OUTPUT);
    const data = dataResources(plan);
    if (expected) {
      const m = expected.modes;
      modes = (['authentik', 'kubernetes', 'vault'] as const).filter((p) => m[p] !== 'own').map((p) => `${p} ${m[p]}`).join(', ');
      if (m.authentik !== 'own') authentikDifferences(expected, data, add);
      if (m.kubernetes !== 'own') kubernetesDifferences(expected, data, add);
    }
    legacyAccess.push(...legacyAccessOf(plan));
  }
  const people = [...observed.keys()].filter((u): u is string => u !== undefined).sort();
  const rest = observed.get(undefined);
  return {
    ...(modes ? { modes } : {}),
    observed: [...people.map((osUser) => ({ osUser, details: observed.get(osUser)! })), ...(rest ? [{ details: rest }] : [])],
    legacyAccess: legacyAccess.sort((a, b) => a.osUser.localeCompare(b.osUser)),
  };
}

function authentikDifferences(e: MigrationExpectationsValue, data: StateResource[], add: (u: string | undefined, d: string) => void): void {
  const pkOf = new Map<string, number>();
  for (const r of data) if (r.type === 'authentik_user' && r.index !== undefined && typeof r.values?.pk === 'number') pkOf.set(String(r.index), r.values.pk);
  for (const [group, name] of Object.entries(e.authentik_groups)) {
    const found = data.find((r) => r.type === 'authentik_group' && r.address === `data.authentik_group.${name}`)?.values;
    if (!found) continue; // not read in this plan (read at apply): nothing to compare
    const members = (found.users_obj as { pk?: number; username?: string }[] | undefined) ?? [];
    const pks = new Set([...((found.users as number[] | undefined) ?? []), ...members.map((m) => m.pk)]);
    const usernames = new Set(members.map((m) => m.username));
    const rosterUsers = new Set<string>();
    for (const [osUser, p] of Object.entries(e.people)) {
      rosterUsers.add(p.authentik_user);
      const pk = pkOf.get(osUser);
      const isMember = usernames.has(p.authentik_user) || (pk !== undefined && pks.has(pk));
      const wanted = p.groups.includes(group);
      if (wanted && !isMember) add(osUser, `authentik: not in ${group} (the roster puts them there)`);
      if (!wanted && isMember) add(osUser, `authentik: in ${group} (the roster does not put them there)`);
    }
    const others = members.filter((m) => m.username !== undefined && !rosterUsers.has(m.username)).map((m) => m.username!).sort();
    if (others.length) add(undefined, `authentik: ${group} has members not in the roster: ${others.join(', ')}`);
  }
}

function kubernetesDifferences(e: MigrationExpectationsValue, data: StateResource[], add: (u: string | undefined, d: string) => void): void {
  const N = OBSERVED_RBAC_NAMES;
  const list = (name: string) => data.find((r) => r.address === `data.kubernetes_resources.${name}`)?.values?.objects as K8sObject[] | undefined;
  const crbs = list(N.clusterRoleBindings);
  const rbs = list(N.roleBindings);
  if (!crbs || !rbs) return;
  const names = (o: K8sObject) => ({ name: o.metadata?.name ?? '?', ns: o.metadata?.namespace ?? '?', role: `${o.roleRef?.kind ?? '?'} ${o.roleRef?.name ?? '?'}` });
  const binds = (o: K8sObject, subject: string) => (o.subjects ?? []).some((s) => s.kind === 'User' && s.name === subject);
  const ours = (o: K8sObject) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY_LABELS['app.kubernetes.io/managed-by'];
  for (const [osUser, p] of Object.entries(e.people)) {
    const mine = crbs.find((o) => o.metadata?.name === p.binding_name);
    if (!mine) add(osUser, `kubernetes: no ClusterRoleBinding ${p.binding_name} (the roster grants ClusterRole ${p.cluster_role})`);
    else if (mine.roleRef?.name !== p.cluster_role || !binds(mine, p.subject)) {
      add(osUser, `kubernetes: ClusterRoleBinding ${p.binding_name} binds ${names(mine).role} to ${(mine.subjects ?? []).map((s) => s.name).join(', ') || 'nobody'}; the roster: ClusterRole ${p.cluster_role} to ${p.subject}`);
    }
    for (const ns of p.namespaces) {
      if (!rbs.some((o) => o.metadata?.namespace === ns && o.metadata?.name === p.binding_name && binds(o, p.subject))) {
        add(osUser, `kubernetes: no RoleBinding ${ns}/${p.binding_name} (the roster makes them admin of ${ns})`);
      }
    }
    for (const o of crbs.filter((x) => x !== mine && binds(x, p.subject))) {
      add(osUser, `kubernetes: ${ours(o) ? '' : 'legacy '}ClusterRoleBinding ${names(o).name} also grants ${names(o).role}`);
    }
    for (const o of rbs.filter((x) => binds(x, p.subject) && !(x.metadata?.name === p.binding_name && p.namespaces.includes(x.metadata?.namespace ?? '')))) {
      add(osUser, `kubernetes: ${ours(o) ? '' : 'legacy '}RoleBinding ${names(o).ns}/${names(o).name} also grants ${names(o).role}`);
    }
  }
  // This product's bindings (by label) for nobody in the roster: left over from a person removed before.
  for (const o of [...crbs, ...rbs].filter((x) => ours(x))) {
    const who = o.metadata?.labels?.['workstations/os-user'];
    if (who !== undefined && !(who in e.people)) {
      add(undefined, `kubernetes: ${o.metadata?.namespace ? `RoleBinding ${o.metadata.namespace}/` : 'ClusterRoleBinding '}${o.metadata?.name} is labelled for ${who}, who is not in the roster`);
    }
  }
}

/** Roster people (and people leaving in this plan) whose k8s_user the legacy map still has. */
function legacyAccessOf(plan: PlanWithOutputs): MigrationReport['legacyAccess'][number][] {
  const keys = output<string[]>(plan, LEGACY_KEYS_OUTPUT);
  if (!Array.isArray(keys)) return [];
  const out: MigrationReport['legacyAccess'][number][] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== 'managed' || rc.type !== 'terraform_data' || !LEGACY_CARRIER.test(rc.name)) continue;
    const leaving = kindOf(rc) === 'delete';
    const input = ((leaving ? rc.change.before : rc.change.after)?.input ?? {}) as { os_user?: string; k8s_user?: string };
    if (input.os_user && input.k8s_user && keys.includes(input.k8s_user)) out.push({ osUser: input.os_user, k8sUser: input.k8s_user, leaving });
  }
  return out;
}

/** The note of item 5 (one line, every person named). */
export function legacyAccessNote(report: MigrationReport): string | undefined {
  if (report.legacyAccess.length === 0) return undefined;
  const who = report.legacyAccess.map((l) => `${l.osUser}${l.k8sUser !== l.osUser ? ` (k8s_user ${l.k8sUser})` : ''}`).join(', ');
  return (
    `Legacy k8s_users map: ${who} also ${report.legacyAccess.length === 1 ? 'has' : 'have'} cluster access from it (the rbac stack's bindings). ` +
    'Removing a roster row does not revoke that access until the legacy entry is removed (README "Adopting an existing homelab", Kubernetes plane).'
  );
}
