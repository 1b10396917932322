// The SSH side of a test host: a fresh client key held by an ssh-agent we start, fresh
// host keys, and an sshd inside the chroot listening on a loopback address of its own.
// Terraform's communicator then logs in with `agent = true` and a pinned `host_key`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { isSameProcessAlive, processRef, terminateSync } from './procs';
import { runOk } from './run';
import { HostRecord, saveRecord } from './state';

/** Only loopback: the whole of 127.0.0.0/8 routes to `lo` on Linux without configuration. */
export function pickLoopbackAddress(): string {
  const a = 1 + Math.floor(Math.random() * 254);
  const b = 1 + Math.floor(Math.random() * 254);
  return `127.77.${a}.${b}`;
}

export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a long-lived daemon in its own session (so a terminal's Ctrl-C reaches the test
 * process, whose handler tears down in order) and records it before returning.
 */
function spawnDaemon(rec: HostRecord, argv: readonly string[], what: string, logFile: string): number {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${what}: ${argv.join(' ')}`);
  rec.processes.push(processRef(child.pid, what));
  saveRecord(rec);
  return child.pid;
}

export interface ClientKey {
  privateKey: string;
  publicKey: string;
  sshAuthSock: string;
}

export async function startAgentWithKey(rec: HostRecord): Promise<ClientKey> {
  const dir = path.join(rec.tempDir, 'client');
  fs.mkdirSync(dir, { mode: 0o700 });
  const privateKey = path.join(dir, 'id_ed25519');
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `devvm-testhost-${rec.id}`, '-f', privateKey]);
  const sshAuthSock = path.join(dir, 'agent.sock');
  // -D: stay in the foreground, so the pid we record is the agent itself.
  const pid = spawnDaemon(rec, ['ssh-agent', '-D', '-a', sshAuthSock], 'ssh-agent', path.join(dir, 'agent.log'));
  await waitFor(() => fs.existsSync(sshAuthSock), 5000, () => `ssh-agent (pid ${pid}) did not create ${sshAuthSock}: ${readTail(path.join(dir, 'agent.log'))}`);
  rec.sshAuthSock = sshAuthSock;
  saveRecord(rec);
  await runOk(['ssh-add', '-q', privateKey], { env: { ...process.env, SSH_AUTH_SOCK: sshAuthSock } });
  return { privateKey, publicKey: fs.readFileSync(`${privateKey}.pub`, 'utf8').trim(), sshAuthSock };
}

/**
 * Generates this host's own stock host keys (`ssh-keygen -A`: RSA, ECDSA, ed25519, as a
 * stock sshd has them) and returns the ECDSA one, "ecdsa-sha2-nistp256 AAAA...", for
 * pinning: Terraform 1.11.4's SSH client negotiates ECDSA first, so against a stock sshd
 * that is the key it sees. (An sshd with only an ed25519 key hid exactly that mismatch.)
 */
export async function generateHostKey(rootDir: string): Promise<string> {
  await runOk(['chroot', rootDir, 'ssh-keygen', '-A']);
  const pub = fs.readFileSync(path.join(rootDir, 'etc/ssh/ssh_host_ecdsa_key.pub'), 'utf8');
  const [type, key] = pub.trim().split(/\s+/);
  if (!type?.startsWith('ecdsa-sha2-') || !key) throw new Error(`unexpected host public key: ${pub}`);
  return `${type} ${key}`;
}

/**
 * What the real `ssh-keyscan -p <port> <address>` prints for the test sshd (loopback only):
 * the text an admin pastes into the site's `devvm.host_keys`, its `#` banner lines (stderr)
 * included, as `ssh-keyscan <host> 2>&1` shows them. Throws unless every stock type is there.
 */
export async function keyscan(address: string, port: number): Promise<string> {
  if (!address.startsWith('127.')) throw new Error(`keyscan: not a loopback address: ${address}`);
  const r = await runOk(['ssh-keyscan', '-T', '5', '-p', String(port), address]);
  const text = `${r.stderr.split('\n').filter((l) => l.startsWith('#')).join('\n')}\n${r.stdout}`;
  for (const type of ['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-ed25519']) {
    if (!text.includes(` ${type} `)) throw new Error(`ssh-keyscan of ${address}:${port} printed no ${type} key:\n${text}`);
  }
  return text;
}

export function authorizeKey(rootDir: string, publicKey: string): void {
  const sshDir = path.join(rootDir, 'root/.ssh');
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(sshDir, 'authorized_keys'), publicKey + '\n', { mode: 0o600 });
}

export const SSHD_LOG_IN_HOST = '/var/log/sshd.log';

/**
 * Starts sshd in the foreground (-D, so the recorded pid is sshd itself) and waits until it
 * answers with an SSH banner. Picking a free port and binding it is racy against other
 * processes, so a bind failure is retried with a new port.
 */
export async function startSshd(rec: HostRecord, address: string): Promise<number> {
  const root = rec.rootDir;
  fs.mkdirSync(path.join(root, 'run/sshd'), { recursive: true, mode: 0o755 });
  const logFile = path.join(root, SSHD_LOG_IN_HOST);
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(address);
    const argv = [
      'chroot', root, '/usr/sbin/sshd', '-D',
      '-E', SSHD_LOG_IN_HOST,
      '-o', `ListenAddress=${address}:${port}`,
      '-o', 'PermitRootLogin=prohibit-password',
      '-o', 'PasswordAuthentication=no',
      '-o', 'KbdInteractiveAuthentication=no',
      '-o', 'UseDNS=no',
      '-o', 'LogLevel=VERBOSE',
    ];
    spawnDaemon(rec, argv, 'sshd', path.join(rec.tempDir, 'sshd.stdout.log'));
    const ref = rec.processes[rec.processes.length - 1];
    const ready = await waitForBanner(address, port, () => isSameProcessAlive(ref), 10_000);
    if (ready === 'ok') {
      rec.address = address;
      rec.port = port;
      saveRecord(rec);
      return port;
    }
    lastError = `sshd on ${address}:${port} ${ready}; its log:\n${readTail(logFile)}\n${readTail(path.join(rec.tempDir, 'sshd.stdout.log'))}`;
    terminateSync([ref]);
    rec.processes.pop();
    saveRecord(rec);
  }
  throw new Error(lastError);
}

async function waitForBanner(address: string, port: number, alive: () => boolean, timeoutMs: number): Promise<'ok' | 'exited' | 'timed out'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await banner(address, port)) return 'ok';
    if (!alive()) return 'exited';
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'timed out';
}

function banner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let data = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('data', (b) => {
      data += b.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-2.0-'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readTail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}
