// A small Kubernetes RBAC authorizer over synthesized Terraform JSON: follows
// ClusterRoleBindings and RoleBindings from a User subject to roles and matches their
// rules the way the apiserver does (wildcards included). Built-in roles are modelled
// conservatively (as at least as powerful as the real ones). for_each blocks are expanded
// into their instances from the JSON's own locals first (test/support/for-each.ts).
import { expandInstances } from './for-each';
import type { TfJson } from './synth';

interface Rule {
  api_groups?: string[];
  resources?: string[];
  verbs: string[];
}

interface Binding {
  namespace?: string;
  roleName: string;
  subjects: { kind: string; name: string }[];
}

/** Built-in roles: cluster-admin is everything; admin is everything inside a namespace. */
const BUILT_IN: Record<string, Rule[]> = {
  'cluster-admin': [{ api_groups: ['*'], resources: ['*'], verbs: ['*'] }],
  admin: [{ api_groups: ['*'], resources: ['*'], verbs: ['*'] }],
};

/** Resources that exist only cluster-wide: a RoleBinding never grants them. */
const CLUSTER_SCOPED = new Set(['namespaces', 'nodes', 'persistentvolumes', 'clusterroles', 'clusterrolebindings', 'storageclasses', 'csidrivers', 'csinodes', 'volumeattachments', 'ingressclasses']);

export class RbacEvaluator {
  private readonly roles = new Map<string, Rule[]>();
  private readonly bindings: Binding[] = [];

  constructor(synthesized: TfJson) {
    const tf = expandInstances(synthesized);
    for (const role of Object.values(tf.resource.kubernetes_cluster_role_v1 ?? {})) {
      const r = role as { metadata: { name: string }; rule: Rule[] };
      this.roles.set(r.metadata.name, r.rule);
    }
    for (const b of Object.values(tf.resource.kubernetes_cluster_role_binding_v1 ?? {})) {
      const x = b as { role_ref: { name: string }; subject: { kind: string; name: string }[] };
      this.bindings.push({ roleName: x.role_ref.name, subjects: x.subject });
    }
    for (const b of Object.values(tf.resource.kubernetes_role_binding_v1 ?? {})) {
      const x = b as { metadata: { namespace: string }; role_ref: { name: string }; subject: { kind: string; name: string }[] };
      this.bindings.push({ namespace: x.metadata.namespace, roleName: x.role_ref.name, subjects: x.subject });
    }
  }

  /**
   * May `user` perform `verb` on `resource` (e.g. "pods", "pods/exec") of `apiGroup`
   * in `namespace` (undefined: a cluster-wide request, e.g. list across namespaces)?
   */
  can(user: string, verb: string, resource: string, namespace?: string, apiGroup = ''): boolean {
    return this.bindings.some((b) => {
      if (!b.subjects.some((s) => s.kind === 'User' && s.name === user)) return false;
      if (b.namespace !== undefined) {
        if (namespace !== b.namespace || CLUSTER_SCOPED.has(resource.split('/')[0])) return false;
      }
      const rules = this.roles.get(b.roleName) ?? BUILT_IN[b.roleName] ?? [];
      return rules.some((r) => matches(r.verbs, verb) && matches(r.resources ?? [], resource) && matches(r.api_groups ?? [], apiGroup));
    });
  }
}

function matches(allowed: string[], wanted: string): boolean {
  if (allowed.includes('*') || allowed.includes(wanted)) return true;
  // "*/scale" style subresource wildcards.
  const [, sub] = wanted.split('/');
  return sub !== undefined && allowed.includes(`*/${sub}`);
}
