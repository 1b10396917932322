// `tombstones`: the offboarding tombstones as JSON, for `npm run plan` to compare with the
// roster's retired_uids (read-only; no archive path is secret, but nothing else is printed).
import type { Context } from './context';

export interface TombstonesReport {
  readonly tombstones: Record<string, { readonly uid: number; readonly date: string }>;
  /** Offboardings that left processes of the uid running (agent/steps/offboard.ts): not retired yet. */
  readonly incomplete: Record<string, { readonly uid: number; readonly date: string; readonly status: 'incomplete'; readonly survivors: readonly { pid: number; command: string }[] }>;
}

export function tombstonesJson(ctx: Context): string {
  const tombstones = Object.fromEntries(Object.entries(ctx.state.tombstones).map(([u, t]) => [u, { uid: t.uid, date: t.date }]));
  const incomplete = Object.fromEntries(Object.entries(ctx.state.incomplete).map(([u, t]) => [u, { uid: t.uid, date: t.date, status: t.status, survivors: t.survivors }]));
  return JSON.stringify({ tombstones, incomplete } satisfies TombstonesReport);
}
