// Runs programs with an argv array (never through a shell), so paths and names from tests
// can never be interpreted as shell syntax. Two flavours: `run` collects output and never
// throws on a non-zero exit (callers decide), `runOk` throws an Error that carries the
// command line, exit status and the program's own stderr/stdout.
import { spawn, spawnSync } from 'node:child_process';

export interface RunResult {
  code: number;
  /** Set when the process was ended by a signal (e.g. our timeout). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  /** Kill the process (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runBuffer(argv, opts).then((r) => ({
    code: r.code,
    signal: r.signal,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
  }));
}

export interface RunBufferResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

export function runBuffer(argv: readonly string[], opts: RunOptions = {}): Promise<RunBufferResult> {
  if (argv.length === 0) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    }
    // EPIPE on stdin happens when the program exits without reading its input; the exit
    // status is what matters then, so stdin errors are ignored.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot start ${argv[0]}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(describeFailure(argv, r));
  return r;
}

/** Synchronous variant for teardown paths that must work inside a process 'exit' handler. */
export function runSync(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(argv[0], argv.slice(1), { env: opts.env ?? process.env, encoding: 'utf8' });
  if (r.error) return { code: 127, signal: null, stdout: '', stderr: `cannot start ${argv[0]}: ${r.error.message}` };
  return { code: r.status ?? 128, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function describeFailure(argv: readonly string[], r: RunResult): string {
  const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
  const parts = [`\`${argv.join(' ')}\` ${how}`];
  if (r.stderr.trim()) parts.push(`stderr:\n${r.stderr.trimEnd()}`);
  if (r.stdout.trim()) parts.push(`stdout:\n${r.stdout.trimEnd()}`);
  return parts.join('\n');
}

/** Blocks the thread without spinning; used by synchronous teardown while waiting for exits. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
