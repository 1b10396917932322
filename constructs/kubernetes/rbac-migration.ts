// The Kubernetes plane's migration blocks. adopt: an import block for each binding and
// custom ClusterRole that already exists under the name this product gives it (found in
// ObservedRbac's lists; import fails on an object that does not exist, so each block's
// for_each keeps only the existing ones). observe: `removed` blocks, so that going back
// from adopt or own forgets the objects without deleting them.
//
// Import IDs (hashicorp/kubernetes 2.38, documented import sections of the resources):
// kubernetes_cluster_role_binding_v1 and kubernetes_cluster_role_v1 by name,
// kubernetes_role_binding_v1 by "<namespace>/<name>".
//
// The legacy rbac stack's own bindings (oidc-power-user-readonly-<key>, namespace-owner-
// <key>) are NOT imported: they carry other names (importing them here would rename, that
// is replace, them) and that stack still manages them. They are reported per person and
// retired in that stack (README "Adopting an existing homelab").
import type { TierState } from '../../src/desired/types';
import { CUSTOM_CLUSTER_ROLES } from '../../src/tiers/kubernetes-rules';
import { tfName } from '../labels';
import { PROFILE_NAMES } from '../workstation-profile';
import { forget, ImportBlock, RemovedBlock } from '../migration/blocks';
import { OBSERVED_RBAC_NAMES as O } from './observed-rbac';

const CRB = 'kubernetes_cluster_role_binding_v1';
const RB = 'kubernetes_role_binding_v1';
const CR = 'kubernetes_cluster_role_v1';

/** Address of a tier's custom ClusterRole (TierBinding names it tier_<tier>). */
export function tierClusterRoleAddress(tier: TierState): string {
  return `${CR}.${tfName('tier', tier.tier.replace('-', '_'))}`;
}

function customRoleTiers(tiers: readonly TierState[]): TierState[] {
  return tiers.filter((t) => CUSTOM_CLUSTER_ROLES[t.clusterRole] !== undefined);
}

export function rbacImports(tiers: readonly TierState[]): ImportBlock[] {
  const N = PROFILE_NAMES;
  const blocks: ImportBlock[] = [
    {
      for_each: `\${{ for k, v in local.${N.peopleLocal} : k => v if contains(local.${O.clusterRoleBindingNames}, v.binding_name) }}`,
      to: `${CRB}.${N.clusterRoleBinding}[each.key]`,
      id: '${each.value.binding_name}',
    },
    {
      for_each: `\${{ for k, v in local.${N.namespaceAdminsLocal} : k => v if contains(local.${O.roleBindingIds}, format("%s/%s", v.namespace, v.binding_name)) }}`,
      to: `${RB}.${N.roleBinding}[each.key]`,
      id: '${format("%s/%s", each.value.namespace, each.value.binding_name)}',
    },
  ];
  // A block without for_each: a for_each of zero or one entry makes its import conditional.
  for (const tier of customRoleTiers(tiers)) {
    blocks.push({
      for_each: `\${contains(local.${O.clusterRoleNames}, "${tier.clusterRole}") ? { "${tier.clusterRole}" = true } : {}}`,
      to: tierClusterRoleAddress(tier),
      id: '${each.key}',
    });
  }
  return blocks;
}

/**
 * observe: forget every RBAC object a state may hold (the keyed blocks, the custom roles and
 * the one-block-per-person addresses of old states), never destroying one.
 */
export function rbacForget(tiers: readonly TierState[], oldAddresses: readonly string[]): RemovedBlock[] {
  const N = PROFILE_NAMES;
  const from = [`${CRB}.${N.clusterRoleBinding}`, `${RB}.${N.roleBinding}`, ...customRoleTiers(tiers).map(tierClusterRoleAddress), ...oldAddresses];
  return [...new Set(from)].map(forget);
}
