// Kubernetes rights of the two custom ClusterRoles this product defines. The admin
// tier uses the built-in `cluster-admin`; namespace-owners additionally get the
// built-in `admin` ClusterRole through a RoleBinding in each namespace they own.
//
// Why explicit lists: `*` resources would silently cover types added later; built-in
// `view` is close but is aggregated (it grows when CRDs aggregate into it).
// Deliberately absent: secrets (list/watch reveal contents), pods/exec|attach|portforward
// (exec over websocket needs only `create` since 1.35, but `get` was enough before),
// any */proxy (get on nodes/proxy is not read-only), serviceaccounts/token, and every
// write verb, plus escalate/bind/impersonate.
import { NAMESPACE_OWNER_NAV_ROLE, POWER_USER_READONLY_ROLE } from './profiles';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export const READ_VERBS = ['get', 'list', 'watch'] as const;

const read = (apiGroup: string, resources: string[]): PolicyRule => ({
  apiGroups: [apiGroup],
  resources,
  verbs: [...READ_VERBS],
});

export const POWER_USER_READONLY_RULES: readonly PolicyRule[] = [
  read('', [
    'configmaps', 'endpoints', 'events', 'limitranges', 'namespaces', 'nodes',
    'persistentvolumeclaims', 'persistentvolumes', 'pods', 'pods/log', 'replicationcontrollers',
    'resourcequotas', 'serviceaccounts', 'services',
  ]),
  read('apps', ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']),
  read('batch', ['cronjobs', 'jobs']),
  read('networking.k8s.io', ['ingressclasses', 'ingresses', 'networkpolicies']),
  read('autoscaling', ['horizontalpodautoscalers']),
  read('policy', ['poddisruptionbudgets']),
  read('storage.k8s.io', ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments']),
  read('rbac.authorization.k8s.io', ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles']),
];

/** Just enough to find your way: which namespaces and nodes exist. */
export const NAMESPACE_OWNER_NAV_RULES: readonly PolicyRule[] = [read('', ['namespaces', 'nodes'])];

/** The custom ClusterRoles, by name. */
export const CUSTOM_CLUSTER_ROLES: Readonly<Record<string, readonly PolicyRule[]>> = {
  [POWER_USER_READONLY_ROLE]: POWER_USER_READONLY_RULES,
  [NAMESPACE_OWNER_NAV_ROLE]: NAMESPACE_OWNER_NAV_RULES,
};
