// Where the managed layer lives, in the repo and on the devvm. One place, so the data files,
// the validator, the renderer and (later) the host construct cannot disagree about a path.
import * as path from 'node:path';

/** The layer's source data in this repo. */
export const LAYER_SOURCE_DIR = path.resolve(__dirname, '../../claude-layer');

/** Claude Code's machine-wide managed directory on Linux. */
export const MANAGED_DIR = '/etc/claude-code';

/** The names Claude Code reads inside MANAGED_DIR (drop-ins need Claude Code >= 2.1.83). */
export const MANAGED_FILES = {
  base: 'managed-settings.json',
  dropIns: 'managed-settings.d',
  claudeMd: 'CLAUDE.md',
} as const;

/**
 * Root-owned home of the scripts managed hooks run. Managed hooks run as every person, so a
 * script a person could edit would run their code in everybody's session.
 */
export const HOOKS_DIR = '/usr/local/lib/workstations/hooks';

/** Source file names inside LAYER_SOURCE_DIR. */
export const SOURCE = {
  base: 'managed-settings.ts',
  dropIns: 'managed-settings.d',
  claudeMd: 'CLAUDE.md',
  hooks: 'hooks',
} as const;
