// A disposable devvm that boots real systemd: a systemd-nspawn container of Debian
// bookworm on a fresh overlay (or copy) of the cached systemd root, sharing this machine's
// network namespace, so its own stock `ssh.service` (RSA, ECDSA and ed25519 host keys)
// listens on a loopback address of its own. Inside it, systemctl, loginctl, user slices,
// user managers and `systemd-run --user --scope` are the real thing. One per test file,
// next to the chroot host (host.ts); see docs/e2e.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findContainerInit, pidNamespaceOf } from './container';
import { makeHostExecWith, nsenterArgv } from './host-exec';
import { beginHostRecord, type TestHost, useHostOf } from './host';
import { prepareRoot } from './host-root';
import { acquireLock } from './lock';
import { isMountPoint } from './mounts';
import { isSameProcessAlive, processRef } from './procs';
import { ensureRootfs } from './rootfs';
import { run, runOk, RunResult } from './run';
import { unregister } from './safety-net';
import { authorizeKey, freePort, keyscan, pickLoopbackAddress, SSHD_LOG_IN_HOST, startAgentWithKey } from './ssh';
import { HostRecord, recordPath, saveRecord } from './state';
import { SYSTEMD_RECIPE } from './systemd-rootfs';
import { teardownSync } from './teardown';
import { installStandInUnits } from './stand-in-units';

export interface SystemdTestHost extends TestHost {
  kind: 'systemd';
  /** The container's PID 1 as seen from this machine (what `nsenter -t` enters). */
  initPid: number;
  /**
   * Every stock host key, "<type> <base64>". `hostKey` is the ECDSA one: Terraform 1.11.4's
   * SSH client offers ecdsa-sha2-nistp256 first, so a stock sshd presents that key, and
   * pinning any other type fails the handshake.
   */
  hostKeys: { rsa: string; ecdsa: string; ed25519: string };
  /** Runs argv over real SSH as `user` (the client key must be authorized for them). */
  ssh(user: string, argv: readonly string[], opts?: { timeoutMs?: number; tty?: boolean }): Promise<RunResult>;
  /** Puts the harness's client key into `~user/.ssh/authorized_keys`, written as that user. */
  authorizeSsh(user: string): Promise<void>;
}

export interface SystemdStartOptions {
  keep?: boolean;
  /** Install stand-ins for the homelab's `t3-serve@` and `claude-auth-sync@` templates; default true. */
  standInUnits?: boolean;
}

const NSPAWN_DIR = '/run/systemd/nspawn';

/**
 * nspawn keeps per-machine files under /run/systemd/nspawn and refuses to clean them up
 * ("Attempted to remove disk file system") unless that is a tmpfs. Mounted once per boot
 * of this machine and shared by every container (it holds nothing of ours afterwards), so
 * it is not recorded for teardown.
 */
async function ensureNspawnRunDir(): Promise<void> {
  if (isMountPoint(NSPAWN_DIR)) return;
  fs.mkdirSync('/run/devvm-testhost', { recursive: true, mode: 0o700 });
  const lock = await acquireLock('/run/devvm-testhost/nspawn-tmpfs.lock', { timeoutMs: 30_000, what: `tmpfs on ${NSPAWN_DIR}` });
  try {
    if (isMountPoint(NSPAWN_DIR)) return;
    fs.mkdirSync(NSPAWN_DIR, { recursive: true, mode: 0o755 });
    await runOk(['mount', '-t', 'tmpfs', '-o', 'mode=755,size=8m', 'tmpfs', NSPAWN_DIR]);
  } finally {
    lock.release();
  }
}

function readPublicKey(root: string, type: string): string {
  const [t, key] = fs.readFileSync(path.join(root, `etc/ssh/ssh_host_${type}_key.pub`), 'utf8').trim().split(/\s+/);
  if (!t || !key) throw new Error(`unexpected ${type} host key`);
  return `${t} ${key}`;
}

