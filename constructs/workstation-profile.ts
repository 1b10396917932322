// WorkstationProfiles, cluster side: every person's Kubernetes bindings and Authentik user
// lookup (the Vault identity is constructs/vault/vault-identities.ts), as ONE `for_each` block per kind of resource, keyed by
// os_user ("<os_user>/<namespace>" for namespace role bindings). The per-person values
// live in `locals` maps, so a roster change edits one key of a map: Terraform plans that
// person's instances only, and the synthesized JSON grows by one map entry per person
// instead of one resource block per person and kind (issue 15).
//
// Every key is the os_user (never a tier or a list position), so a tier change updates
// these instances in place or replaces only the bindings. Earlier versions wrote one block
// per person (`kubernetes_cluster_role_binding_v1.emo`); the `moved` blocks below carry
// such a state over to the keyed addresses without a destroy or a create.
import { TerraformIterator } from 'cdktf';
import { LiteralLocal } from './literal-local';
import { Construct } from 'constructs';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import type { PersonState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { DataAuthentikUser } from './authentik/authentik-provider-binding';
import { MANAGED_BY_LABELS, tfName } from './labels';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Fixed Terraform names of the blocks and locals (shared with the plan summary and the tests). */
export const PROFILE_NAMES = {
  /** local: os_user -> that person's values. */
  peopleLocal: 'workstations_people',
  /** local: "<os_user>/<namespace>" -> one namespace admin binding. */
  namespaceAdminsLocal: 'workstations_namespace_admins',
  clusterRoleBinding: 'person',
  roleBinding: 'namespace_admin',
  authentikUser: 'person',
} as const;

/** Key of one namespace role binding instance. */
export function namespaceAdminKey(osUser: string, namespace: string): string {
  return `${osUser}/${namespace}`;
}

/** One `moved` block: an address of the one-block-per-person layout and where it lives now. */
export interface MovedAddress {
  readonly from: string;
  readonly to: string;
}

export interface WorkstationProfilesProps {
  /** Every person's derived desired state. */
  readonly people: readonly PersonState[];
  readonly site: Site;
  /** false: the Kubernetes plane is in observe; no binding is managed here (default true). */
  readonly manageRbac?: boolean;
  /**
   * false: the Authentik plane is in observe; no user lookup (default true). The lookup fails
   * the plan for a username Authentik does not have, and only group members need the pk.
   */
  readonly lookupAuthentikUsers?: boolean;
}

export class WorkstationProfiles extends Construct {
  /** Terraform resource and data source instances each person accounts for, by os_user. */
  readonly instancesByPerson: ReadonlyMap<string, number>;
  /** The moved blocks written into the stack (old per-person address -> keyed instance). */
  readonly moved: readonly MovedAddress[];

  constructor(scope: Construct, id: string, props: WorkstationProfilesProps) {
    super(scope, id);
    const { people } = props;
    const N = PROFILE_NAMES;

    // Plain data only: the locals are what changes when a person changes. Keys in sorted
    // order, as the JSON is written: such an object is written as it is, not copied
    // (src/synth/fast-stable-json.ts).
    const peopleMap = Object.fromEntries(
      people.map((p) => [
        p.osUser,
        {
          authentik_user: p.authentikUser,
          binding_name: `workstations-${p.osUser}`,
          cluster_role: p.cluster.clusterRole,
          k8s_user: p.k8sUser,
          subject: p.cluster.subject,
          tier: p.tier,
        },
      ]),
    );
    const namespaceAdmins = Object.fromEntries(
      people.flatMap((p) =>
        p.cluster.namespaceAdminIn.map((namespace) => [
          namespaceAdminKey(p.osUser, namespace),
          { binding_name: `workstations-${p.osUser}`, namespace, os_user: p.osUser, subject: p.cluster.subject },
        ]),
      ),
    );
    const peopleLocal = new LiteralLocal(this, N.peopleLocal, peopleMap);
    peopleLocal.overrideLogicalId(N.peopleLocal);
    const nsLocal = new LiteralLocal(this, N.namespaceAdminsLocal, namespaceAdmins);
    nsLocal.overrideLogicalId(N.namespaceAdminsLocal);

    const person = TerraformIterator.fromMap(peopleLocal.asAnyMap);
    const labels = { ...MANAGED_BY_LABELS, 'workstations/os-user': person.key };
    const rbac = props.manageRbac !== false;

    if (rbac) new ClusterRoleBindingV1(this, 'cluster-role-binding', {
      forEach: person,
      metadata: { name: person.getString('binding_name'), labels },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: person.getString('cluster_role') },
      subject: [{ kind: 'User', name: person.getString('subject'), apiGroup: RBAC_GROUP }],
    }).overrideLogicalId(N.clusterRoleBinding);

    const ns = TerraformIterator.fromMap(nsLocal.asAnyMap);
    if (rbac) new RoleBindingV1(this, 'namespace-admin', {
      forEach: ns,
      metadata: {
        name: ns.getString('binding_name'),
        namespace: ns.getString('namespace'),
        labels: { ...MANAGED_BY_LABELS, 'workstations/os-user': ns.getString('os_user') },
      },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'admin' },
      subject: [{ kind: 'User', name: ns.getString('subject'), apiGroup: RBAC_GROUP }],
    }).overrideLogicalId(N.roleBinding);

    const lookup = props.lookupAuthentikUsers !== false;
    if (lookup) new DataAuthentikUser(this, 'authentik-user', { forEach: person, username: person.getString('authentik_user') }).overrideLogicalId(
      N.authentikUser,
    );

    const counts = new Map<string, number>();
    for (const p of people) {
      // binding and one binding per namespace (none when the Kubernetes plane is observed),
      // Authentik user lookup (none when Authentik is); the Vault plane counts its own.
      counts.set(p.osUser, (rbac ? 1 + p.cluster.namespaceAdminIn.length : 0) + (lookup ? 1 : 0));
    }
    this.instancesByPerson = counts;

    // From the one-block-per-person layout (names as tfName() wrote them) to the keys.
    // A `moved` whose `from` is not in the state does nothing, so these stay harmless
    // once every state has moved. Plain JSON (not constructs): cheap to synthesize.
    const moved: MovedAddress[] = [];
    const key = (k: string) => JSON.stringify(k);
    for (const p of people) {
      const u = p.osUser;
      if (rbac) moved.push({ from: `kubernetes_cluster_role_binding_v1.${tfName(u)}`, to: `kubernetes_cluster_role_binding_v1.${N.clusterRoleBinding}[${key(u)}]` });
      for (const namespace of rbac ? p.cluster.namespaceAdminIn : []) {
        moved.push({
          from: `kubernetes_role_binding_v1.${tfName(u, namespace)}`,
          to: `kubernetes_role_binding_v1.${N.roleBinding}[${key(namespaceAdminKey(u, namespace))}]`,
        });
      }
    }
    // An os_user equal to a block name (`person`) moves `x.person` to `x.person["person"]`:
    // Terraform's documented way of adding for_each to a block, so no clash.
    // Written by the stack together with the other planes' moved blocks (one `moved` key).
    this.moved = moved;
  }

  /** Expression of a person's Authentik user pk (what authentik_group.users takes). */
  static authentikUserPk(osUser: string): string {
    return `\${data.authentik_user.${PROFILE_NAMES.authentikUser}[${JSON.stringify(osUser)}].pk}`;
  }
}
