// The uid of a devvm `account` instance, read from its plan JSON values. Robust to how
// the stack carries it: `triggers_replace.uid` (the replace trigger), or the account spec
// in `input` (a base64 JSON string, or a structured object, or a top-level `input.uid`).
export function accountUid(values: Record<string, unknown> | null | undefined): number | undefined {
  if (!values) return undefined;
  const num = (v: unknown): number | undefined => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
  };
  const triggers = values.triggers_replace as Record<string, unknown> | null | undefined;
  const fromTriggers = num(triggers?.uid);
  if (fromTriggers !== undefined) return fromTriggers;
  const input = values.input as Record<string, unknown> | null | undefined;
  if (!input || typeof input !== 'object') return undefined;
  const direct = num(input.uid);
  if (direct !== undefined) return direct;
  const spec = input.spec;
  if (spec && typeof spec === 'object') return num((spec as Record<string, unknown>).uid);
  if (typeof spec === 'string') {
    try {
      const decoded = JSON.parse(Buffer.from(spec, 'base64').toString('utf8')) as Record<string, unknown>;
      return num(decoded?.uid);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
