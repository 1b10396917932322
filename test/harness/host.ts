// A disposable devvm for end-to-end tests: a fresh root on top of the cached Debian
// rootfs, with sshd on its own loopback address that real Terraform can log in to.
// One host per test file; see docs/e2e.md.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareRoot, mountKernelFilesystems } from './host-root';
import { HostExec, makeHostExec } from './host-exec';
import { processRef } from './procs';
import { ensureRootfs } from './rootfs';
import { register, unregister } from './safety-net';
import { authorizeKey, generateHostKey, keyscan, pickLoopbackAddress, SSHD_LOG_IN_HOST, startAgentWithKey, startSshd } from './ssh';
import { HostRecord, recordPath, saveRecord } from './state';
import { teardownSync } from './teardown';

export interface TestHost extends HostExec {
  id: string;
  /** Loopback address sshd listens on (127.77.x.y). */
  address: string;
  port: number;
  user: 'root';
  /** The ECDSA host key "ecdsa-sha2-nistp256 AAAA..." (what Terraform negotiates with a stock sshd), for `host_key`. */
  hostKey: string;
  /** The real `ssh-keyscan -p <port> <address>` output for this sshd (every stock key), for the site's `host_keys`. */
  hostKeyscan: string;
  sshAuthSock: string;
  /** The host's root directory as seen from outside. */
  rootDir: string;
  /** Harness-private directory outside the host (client key, agent socket, fixture keys). */
  privateDir: string;
  /** Client private key file, for a manual `ssh -i`. */
  clientKeyFile: string;
  /** Environment to give Terraform (and ssh) so they use the host's agent. */
  env: { SSH_AUTH_SOCK: string };
  /** sshd's log file, outside path. */
  sshdLogFile: string;
  /** How the root was made: an overlay on the cache, or a full copy. */
  mode: 'overlay' | 'copy';
  /**
   * A new scratch directory outside the host, inside privateDir: removed with the host,
   * even when the test process is killed (synth outdirs, Terraform work dirs).
   */
  scratchDir(prefix?: string): string;
  /** Tears everything down (or, with DEVVM_TESTHOST_KEEP=1, prints how to enter and clean it). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keep the host after stop() for debugging; defaults to env DEVVM_TESTHOST_KEEP=1. */
  keep?: boolean;
}

/**
 * A new host's record, saved before anything is created (so a crash can always be cleaned
 * up), with its private temp dir; registered for teardown unless kept. Shared by the chroot
 * and the systemd host.
 */
export function beginHostRecord(keep: boolean): HostRecord {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const tempDir = path.join(os.tmpdir(), `devvm-testhost-${id}`);
  const rec: HostRecord = {
    id,
    createdAt: new Date().toISOString(),
    owner: processRef(process.pid, 'test process'),
    tempDir,
    rootDir: path.join(tempDir, 'root'),
    mode: 'overlay',
    mounts: [],
    processes: [],
    keep,
  };
  saveRecord(rec);
  fs.mkdirSync(tempDir, { mode: 0o700 });
  if (!keep) register(rec);
  return rec;
}

export async function startTestHost(opts: StartOptions = {}): Promise<TestHost> {
  const keep = opts.keep ?? process.env.DEVVM_TESTHOST_KEEP === '1';
  const cache = await ensureRootfs();
  const rec = beginHostRecord(keep);
  const { id, tempDir } = rec;
  try {
    await prepareRoot(rec, cache.dir);
    await mountKernelFilesystems(rec);
    const hostKey = await generateHostKey(rec.rootDir);
    const client = await startAgentWithKey(rec);
    authorizeKey(rec.rootDir, client.publicKey);
    const address = pickLoopbackAddress();
    const port = await startSshd(rec, address);
    const hostKeyscan = await keyscan(address, port);
    const host: TestHost = {
      ...makeHostExec(rec.rootDir),
      id,
      address,
      port,
      user: 'root',
      hostKey,
      hostKeyscan,
      sshAuthSock: client.sshAuthSock,
      rootDir: rec.rootDir,
      privateDir: tempDir,
      clientKeyFile: client.privateKey,
      env: { SSH_AUTH_SOCK: client.sshAuthSock },
      sshdLogFile: path.join(rec.rootDir, SSHD_LOG_IN_HOST),
      mode: rec.mode,
      scratchDir: (prefix = 'scratch-') => fs.mkdtempSync(path.join(tempDir, prefix)),
      stop: async () => stop(rec, host),
    };
    if (keep) process.stderr.write(`test host ${id} will be kept (DEVVM_TESTHOST_KEEP=1): chroot ${host.rootDir} bash\n`);
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

async function stop(rec: HostRecord, host: TestHost): Promise<void> {
  if (rec.keep) {
    process.stderr.write(`${keepInstructions(rec, host)}\n`);
    return;
  }
  unregister(rec.id);
  teardownSync(rec);
}

function keepInstructions(rec: HostRecord, host: TestHost): string {
  return [
    `test host ${rec.id} kept (DEVVM_TESTHOST_KEEP=1):`,
    `  enter:    chroot ${host.rootDir} bash`,
    `  ssh:      ssh -i ${host.clientKeyFile} -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -p ${host.port} root@${host.address}`,
    `  sshd log: ${host.sshdLogFile}`,
    `  record:   ${recordPath(rec.id)}`,
    `  clean up: npx tsx test/harness/cleanup.ts ${rec.id}`,
  ].join('\n');
}

/**
 * Registers beforeAll/afterAll for one host per describe block, started by `start`; call at
 * describe level. Returns a getter because the host exists only once beforeAll ran.
 */
export function useHostOf<H extends TestHost>(start: () => Promise<H>, what: string): () => H {
  let host: H | undefined;
  beforeAll(async () => {
    host = await start();
  });
  afterAll(async () => {
    await host?.stop();
  });
  return () => {
    if (!host) throw new Error(`${what} not started (did beforeAll fail?)`);
    return host;
  };
}

/** One chroot test host per describe block (see useHostOf). */
export function useTestHost(opts: StartOptions = {}): () => TestHost {
  return useHostOf(() => startTestHost(opts), 'test host');
}
