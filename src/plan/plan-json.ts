// The subset of Terraform's plan JSON (`terraform show -json <planfile>`) this program
// reads, and helpers to ask it questions. Format: format_version 1.x.
export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';

/**
 * Why Terraform plans a replace or delete (plan JSON `action_reason`). Replacing a TAINTED
 * object (one whose create-time provisioner failed) runs no destroy-time provisioner, and
 * neither does deleting one; every other replace or delete does (verified with Terraform 1.11.4).
 */
export type ActionReason =
  | 'replace_because_tainted'
  | 'replace_because_cannot_update'
  | 'replace_by_request'
  | 'replace_by_triggers'
  | 'delete_because_no_resource_config'
  | 'delete_because_wrong_repetition'
  | 'delete_because_count_index'
  | 'delete_because_each_key'
  | 'delete_because_no_module'
  | 'delete_because_no_move_target'
  | 'read_because_config_unknown'
  | 'read_because_dependency_pending'
  | 'read_because_check_nested';

export interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly action_reason?: ActionReason | string;
  /** Set when a `moved` block brings the object from this address in this plan. */
  readonly previous_address?: string;
  readonly change: {
    readonly actions: readonly Action[];
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
    /** Present when an `import` block brings the object under this state in this plan (Terraform >= 1.5). */
    readonly importing?: { readonly id?: string };
  };
}

/** A resource of the plan's prior state (only the fields the summary and guards read). */
export interface StateResource {
  readonly address: string;
  readonly mode?: string;
  readonly type?: string;
  readonly index?: string | number;
  readonly tainted?: boolean;
  readonly values?: Record<string, unknown>;
}

interface StateModule {
  readonly resources?: readonly StateResource[];
  readonly child_modules?: readonly StateModule[];
}

export interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: readonly ResourceChange[];
  /** The state the plan started from; a tainted object carries `tainted: true`. */
  readonly prior_state?: { readonly values?: { readonly root_module?: StateModule } };
}

export type ChangeKind = 'create' | 'delete' | 'replace' | 'update' | 'no-op' | 'read';

export function kindOf(rc: ResourceChange): ChangeKind {
  const a = rc.change.actions;
  if (a.includes('delete') && a.includes('create')) return 'replace';
  if (a.includes('delete')) return 'delete';
  if (a.includes('create')) return 'create';
  if (a.includes('update')) return 'update';
  if (a.includes('read')) return 'read';
  return 'no-op';
}

export function managedChanges(plan: PlanJson): ResourceChange[] {
  return (plan.resource_changes ?? []).filter((rc) => rc.mode === 'managed');
}

/** Addresses of the objects the plan's prior state marks tainted (left by a failed create-time provisioner). */
export function taintedAddresses(plans: readonly PlanJson[]): Set<string> {
  const out = new Set<string>();
  const walk = (m: StateModule | undefined) => {
    for (const r of m?.resources ?? []) if (r.tainted) out.add(r.address);
    for (const c of m?.child_modules ?? []) walk(c);
  };
  for (const p of plans) walk(p.prior_state?.values?.root_module);
  return out;
}

/**
 * True when the change destroys a tainted object: a replace Terraform gives the reason
 * `replace_because_tainted`, or a delete of an object the prior state marks tainted.
 * Terraform runs no destroy-time provisioner for it: nothing is offboarded.
 */
export function destroysTainted(rc: ResourceChange, tainted: ReadonlySet<string>): boolean {
  const k = kindOf(rc);
  if (k === 'replace') return rc.action_reason === 'replace_because_tainted';
  return k === 'delete' && tainted.has(rc.address);
}
