// Runs one of the project's commands (bin/*.ts) the way the npm scripts do: node bin/launch.js.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './inputs';

/** Node's arguments that run `entry` (relative to the repository) as npm does; absolute, for any cwd. */
export const launchArgs = (entry: string, args: readonly string[] = []): string[] => [join(REPO_ROOT, 'bin', 'launch.js'), join(REPO_ROOT, entry), ...args];

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBin(script: string, args: string[] = [], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, launchArgs(`bin/${script}.ts`, args), {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ROSTER: undefined, SITE: undefined, CDKTF_OUTDIR: undefined, ...opts.env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
