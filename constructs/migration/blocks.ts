// Terraform's migration blocks as plain JSON (cdktf 0.21 has no construct for a for_each
// `import` or for `removed`). The stack collects every plane's blocks and writes each kind
// once (`import`, `removed`), so planes never overwrite each other's.
//
// import (Terraform >= 1.5; `for_each` >= 1.7): `to` is a resource address of this stack,
// with `[each.key]` for a for_each block; `id` may be an expression known at plan time
// (a data source read by name), so an object is found by name where the provider can.
// removed (Terraform >= 1.7) with `destroy = false`: the state forgets the object and the
// object stays. A `removed` block whose address is not in the state does nothing.

export interface ImportBlock {
  /** Resource address in this stack (`authentik_group.t3_users`, `T.n[each.key]`). */
  readonly to: string;
  /** The provider's import ID, or an expression of it. */
  readonly id: string;
  /** Only the existing objects: a map expression (import fails on an object that does not exist). */
  readonly for_each?: string;
}

export interface RemovedBlock {
  /** A resource (not instance) address: every instance of it is forgotten. */
  readonly from: string;
  readonly lifecycle: { readonly destroy: false };
}

/** Forget `from` without destroying it (going back to observe). */
export function forget(from: string): RemovedBlock {
  return { from, lifecycle: { destroy: false } };
}
