// Plain data written into Terraform JSON as a literal value (a `locals` entry). Terraform
// reads EVERY string in JSON configuration as a template, so a `${` or `%{` inside a value
// would be evaluated instead of kept; both are escaped (`$${`, `%%{`) and Terraform turns
// them back into the original text. Undefined keys are dropped, as JSON.stringify does:
// an optional field the agent's zod schema accepts as absent stays absent (never null).
export type Literal = string | number | boolean | null | readonly Literal[] | { readonly [key: string]: Literal };

export function terraformLiteral(value: unknown): Literal {
  // Replacer functions: in a replacement string `$$` would itself mean one `$`.
  if (typeof value === 'string') return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map(terraformLiteral);
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, terraformLiteral(v)]),
    );
  }
  throw new Error(`not plain data: ${typeof value}`);
}

/**
 * Plain data as ONE JSON text for a `locals` map entry, decoded where a resource uses it
 * (`jsondecode(each.value)`). Terraform plans a for_each over a map of strings much
 * faster than over a map of nested objects (measured with bench/devvm-plan-variants.ts:
 * the devvm stack's no-op plan at 1000 people took about a third of the CPU time); the
 * resource's own attributes still hold the decoded object, so plans and state show
 * structured values.
 * The text is escaped as any literal string is (`${` -> `$${`).
 */
export function terraformJsonText(value: unknown): string {
  return terraformLiteral(JSON.stringify(value)) as string;
}
