// Runs one of the project's commands (bin/*.ts) the way the npm scripts do: node --require tsx/cjs.
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './inputs';


// Resolved here: the commands also run from temporary working directories.
const TSX_CJS = require.resolve('tsx/cjs');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBin(script: string, args: string[] = [], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, ['--require', TSX_CJS, `${REPO_ROOT}/bin/${script}.ts`, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ROSTER: undefined, SITE: undefined, CDKTF_OUTDIR: undefined, ...opts.env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
