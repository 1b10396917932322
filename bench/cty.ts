// cty's JSON encoding of values as Terraform's state holds them (`{value, type}`), for the
// benchmarks that write a state file directly instead of applying.

/** cty's JSON type of a value as Terraform's HCL JSON syntax evaluates it (objects, tuples). */
export function ctyType(v: unknown): unknown {
  if (v === null) return 'dynamic';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(ctyType)];
  return ['object', Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, ctyType(x)]))];
}

/** A terraform_data `input`/`output` attribute's state value. */
export const dynamic = (v: unknown) => (v === null || v === undefined ? null : { value: v, type: ctyType(v) });
