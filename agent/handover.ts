// Taking a host-wide file over from its previous writer (the shipped reconciler): the
// content it had is copied, root-only, to /var/lib/workstations/handover/ before the first
// write of ours, so the runbook's undo can put it back byte for byte.
import { existsSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256, writeFileAtomic } from './atomic';
import type { Context } from './context';
import { ownership } from './managed-files';
import { safeRead } from './safe-read';
import { STATE_DIR } from './paths';

export const HANDOVER_DIR = `${STATE_DIR}/handover`;

/** Copies a file this product never wrote (no ledger entry) into HANDOVER_DIR; its path, or undefined. */
export function keepHandoverCopy(ctx: Context, path: string): string | undefined {
  if (ctx.state.files[path] || ownership(ctx, path) !== 'foreign') return undefined;
  const content = safeRead(path);
  const copy = `${HANDOVER_DIR}/${basename(path)}.${sha256(content).slice(0, 12)}`;
  if (ctx.dryRun) return copy;
  mkdirSync(HANDOVER_DIR, { recursive: true, mode: 0o700 });
  if (!existsSync(copy)) writeFileAtomic(copy, content, { mode: 0o600, uid: 0, gid: 0 });
  return copy;
}
