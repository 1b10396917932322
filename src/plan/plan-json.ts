// The subset of Terraform's plan JSON (`terraform show -json <planfile>`) this program
// reads, and helpers to ask it questions. Format: format_version 1.x.
export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';

export interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly change: {
    readonly actions: readonly Action[];
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
  };
}

export interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: readonly ResourceChange[];
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
