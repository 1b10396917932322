// Running commands and inspecting files inside a test host via `chroot`. Commands get a
// clean environment (env -i): the test runner's variables (SSH_AUTH_SOCK, TF_*, CI...)
// must not leak into what the host sees. Paths are read through the host's own tools so
// that absolute symlinks inside the host resolve inside the host, not on the machine.
import { describeFailure, run, runBuffer, RunResult } from './run';

export interface ExecOptions {
  /** Run as this user (via `runuser -u`); default root. */
  user?: string;
  input?: string | Buffer;
  /** Working directory inside the host. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface HostStat {
  /** Permission bits including setuid/setgid/sticky, e.g. 0o700. */
  mode: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
  gid: number;
  size: number;
}

export interface HostExec {
  /** Never throws on a non-zero exit: returns the status and output. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<RunResult>;
  /** Throws, with the command's stderr, on a non-zero exit. */
  execOk(argv: readonly string[], opts?: ExecOptions): Promise<RunResult>;
  readFile(pathInHost: string): Promise<string>;
  readFileBuffer(pathInHost: string): Promise<Buffer>;
  /** lstat semantics: a dangling symlink exists. */
  exists(pathInHost: string): Promise<boolean>;
  /** lstat semantics: a symlink is reported as itself. */
  stat(pathInHost: string): Promise<HostStat>;
}

const BASE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root', 'TERM=dumb'];

/** `env -i ... [runuser -u <user> --] argv`: what runs once inside the host. */
function insideArgv(argv: readonly string[], opts: ExecOptions): string[] {
  if (argv.length === 0) throw new Error('exec: empty argv');
  const envArgs = [...BASE_ENV, ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  const cwd = opts.cwd ? ['-C', opts.cwd] : [];
  // runuser (not su): no password, no PAM auth prompt; it sets HOME/USER/LOGNAME/SHELL.
  const asUser = opts.user && opts.user !== 'root' ? ['runuser', '-u', opts.user, '--'] : [];
  return ['/usr/bin/env', '-i', ...cwd, ...envArgs, ...asUser, ...argv];
}

export function chrootArgv(rootDir: string, argv: readonly string[], opts: ExecOptions = {}): string[] {
  return ['chroot', rootDir, ...insideArgv(argv, opts)];
}

/**
 * Into every namespace of a booted container's PID 1 (systemd-host.ts): mount, pid, ipc,
 * uts, cgroup, net. What runs there sees the container's systemd, dbus and /proc.
 */
export function nsenterArgv(initPid: number, argv: readonly string[], opts: ExecOptions = {}): string[] {
  return ['nsenter', '-t', String(initPid), '-a', ...insideArgv(argv, opts)];
}

export function makeHostExec(rootDir: string): HostExec {
  return makeHostExecWith((argv, opts) => chrootArgv(rootDir, argv, opts));
}

/** The same HostExec over any way of getting into the host (chroot, nsenter). */
export function makeHostExecWith(enter: (argv: readonly string[], opts: ExecOptions) => string[]): HostExec {
  const exec = (argv: readonly string[], opts: ExecOptions = {}) =>
    run(enter(argv, opts), { input: opts.input, timeoutMs: opts.timeoutMs });
  const execOk = async (argv: readonly string[], opts: ExecOptions = {}) => {
    const r = await exec(argv, opts);
    if (r.code !== 0) throw new Error(`in test host: ${describeFailure(argv, r)}`);
    return r;
  };
  const readFileBuffer = async (p: string) => {
    const r = await runBuffer(enter(['cat', '--', p], {}));
    if (r.code !== 0) throw new Error(`cannot read ${p} in test host: ${r.stderr.toString('utf8').trim()}`);
    return r.stdout;
  };
  return {
    exec,
    execOk,
    readFileBuffer,
    readFile: async (p) => (await readFileBuffer(p)).toString('utf8'),
    exists: async (p) => (await exec(['stat', '--', p])).code === 0,
    stat: async (p) => {
      const r = await execOk(['stat', '-c', '%f %u %g %s', '--', p]);
      const [rawMode, uid, gid, size] = r.stdout.trim().split(' ');
      const full = parseInt(rawMode, 16);
      const fmt = full & 0o170000;
      const type = fmt === 0o100000 ? 'file' : fmt === 0o040000 ? 'directory' : fmt === 0o120000 ? 'symlink' : 'other';
      return { mode: full & 0o7777, type, uid: Number(uid), gid: Number(gid), size: Number(size) };
    },
  };
}
