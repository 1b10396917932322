// Every external command runs without a shell (execFileSync with an argv array), so no
// roster value is ever interpreted by a shell. A failure throws with the command's stderr.
//
// Every child has a timeout: the agent holds the host lock while it waits, and a command
// that reads something a person controls (a FIFO in their clone, say) could otherwise
// block every later agent run. On timeout the child gets SIGTERM (runuser forwards it to
// the command it runs, and SIGKILLs it if it lingers) and the step fails, naming the
// command and the limit. The default is DEFAULT_TIMEOUT_S, or WORKSTATIONS_CMD_TIMEOUT
// (seconds) from the agent's environment; long jobs (clone, archive) pass their own.
import { execFileSync, spawnSync } from 'node:child_process';
import { oneLine } from './report';

/** Ten minutes: far beyond any healthy command the agent runs with the default. */
export const DEFAULT_TIMEOUT_S = 600;

export interface RunOptions {
  /** Bytes for the command's stdin (a Buffer: passed as is, never re-encoded). */
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill the command after this many ms (default: defaultTimeoutMs()). */
  readonly timeoutMs?: number;
  /** Where the command's stdout goes: a file descriptor instead of the returned string. */
  readonly stdoutFd?: number;
}

export function defaultTimeoutMs(): number {
  const s = Number(process.env.WORKSTATIONS_CMD_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_TIMEOUT_S) * 1000;
}

const timeoutOf = (opts: RunOptions) => opts.timeoutMs ?? defaultTimeoutMs();

export class CommandTimeout extends Error {}

function timedOutMessage(cmd: string, args: readonly string[], ms: number): string {
  return `${cmd} ${args.join(' ')}: timed out after ${ms / 1000} s and was killed`;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const timeout = timeoutOf(opts);
  try {
    const out = execFileSync(cmd, [...args], {
      input: opts.input,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      encoding: 'utf8',
      stdio: ['pipe', opts.stdoutFd ?? 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      timeout,
      killSignal: 'SIGTERM',
    });
    return out ?? '';
  } catch (err) {
    const e = err as { stderr?: string; status?: number | null; code?: string; message: string };
    if (e.code === 'ETIMEDOUT') throw new CommandTimeout(timedOutMessage(cmd, args, timeout));
    throw new Error(`${cmd} ${args.join(' ')}: ${oneLine(e.stderr || e.message)}${typeof e.status === 'number' ? ` (exit ${e.status})` : ''}`);
  }
}

export interface ProbeResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed at the timeout (status 124, like timeout(1)). */
  readonly timedOut: boolean;
}

/** Runs and returns the exit status instead of throwing (for probes such as `getent`). */
export function probe(cmd: string, args: readonly string[], opts: RunOptions = {}): ProbeResult {
  const timeout = timeoutOf(opts);
  const r = spawnSync(cmd, [...args], { input: opts.input, env: opts.env ?? process.env, cwd: opts.cwd, encoding: 'utf8', timeout, killSignal: 'SIGTERM', stdio: ['pipe', opts.stdoutFd ?? 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { status: 124, stdout: r.stdout ?? '', stderr: timedOutMessage(cmd, args, timeout), timedOut: true };
  }
  if (r.error) return { status: 127, stdout: '', stderr: r.error.message, timedOut: false };
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr, timedOut: false };
}

/** A probe whose timeout is a failure of the step, not an answer: throws CommandTimeout. */
export function probeOrTimeout(cmd: string, args: readonly string[], opts: RunOptions = {}): ProbeResult {
  const r = probe(cmd, args, opts);
  if (r.timedOut) throw new CommandTimeout(r.stderr);
  return r;
}

/**
 * util-linux installs runuser in /sbin (= /usr/sbin with merged /usr). By absolute path:
 * the person's environment below has no sbin directories, and execFile looks the program
 * up in the PATH of the environment it is given.
 */
export const RUNUSER = '/sbin/runuser';

/** util-linux setpriv (no PAM, no session): switches uid, gid and groups, nothing else. */
export const SETPRIV = '/usr/bin/setpriv';

/** The environment a command run as a person gets: their login names and home, the system PATH. */
export function personEnv(user: string, home: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, USER: user, LOGNAME: user, LANG: 'C.UTF-8' };
}

/** Runs a command as `user` (runuser from util-linux: no shell, login environment of that user). */
export function runAs(user: string, home: string, cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  return run(RUNUSER, ['-u', user, '--', cmd, ...args], {
    ...opts,
    // Start in their home: the agent's own cwd (/root) is not theirs to enter.
    cwd: opts.cwd ?? home,
    env: { ...personEnv(user, home), ...opts.env },
  });
}

export function commandExists(cmd: string): boolean {
  return probe('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}
