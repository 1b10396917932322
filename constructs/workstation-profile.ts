// WorkstationProfile, cluster side: one person's Kubernetes bindings, Vault identity
// and Authentik user lookup. Every address is keyed by os_user (never by tier or list
// position), so a tier change updates these resources in place or replaces only the
// bindings, and the Vault entity and alias keep their addresses.
import { Construct } from 'constructs';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { IdentityEntity } from '@cdktf/provider-vault/lib/identity-entity';
import { IdentityEntityAlias } from '@cdktf/provider-vault/lib/identity-entity-alias';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import type { PersonState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { personalPolicyPaths, renderPolicy } from '../src/tiers/vault-policies';
import { DataAuthentikUser } from './authentik/authentik-provider-binding';
import { MANAGED_BY_LABELS, tfName } from './labels';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface WorkstationProfileProps {
  /** The person's derived desired state. */
  readonly person: PersonState;
  readonly site: Site;
  /** Accessor of the Vault OIDC auth mount (from a data source, never hard-coded). */
  readonly oidcMountAccessor: string;
}

export class WorkstationProfile extends Construct {
  readonly authentikUser: DataAuthentikUser;
  readonly vaultEntity: IdentityEntity;

  constructor(scope: Construct, id: string, props: WorkstationProfileProps) {
    super(scope, id);
    const { person, site } = props;
    const u = person.osUser;
    const name = `workstations-${u}`;
    const labels = { ...MANAGED_BY_LABELS, 'workstations/os-user': u };
    const subject = [{ kind: 'User', name: person.cluster.subject, apiGroup: RBAC_GROUP }];

    new ClusterRoleBindingV1(this, 'cluster-role-binding', {
      metadata: { name, labels },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: person.cluster.clusterRole },
      subject,
    }).overrideLogicalId(tfName(u));

    for (const namespace of person.cluster.namespaceAdminIn) {
      new RoleBindingV1(this, `role-binding-${namespace}`, {
        metadata: { name, namespace, labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'admin' },
        subject,
      }).overrideLogicalId(tfName(u, namespace));
    }

    new Policy(this, 'personal-policy', {
      name: person.vault.personalPolicy,
      policy: renderPolicy(`personal policy of ${u}`, personalPolicyPaths(person, site)),
    }).overrideLogicalId(tfName('user', u));

    this.vaultEntity = new IdentityEntity(this, 'vault-entity', {
      name: person.vault.entity,
      policies: [...person.vault.policies],
      metadata: { os_user: u, tier: person.tier, k8s_user: person.k8sUser },
    });
    this.vaultEntity.overrideLogicalId(tfName(u));

    new IdentityEntityAlias(this, 'vault-alias', {
      name: person.vault.alias,
      mountAccessor: props.oidcMountAccessor,
      canonicalId: this.vaultEntity.id,
    }).overrideLogicalId(tfName(u));

    this.authentikUser = new DataAuthentikUser(this, 'authentik-user', { username: person.authentikUser });
    this.authentikUser.overrideLogicalId(tfName(u));
  }
}
