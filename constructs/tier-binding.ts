// TierBinding: what one RBAC tier means in the cluster and in Vault, once per tier.
// The rights themselves are defined in src/tiers/ (kubernetes-rules.ts, vault-policies.ts).
import { Construct } from 'constructs';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import type { TierState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { CUSTOM_CLUSTER_ROLES } from '../src/tiers/kubernetes-rules';
import { renderPolicy, tierPolicyPaths } from '../src/tiers/vault-policies';
import { MANAGED_BY_LABELS, tfName } from './labels';

export interface TierBindingProps {
  /** The derived tier: its Vault policy name and cluster role. */
  readonly tier: TierState;
  readonly site: Site;
  /** false: the Kubernetes plane is in observe; the custom ClusterRole is not managed (default true). */
  readonly manageClusterRole?: boolean;
  /** false: the Vault plane is in observe; the tier's Vault policy is not managed (default true). */
  readonly manageVaultPolicy?: boolean;
}

export class TierBinding extends Construct {
  /** The custom ClusterRole, when the tier does not use a built-in one. */
  readonly clusterRole?: ClusterRoleV1;
  /** The tier's Vault policy, unless the Vault plane is observed. */
  readonly vaultPolicy?: Policy;

  constructor(scope: Construct, id: string, props: TierBindingProps) {
    super(scope, id);
    const { tier, site } = props;
    const tierId = tier.tier.replace('-', '_');

    const rules = CUSTOM_CLUSTER_ROLES[tier.clusterRole];
    if (rules && props.manageClusterRole !== false) {
      this.clusterRole = new ClusterRoleV1(this, 'cluster-role', {
        metadata: { name: tier.clusterRole, labels: { ...MANAGED_BY_LABELS } },
        rule: rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
      });
      this.clusterRole.overrideLogicalId(tfName('tier', tierId));
    }

    if (props.manageVaultPolicy !== false) {
      this.vaultPolicy = new Policy(this, 'vault-policy', {
        name: tier.vaultPolicy,
        policy: renderPolicy(`RBAC tier ${tier.tier}`, tierPolicyPaths(tier.tier, site)),
      });
      this.vaultPolicy.overrideLogicalId(tfName('tier', tierId));
    }
  }
}
