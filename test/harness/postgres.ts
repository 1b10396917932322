// A throwaway PostgreSQL cluster for the end-to-end tests: the product's Tier-1 state
// lives in the homelab's PG backend, so the tests keep Terraform's state in a real
// PostgreSQL too (docs/e2e.md, "State backend"). Debian's server binaries, a fresh
// `initdb` in a private temp dir run as the `postgres` system account (the server refuses
// root), listening on a random 127.x loopback address. Terraform logs in with a
// password-authenticated role over TCP; the superuser is reachable only through a unix
// socket in that temp dir (peer authentication). Nothing is installed or started system-wide.
import { spawn } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pgBinDir } from './postgres-bin';
import { processRef } from './procs';
import { realProcess } from './real-process';
import { describeFailure, run, RunResult } from './run';
import { freePort } from './ssh';
import { PgRecord, pgRecordPath, pgReaperLogPath, reapStalePgClusters, savePgRecord, teardownPgSync } from './postgres-state';

/** The unprivileged account Debian's postgresql-common creates; the server runs as it. */
const PG_OS_USER = 'postgres';
/** The login role Terraform uses; owner of the test databases, nothing more. */
export const PG_ROLE = 'devvm_tf';

export interface PgDatabase {
  readonly cluster: PgCluster;
  readonly name: string;
  /**
   * `postgres://devvm_tf:<password>@127.x.y.z:<port>/<name>?sslmode=disable`: a secret.
   * Give it to Terraform as PG_CONN_STR in the child's environment only; never in argv,
   * a file or a message.
   */
  readonly connString: string;
  /** Runs SQL as the Terraform role over TCP (password in psql's environment); returns psql's unaligned output. */
  query(sql: string): Promise<string>;
}

export interface PgCluster {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** The role's password, so tests can look for it where it must not be. */
  readonly password: string;
  /** The server's log (connections, errors). */
  readonly logFile: string;
  /** A new, empty database owned by the Terraform role; `label` makes the name readable. */
  createDatabase(label: string): Promise<PgDatabase>;
  stop(): void;
}

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's stored format): CREATE ROLE gets
 * this instead of the password, so not even a logged statement could reveal it.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Only what the server tools need: no PG* variables of the caller, no PG_CONN_STR. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...extra };
}

