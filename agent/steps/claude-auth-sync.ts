// Where `claude-auth-sync@<os_user>` looks for the person's Claude credentials: a
// per-person env file, root-owned and world-readable because it holds NO secret, only
// addresses and paths. The credential itself never passes through Terraform or this
// agent: the unit runs as the person (User=%i) and uses the Vault token that the person's
// own `vault login -method=oidc` wrote to ~/.vault-token (the Vault CLI's default token
// helper). That token carries the person's entity policies, and their personal policy
// reaches exactly <kv_mount>/data/<claude_auth_path>/<os_user>.
//
// The unit template belongs to the devvm; it reads this file with
// `EnvironmentFile=-/etc/claude-auth-sync/%i.env` (README, "Vault plane").
import { existsSync, unlinkSync } from 'node:fs';
import type { Context } from '../context';
import type { WorkstationState } from '../input';
import { ensureDir, ownership, writeManaged } from '../managed-files';
import { changed, ok, Outcome } from '../report';

/** Root-owned directory of the per-person env files (not under any home: root writes it). */
export const CLAUDE_AUTH_ENV_DIR = '/etc/claude-auth-sync';
export const claudeAuthEnvFile = (osUser: string) => `${CLAUDE_AUTH_ENV_DIR}/${osUser}.env`;

const ROOT_DIR = { mode: 0o755, uid: 0, gid: 0 };
const ROOT_FILE = { mode: 0o644, uid: 0, gid: 0 };

/** The env file's text. Every value is schema-validated (no newline, no quote, no `=` surprises). */
export function claudeAuthEnv(ws: WorkstationState): string {
  const { vaultAddress, kvMount, secretPath } = ws.claudeAuth;
  return [
    `# Managed by devvm-workstations: where claude-auth-sync@${ws.osUser} finds ${ws.osUser}'s Claude credentials.`,
    '# No secret here: the unit uses the token of the person\'s own `vault login -method=oidc`.',
    `VAULT_ADDR=${vaultAddress.replace(/\/$/, '')}`,
    `CLAUDE_AUTH_KV_MOUNT=${kvMount}`,
    `CLAUDE_AUTH_PATH=${secretPath}`,
    `CLAUDE_AUTH_VAULT_PATH=${kvMount}/${secretPath}`,
    `CLAUDE_AUTH_TOKEN_FILE=${ws.home}/.vault-token`,
    '',
  ].join('\n');
}

/**
 * Writes the person's env file when their auth sync is wanted, and removes the one this
 * agent wrote when it is not (parked, `claude_auth: false`). A file the agent did not
 * write is kept and reported, as everywhere.
 */
export function convergeClaudeAuthEnv(ctx: Context, ws: WorkstationState): Outcome {
  const path = claudeAuthEnvFile(ws.osUser);
  if (ws.units.claudeAuthSync) {
    const dir = ensureDir(ctx, CLAUDE_AUTH_ENV_DIR, ROOT_DIR);
    if (dir.kind === 'skipped' || dir.kind === 'failed') return dir;
    return writeManaged(ctx, path, claudeAuthEnv(ws), ROOT_FILE);
  }
  if (!existsSync(path) || ownership(ctx, path) !== 'ours') return ok();
  if (ctx.dryRun) return changed(`would remove ${path}`);
  unlinkSync(path);
  delete ctx.state.files[path];
  ctx.save();
  return changed(`removed ${path} (auth sync off)`);
}
