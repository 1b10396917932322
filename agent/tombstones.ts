// `tombstones`: the offboarding tombstones as JSON, for `npm run plan` to compare with the
// roster's retired_uids (read-only; no archive path is secret, but nothing else is printed).
import type { Context } from './context';

export interface TombstonesReport {
  readonly tombstones: Record<string, { readonly uid: number; readonly date: string }>;
}

export function tombstonesJson(ctx: Context): string {
  const tombstones = Object.fromEntries(Object.entries(ctx.state.tombstones).map(([u, t]) => [u, { uid: t.uid, date: t.date }]));
  return JSON.stringify({ tombstones } satisfies TombstonesReport);
}