async function asPostgres(argv: string[], opts: { input?: string } = {}): Promise<RunResult> {
  // cwd '/': the postgres account may not enter the caller's directory (a root-only checkout).
  const r = await run(['runuser', '-u', PG_OS_USER, '--', ...argv], { cwd: '/', env: cleanEnv(), input: opts.input, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(describeFailure(['runuser', '-u', PG_OS_USER, '--', ...argv], r));
  return r;
}

function mkdirOwned(dir: string, mode: number): void {
  fs.mkdirSync(dir, { mode });
  const { uid, gid } = osUser(PG_OS_USER);
  fs.chownSync(dir, uid, gid);
  fs.chmodSync(dir, mode);
}

function osUser(name: string): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no "${name}" account on this machine: install Debian's postgresql package (apt-get install --no-install-recommends postgresql)`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function pickAddress(): string {
  return `127.79.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function startReaper(rec: PgRecord): void {
  const log = fs.openSync(pgReaperLogPath(rec.id), 'a', 0o600);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'postgres-reaper.ts'), rec.id], {
    cwd: REPO_ROOT,
    detached: true, // a Ctrl-C meant for the test run must not reach it
    stdio: ['ignore', log, log],
    env: { ...process.env },
  });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error('cannot start the test PostgreSQL reaper');
  rec.reaper = processRef(child.pid, 'postgres reaper');
  savePgRecord(rec);
}

export interface StartPgOptions {
  /** Keep the cluster after stop() for debugging; defaults to env DEVVM_TESTHOST_KEEP=1. */
  keep?: boolean;
}

/** initdb + start; the caller must stop() it (the reaper and cleanup catch what a killed run leaves). */
export async function startPostgres(opts: StartPgOptions = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/<major>/bin/initdb): apt-get install --no-install-recommends postgresql');
  reapStalePgClusters((s) => process.stderr.write(`${s}\n`));
  const keep = opts.keep ?? process.env.DEVVM_TESTHOST_KEEP === '1';
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const tempDir = path.join(os.tmpdir(), `devvm-testpg-${id}`);
  const rec: PgRecord = {
    id,
    createdAt: new Date().toISOString(),
    owner: processRef(process.pid, 'test process'),
    tempDir,
    dataDir: path.join(tempDir, 'data'),
    address: '',
    port: 0,
    keep,
  };
  savePgRecord(rec);
  try {
    // Root-owned and only traversable, so the postgres account reaches its own dirs below.
    fs.mkdirSync(tempDir, { mode: 0o711 });
    fs.chmodSync(tempDir, 0o711);
    if (!keep) startReaper(rec);
    const socketDir = path.join(tempDir, 'socket');
    mkdirOwned(rec.dataDir, 0o700);
    mkdirOwned(socketDir, 0o700);
    await asPostgres([path.join(bin, 'initdb'), '-D', rec.dataDir, '-U', PG_OS_USER, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions']);
    // Only the Terraform role, only by password, only over loopback; the superuser only
    // through the private socket as the postgres account.
    fs.writeFileSync(path.join(rec.dataDir, 'pg_hba.conf'), [
      `local all ${PG_OS_USER} peer`,
      `host all ${PG_ROLE} 127.0.0.0/8 scram-sha-256`,
      '',
    ].join('\n'));
    const logFile = path.join(rec.dataDir, 'server.log');
    let started = false;
    for (let attempt = 0; !started; attempt++) {
      rec.address = pickAddress();
      rec.port = await freePort(rec.address);
      savePgRecord(rec);
      // Durability settings off: a throwaway cluster; locking and transactions are unchanged.
      const serverOpts = [
        '-k', socketDir, '-h', rec.address, '-p', String(rec.port),
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'shared_buffers=16MB', '-c', 'max_connections=40', '-c', 'password_encryption=scram-sha-256',
      ].join(' ');
      const r = await run(['runuser', '-u', PG_OS_USER, '--', path.join(bin, 'pg_ctl'), '-D', rec.dataDir, '-l', logFile, '-w', '-t', '60', '-s', '-o', serverOpts, 'start'], { cwd: '/', env: cleanEnv(), timeoutMs: 90_000 });
      started = r.code === 0;
      if (!started && attempt >= 2) {
        const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
        throw new Error(`${describeFailure(['pg_ctl', 'start'], r)}\nserver log:\n${tail}`);
      }
    }
    const password = randomBytes(18).toString('base64url');
    const admin = (sql: string) => asPostgres(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(rec.port), '-d', 'postgres'], { input: sql });
    await admin(`CREATE ROLE ${PG_ROLE} LOGIN PASSWORD '${scramVerifier(password)}';\n`);
    let databases = 0;
    const cluster: PgCluster = {
      id,
      address: rec.address,
      port: rec.port,
      password,
      logFile,
      createDatabase: async (label) => {
        const name = `tf${++databases}_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 63);
        await admin(`CREATE DATABASE "${name}" OWNER ${PG_ROLE};\n`);
        return database(cluster, name);
      },
      stop: () => {
        if (keep) {
          process.stderr.write([
            `test PostgreSQL ${id} kept (DEVVM_TESTHOST_KEEP=1):`,
            `  psql:     runuser -u ${PG_OS_USER} -- psql -h ${socketDir} -p ${rec.port} -d postgres`,
            `  log:      ${logFile}`,
            `  clean up: npx tsx test/harness/postgres-reaper.ts --cleanup ${id}`,
            '',
          ].join('\n'));
          return;
        }
        teardownPgSync(rec);
      },
    };
    return cluster;
  } catch (e) {
    try {
      teardownPgSync(rec);
    } catch (te) {
      throw new Error(`${(e as Error).message}\n(and teardown after that failure: ${(te as Error).message}; record ${pgRecordPath(id)})`);
    }
    throw e;
  }
}

function database(cluster: PgCluster, name: string): PgDatabase {
  const connString = `postgres://${PG_ROLE}:${cluster.password}@${cluster.address}:${cluster.port}/${name}?sslmode=disable`;
  return {
    cluster,
    name,
    connString,
    query: async (sql) => {
      const argv = ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', cluster.address, '-p', String(cluster.port), '-U', PG_ROLE, '-d', name];
      const r = await run(argv, { env: cleanEnv({ PGPASSWORD: cluster.password }), input: sql, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(describeFailure(argv, r));
      return r.stdout;
    },
  };
}

/**
 * The cluster of this OS process, started on first use and stopped when the process
 * exits: one initdb per jest worker, shared by the test files it runs (each file gets
 * fresh module instances, so the cluster hangs off the real process object). Every
 * Terraform driver takes its own database in it.
 */
const SHARED = Symbol.for('devvm-workstations.testpg.shared');

export function testPostgres(): Promise<PgCluster> {
  const real = realProcess() as NodeJS.Process & { [SHARED]?: Promise<PgCluster> };
  let shared = real[SHARED];
  if (!shared) {
    shared = startPostgres();
    real[SHARED] = shared;
    shared.then((c) => {
      real.on('exit', () => {
        try {
          c.stop();
        } catch (e) {
          real.stderr.write(`${(e as Error).message}\nrun: npx tsx test/harness/postgres-reaper.ts --cleanup\n`);
        }
      });
    }, () => {
      delete real[SHARED]; // let the next test file try again and report its own error
    });
  }
  return shared;
}
