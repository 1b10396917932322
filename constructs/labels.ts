// Labels on every Kubernetes object this product owns, so `kubectl get -l` finds them.
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': 'devvm-workstations' } as const;

/** Terraform names allow letters, digits, `_` and `-`; os_users and namespaces already fit. */
export function tfName(...parts: string[]): string {
  return parts.join('_');
}
