// THE place where an RBAC tier's rights are defined. Everything else (derivation,
// constructs, host agent) reads this table; nothing hand-codes a tier elsewhere.
// Kubernetes rules of the custom roles: ./kubernetes-rules.ts. Vault policies: ./vault-policies.ts.
import type { Tier } from '../roster/values';

/** Unix groups the product manages on the devvm. Groups outside this set are never touched. */
export const MANAGED_UNIX_GROUPS = ['sudo', 'docker', 'code-shared'] as const;
export type ManagedUnixGroup = (typeof MANAGED_UNIX_GROUPS)[number];

export const POWER_USER_READONLY_ROLE = 'workstations-power-user-readonly';
export const NAMESPACE_OWNER_NAV_ROLE = 'workstations-namespace-owner-nav';

export interface TierProfile {
  /** Cluster-wide role bound with a ClusterRoleBinding. */
  readonly clusterRole: string;
  /** Built-in ClusterRole bound by a RoleBinding in each owned namespace (namespace-owner only). */
  readonly namespaceRole?: 'admin';
  /** Unix groups on the devvm (a subset of MANAGED_UNIX_GROUPS). */
  readonly unixGroups: readonly ManagedUnixGroup[];
  /** Whether the person's infra clone is git-crypt unlocked (holds the key). */
  readonly infraUnlocked: boolean;
  /** Whether the person may apply Terraform (documentation; enforced by Vault and cluster rights). */
  readonly canApply: boolean;
}

export const TIER_PROFILES: Readonly<Record<Tier, TierProfile>> = {
  admin: {
    clusterRole: 'cluster-admin',
    unixGroups: ['sudo', 'docker', 'code-shared'],
    infraUnlocked: true,
    canApply: true,
  },
  'power-user': {
    clusterRole: POWER_USER_READONLY_ROLE,
    unixGroups: [],
    infraUnlocked: false,
    canApply: false,
  },
  'namespace-owner': {
    clusterRole: NAMESPACE_OWNER_NAV_ROLE,
    namespaceRole: 'admin',
    unixGroups: [],
    infraUnlocked: false,
    canApply: false,
  },
};
