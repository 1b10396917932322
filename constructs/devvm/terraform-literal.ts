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
 * Plain data as ONE JSON text for a `locals` map entry. Terraform plans a for_each over a
 * map of strings much faster than over a map of nested objects, and a resource attribute
 * holding the text much faster than one holding the decoded object (measured with
 * bench/devvm-plan-variants.ts; docs/bench.md). Its plan still shows a changed text
 * attribute by attribute (`jsonencode({ ~ key = old -> new })`).
 * The text is escaped as any literal string is (`${` -> `$${`); Terraform's evaluation of
 * the local gives back the original text.
 */
export function terraformJsonText(value: unknown): string {
  return terraformLiteral(JSON.stringify(value)) as string;
}
