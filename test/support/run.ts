// Runs one of the project's commands (bin/*.ts) the way npm scripts do, via tsx.
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './inputs';

const TSX_CLI = require.resolve('tsx/cli');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBin(script: string, args: string[] = [], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [TSX_CLI, `${REPO_ROOT}/bin/${script}.ts`, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ROSTER: undefined, SITE: undefined, CDKTF_OUTDIR: undefined, ...opts.env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