function sshdDropIn(address: string, port: number): string {
  return [
    '# devvm test host: this container shares the machine\'s network namespace.',
    `ListenAddress ${address}:${port}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, detail: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} (waited ${timeoutMs} ms)\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

export async function startSystemdHost(opts: SystemdStartOptions = {}): Promise<SystemdTestHost> {
  const keep = opts.keep ?? process.env.DEVVM_TESTHOST_KEEP === '1';
  const cache = await ensureRootfs(SYSTEMD_RECIPE);
  await ensureNspawnRunDir();
  const rec = beginHostRecord(keep);
  const { id, tempDir } = rec;
  try {
    await prepareRoot(rec, cache.dir);
    const root = rec.rootDir;
    // Fresh stock host keys (RSA, ECDSA, ed25519) for this host only.
    await runOk(['chroot', root, 'ssh-keygen', '-A']);
    const hostKeys = { rsa: readPublicKey(root, 'rsa'), ecdsa: readPublicKey(root, 'ecdsa'), ed25519: readPublicKey(root, 'ed25519') };
    const client = await startAgentWithKey(rec);
    authorizeKey(root, client.publicKey);
    const address = pickLoopbackAddress();
    let port = await freePort(address);
    fs.writeFileSync(path.join(root, 'etc/ssh/sshd_config.d/50-testhost.conf'), sshdDropIn(address, port));
    // Debian's ssh.service runs `sshd -D $SSHD_OPTS` from /etc/default/ssh.
    fs.writeFileSync(path.join(root, 'etc/default/ssh'), `SSHD_OPTS="-E ${SSHD_LOG_IN_HOST}"\n`);
    if (opts.standInUnits !== false) installStandInUnits(root);

    const machine = `devvm-${id.replace(/[^a-z0-9-]/g, '')}`.slice(0, 60);
    const consoleLog = path.join(tempDir, 'console.log');
    const log = fs.openSync(consoleLog, 'a');
    // --register=no --keep-unit: this machine has no systemd (no bus to register with).
    const child = spawn('systemd-nspawn', ['-q', '-D', root, '-M', machine, '--register=no', '--keep-unit', '--boot', '--console=pipe'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', SYSTEMD_NSPAWN_TMPFS_TMP: '0' },
    });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error('cannot start systemd-nspawn');
    rec.container = { nspawn: processRef(child.pid, 'systemd-nspawn') };
    saveRecord(rec);
    const nspawn = rec.container.nspawn;
    const init = await waitFor('the container\'s PID 1 did not appear', 30_000, () => {
      if (!isSameProcessAlive(nspawn)) throw new Error(`systemd-nspawn exited:\n${tail(consoleLog)}`);
      return findContainerInit(nspawn.pid);
    }, () => tail(consoleLog));
    rec.container.init = init;
    rec.container.pidNamespace = pidNamespaceOf(init.pid);
    saveRecord(rec);

    const exec = makeHostExecWith((argv, o) => nsenterArgv(init.pid, argv, o));
    await waitFor('the container\'s system bus did not come up', 60_000, async () =>
      (await exec.exec(['test', '-S', '/run/dbus/system_bus_socket'])).code === 0 ? true : undefined, () => tail(consoleLog));
    const state = (await exec.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: 120_000 })).stdout.trim();
    if (state !== 'running' && state !== 'degraded') {
      throw new Error(`the container's systemd is "${state}":\n${(await exec.exec(['systemctl', '--failed', '--no-pager'])).stdout}\n${tail(consoleLog)}`);
    }
    // The port was free when picked; if something took it meanwhile, pick another.
    for (let attempt = 0; (await exec.exec(['systemctl', 'is-active', '--quiet', 'ssh.service'])).code !== 0; attempt++) {
      if (attempt >= 3) throw new Error(`ssh.service does not start:\n${(await exec.exec(['journalctl', '-u', 'ssh.service', '--no-pager', '-n', '30'])).stdout}`);
      port = await freePort(address);
      fs.writeFileSync(path.join(root, 'etc/ssh/sshd_config.d/50-testhost.conf'), sshdDropIn(address, port));
      await exec.exec(['systemctl', 'restart', 'ssh.service']);
    }
    rec.address = address;
    rec.port = port;
    saveRecord(rec);

    const knownHosts = path.join(tempDir, 'client', 'known_hosts');
    const hostPattern = `[${address}]:${port}`;
    fs.writeFileSync(knownHosts, Object.values(hostKeys).map((k) => `${hostPattern} ${k}`).join('\n') + '\n');
    const sshEnv = { ...process.env, SSH_AUTH_SOCK: client.sshAuthSock };
    const host: SystemdTestHost = {
      ...exec,
      kind: 'systemd',
      id,
      address,
      port,
      user: 'root',
      hostKey: hostKeys.ecdsa,
      hostKeys,
      hostKeyscan: await keyscan(address, port),
      initPid: init.pid,
      sshAuthSock: client.sshAuthSock,
      rootDir: root,
      privateDir: tempDir,
      clientKeyFile: client.privateKey,
      env: { SSH_AUTH_SOCK: client.sshAuthSock },
      sshdLogFile: path.join(root, SSHD_LOG_IN_HOST),
      mode: rec.mode,
      scratchDir: (prefix = 'scratch-') => fs.mkdtempSync(path.join(tempDir, prefix)),
      ssh: (user, argv, o = {}) =>
        run([
          'ssh', '-i', client.privateKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
          '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=10',
          ...(o.tty ? ['-tt'] : ['-T']), '-p', String(port), `${user}@${address}`, '--', ...argv.map(shellQuote),
        ], { env: sshEnv, timeoutMs: o.timeoutMs ?? 60_000 }),
      authorizeSsh: async (user) => {
        const key = fs.readFileSync(`${client.privateKey}.pub`, 'utf8');
        await exec.execOk(['sh', '-c', 'umask 077 && mkdir -p "$HOME/.ssh" && cat > "$HOME/.ssh/authorized_keys"'], { user, input: key });
      },
      stop: async () => stop(rec, host),
    };
    if (keep) process.stderr.write(`systemd test host ${id} will be kept (DEVVM_TESTHOST_KEEP=1): nsenter -t ${init.pid} -a bash\n`);
    return host;
  } catch (e) {
    unregister(id);
    try {
      teardownSync(rec);
    } catch (te) {
      throw new Error(`${(e as Error).message}\n(and teardown after that failure: ${(te as Error).message})`);
    }
    throw e;
  }
}

/** ssh joins its remote argv with spaces into one shell command line: quote each word. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function stop(rec: HostRecord, host: SystemdTestHost): Promise<void> {
  if (rec.keep) {
    process.stderr.write([
      `systemd test host ${rec.id} kept (DEVVM_TESTHOST_KEEP=1):`,
      `  enter:    nsenter -t ${host.initPid} -a bash`,
      `  ssh:      ssh -i ${host.clientKeyFile} -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -p ${host.port} root@${host.address}`,
      `  sshd log: ${host.sshdLogFile}`,
      `  record:   ${recordPath(rec.id)}`,
      `  clean up: npx tsx test/harness/cleanup.ts ${rec.id}`,
    ].join('\n') + '\n');
    return;
  }
  unregister(rec.id);
  teardownSync(rec);
}

/** One systemd test host per describe block (see useHostOf). */
export function useSystemdHost(opts: SystemdStartOptions = {}): () => SystemdTestHost {
  return useHostOf(() => startSystemdHost(opts), 'systemd test host');
}
