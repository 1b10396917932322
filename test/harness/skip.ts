// Decides whether the e2e suites can run here. They need root (chroot, mount), debootstrap
// (to build the rootfs) and terraform, plus the everyday tools the harness calls and
// PostgreSQL's server binaries (the state backend, postgres.ts). Without
// them: on CI (CI=true) the run fails naming what is missing, because a silently skipped
// e2e suite would look green; on a workstation one line explains how to run them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pgBinDir } from './postgres-bin';
import { processStartTime } from './procs';
import { realProcess } from './real-process';

const REQUIRED_PROGRAMS = ['debootstrap', 'terraform', 'chroot', 'mount', 'umount', 'setpriv', 'ssh-keygen', 'ssh-agent', 'ssh-add', 'systemd-nspawn', 'nsenter'];

function onPath(program: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  // root's PATH has the sbin dirs; a normal user's often does not, but we still want to name
  // the real reason (not root) rather than "debootstrap missing".
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Why e2e cannot run here, or undefined when it can. */
export function e2eUnavailableReason(): string | undefined {
  const why: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) why.push('not running as root');
  const missing = REQUIRED_PROGRAMS.filter((p) => !onPath(p));
  if (missing.length > 0) why.push(`missing on PATH: ${missing.join(', ')}`);
  // State lives in a throwaway PostgreSQL (postgres.ts): Debian's server binaries.
  if (!pgBinDir()) why.push('PostgreSQL server not installed (apt-get install --no-install-recommends postgresql)');
  return why.length > 0 ? why.join('; ') : undefined;
}

/**
 * Prints the skip line once per jest run. Jest's worker processes are forked children of
 * the jest process, so they key a marker file on their parent (pid + start time, against
 * pid reuse); an in-band run keys on its own process.
 */
function printOnce(line: string): void {
  const forked = typeof realProcess().send === 'function';
  const runner = forked ? process.ppid : process.pid;
  const prefix = 'devvm-e2e-skip-';
  const marker = path.join(os.tmpdir(), `${prefix}${runner}-${processStartTime(runner) ?? 'x'}`);
  removeStaleMarkers(prefix);
  try {
    fs.writeFileSync(marker, '', { flag: 'wx' });
  } catch {
    return; // another test file of this run already said it
  }
  process.stderr.write(`${line}\n`);
}

/** Markers of runs that have ended, so /tmp does not collect one per skipped run. */
function removeStaleMarkers(prefix: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const m = new RegExp(`^${prefix}(\\d+)-(\\S+)$`).exec(name);
    if (!m || processStartTime(Number(m[1])) === m[2]) continue;
    try {
      fs.unlinkSync(path.join(os.tmpdir(), name));
    } catch {
      // another user's marker (sticky /tmp), or a concurrent worker removed it first
    }
  }
}

/**
 * jest 30 ignores `testTimeout` inside a `projects` entry (jest-circus reads only the
 * global one), so the e2e project's 600000 in jest.config.js does not apply and tests
 * would get 5 s. Every e2e file imports describeE2E, so the timeout is set here.
 */
export const E2E_TIMEOUT_MS = 600_000;

function decide(): jest.Describe {
  const reason = e2eUnavailableReason();
  if (reason === undefined) {
    jest.setTimeout(E2E_TIMEOUT_MS);
    return describe;
  }
  if (process.env.CI === 'true') {
    throw new Error(`e2e tests cannot run on CI: ${reason}. Install debootstrap and terraform and run as root.`);
  }
  printOnce(`e2e tests skipped: ${reason}; run them with: sudo npm run test:e2e`);
  return describe.skip;
}

/** `describe` when e2e can run here, `describe.skip` otherwise (after one explanatory line). */
export const describeE2E: jest.Describe = decide();
