// The unprivileged account that fetches and owns what the agent mirrors from a git source
// (the infra mirrors, agent/steps/clone.ts; the Config base checkout, agent/steps/claude-layer.ts).
// Why an account and not root: whatever this account stores is made readable by everyone,
// so it may hold only what anyone could read from the source. Running git as an account
// with no rights lets the kernel decide that (a root-only `/root/private.git` simply fails
// to fetch), and keeps git's transport code, which talks to remote servers, out of root.
// A system account: no home, no login shell, no password, no groups beyond its own.
import type { Context } from './context';
import { getAccount } from './accounts';
import { probeOrTimeout, ProbeResult, run, runAs, RUNUSER, RunOptions } from './exec';

export const MIRROR_USER = 'workstations-mirror';

/** The account's environment: no home, no global git config, never a prompt. */
export const MIRROR_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

/** The mirror account (created once), or undefined in a dry run on a host without it. */
export function mirrorAccount(ctx: Context): { uid: number; gid: number } | undefined {
  let account = getAccount(MIRROR_USER);
  if (!account && !ctx.dryRun) {
    run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', MIRROR_USER]);
    account = getAccount(MIRROR_USER);
  }
  return account && { uid: account.uid, gid: account.gid };
}

/** Runs `cmd` as the mirror account: no one's credentials, no one's files. Throws on failure. */
export function asMirror(cmd: string, args: string[], timeoutMs?: number): string {
  return runAs(MIRROR_USER, '/nonexistent', cmd, args, { cwd: '/', timeoutMs, env: MIRROR_ENV });
}

/** Like asMirror, returning the exit status instead of throwing (a timeout still throws). */
export function probeAsMirror(cmd: string, args: string[], opts: RunOptions = {}): ProbeResult {
  return probeOrTimeout(RUNUSER, ['-u', MIRROR_USER, '--', cmd, ...args], { cwd: '/', env: MIRROR_ENV, ...opts });
}
