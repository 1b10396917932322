// Every external command runs without a shell (execFileSync with an argv array), so no
// roster value is ever interpreted by a shell. A failure throws with the command's stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import { oneLine } from './report';

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  try {
    return execFileSync(cmd, [...args], {
      input: opts.input,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; status?: number; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${oneLine(e.stderr || e.message)}${e.status !== undefined ? ` (exit ${e.status})` : ''}`);
  }
}

/** Runs and returns the exit status instead of throwing (for probes such as `getent`). */
export function probe(cmd: string, args: readonly string[], opts: RunOptions = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, [...args], { input: opts.input, env: opts.env ?? process.env, cwd: opts.cwd, encoding: 'utf8' });
  if (r.error) return { status: 127, stdout: '', stderr: r.error.message };
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/**
 * util-linux installs runuser in /sbin (= /usr/sbin with merged /usr). By absolute path:
 * the person's environment below has no sbin directories, and execFile looks the program
 * up in the PATH of the environment it is given.
 */
export const RUNUSER = '/sbin/runuser';

/** Runs a command as `user` (runuser from util-linux: no shell, login environment of that user). */
export function runAs(user: string, home: string, cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  return run(RUNUSER, ['-u', user, '--', cmd, ...args], {
    ...opts,
    // Start in their home: the agent's own cwd (/root) is not theirs to enter.
    cwd: opts.cwd ?? home,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, USER: user, LOGNAME: user, LANG: 'C.UTF-8', ...opts.env },
  });
}

export function commandExists(cmd: string): boolean {
  return probe('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}
