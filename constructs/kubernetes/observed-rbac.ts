// ObservedRbac: the cluster's existing RBAC objects, read (never written) with the
// kubernetes provider's `kubernetes_resources` data source (a list call per kind; the
// identity running the plan needs list on these kinds). Used in `observe` (the plan summary
// finds, per person, the bindings whose subjects name them: this product's and the legacy
// rbac stack's) and in `adopt` (an import block for each object that already exists under
// the name this product gives it).
import { TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';

const RBAC_API = 'rbac.authorization.k8s.io/v1';

/** Fixed Terraform names (shared with the plan summary and the tests). */
export const OBSERVED_RBAC_NAMES = {
  clusterRoleBindings: 'observed_cluster_role_bindings',
  roleBindings: 'observed_role_bindings',
  clusterRoles: 'observed_cluster_roles',
  /** local: names of every ClusterRoleBinding. */
  clusterRoleBindingNames: 'observed_cluster_role_binding_names',
  /** local: "<namespace>/<name>" of every RoleBinding (the provider's import ID). */
  roleBindingIds: 'observed_role_binding_ids',
  /** local: names of every ClusterRole. */
  clusterRoleNames: 'observed_cluster_role_names',
} as const;

export class ObservedRbac extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const N = OBSERVED_RBAC_NAMES;
    const list = (name: string, kind: string) =>
      new DataKubernetesResources(this, name, { apiVersion: RBAC_API, kind }).overrideLogicalId(name);
    list(N.clusterRoleBindings, 'ClusterRoleBinding');
    list(N.roleBindings, 'RoleBinding'); // no namespace: every namespace
    list(N.clusterRoles, 'ClusterRole');
    const names = (data: string) => `\${[for o in data.kubernetes_resources.${data}.objects : o.metadata.name]}`;
    new TerraformLocal(this, N.clusterRoleBindingNames, names(N.clusterRoleBindings)).overrideLogicalId(N.clusterRoleBindingNames);
    new TerraformLocal(this, N.clusterRoleNames, names(N.clusterRoles)).overrideLogicalId(N.clusterRoleNames);
    new TerraformLocal(
      this,
      N.roleBindingIds,
      `\${[for o in data.kubernetes_resources.${N.roleBindings}.objects : format("%s/%s", o.metadata.namespace, o.metadata.name)]}`,
    ).overrideLogicalId(N.roleBindingIds);
  }

  /** `local.<name>` */
  static local(name: (typeof OBSERVED_RBAC_NAMES)[keyof typeof OBSERVED_RBAC_NAMES]): string {
    return `local.${name}`;
  }
}
