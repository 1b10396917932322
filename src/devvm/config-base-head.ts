// The Config base's current commit. It is an input variable of the devvm stack, not a
// synth-time value: synth stays hermetic (no network), and `npm run plan` resolves the
// head with `git ls-remote` and passes it with `-var`, so a commit pushed to the
// config-base repository changes the plan (and the next apply fast-forwards the devvm's
// checkout). The saved plan carries the value, so apply uses exactly what plan showed.
import { spawnSync } from 'node:child_process';

/** Name of the devvm stack's Terraform input variable. */
export const CONFIG_BASE_COMMIT_VAR = 'config_base_commit';
/**
 * The variable's default: "not resolved". A plan made with it re-installs the managed
 * Claude layer only when the layer's own content (or the agent) changes.
 */
export const UNRESOLVED_COMMIT = 'unresolved';
/** How long `git ls-remote` may take before plan goes on without the head. */
export const LS_REMOTE_TIMEOUT_MS = 15_000;

export type HeadResolution = { readonly ok: true; readonly sha: string } | { readonly ok: false; readonly reason: string };

export function resolveConfigBaseHead(url: string, branch: string, timeoutMs = LS_REMOTE_TIMEOUT_MS): HeadResolution {
  const r = spawnSync('git', ['ls-remote', '--heads', url, `refs/heads/${branch}`], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Never prompt for credentials; never wait on an SSH host-key question.
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' },
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') return { ok: false, reason: `git ls-remote timed out after ${timeoutMs / 1000} s` };
    if (code === 'ENOENT') return { ok: false, reason: 'git is not on PATH' };
    return { ok: false, reason: `cannot run git: ${r.error.message}` };
  }
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`;
    return { ok: false, reason: `git ls-remote failed: ${last}` };
  }
  const sha = r.stdout.split(/\s+/)[0];
  if (!/^[0-9a-f]{40}$/.test(sha)) return { ok: false, reason: `no branch ${branch}` };
  return { ok: true, sha };
}
