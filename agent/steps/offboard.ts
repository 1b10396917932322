// Offboard (destroy-time, on row removal): lock and expire the account first (no new
// login), stop and disable the person's units, remove linger, end their sessions and user
// manager, end every process of the uid until none is left (agent/end-processes.ts), take
// their cron and at jobs out of the spool (archived next to the home archive), drop
// managed groups, archive the home (compressed tar + sha256, verified after writing),
// keep the home, record a tombstone. tar runs AS the person (it reads what they could
// read, nothing more); root only creates the private file it writes into.
// A process that survives fails the step and the tombstone says so: an incomplete tombstone
// (status "incomplete", survivors listed) is recorded instead of the real one, and the home
// is not archived (a running process could still change it): the destroy fails, and its
// re-run retries every step. Idempotent. Never deletes the account: `purge` does that, explicitly.
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MANAGED_UNIX_GROUPS } from '../../src/tiers/profiles';
import type { AccountSpec } from '../input';
import { getAccount, groupsOf, shadowOf } from '../accounts';
import type { Context } from '../context';
import { probe, ProbeResult, run, SETPRIV } from '../exec';
import { writeFileAtomic } from '../atomic';
import { forgetDesired } from '../desired-store';
import { changed, failed, ok, oneLine, Outcome, Reporter, skipped } from '../report';
import { stopUnit, terminateUser } from './systemd';
import { endProcessesOf, ProcessOps, procOps } from '../end-processes';
import { deleteOwn, own, setOwn } from '../own';
import { safeRead, UnsafeRead } from '../safe-read';

/** logind's record of who lingers (one empty file per user). */
const LINGER_DIR = '/var/lib/systemd/linger';

/** Debian's cron and at spools: one file per person (crontab) or per job (at), owned by them. */
export const SPOOLS = ['/var/spool/cron/crontabs', '/var/spool/cron/atjobs'];

export function offboard(ctx: Context, report: Reporter, spec: AccountSpec, ops: ProcessOps = procOps): void {
  const u = spec.osUser;
  const account = getAccount(u);
  if (!account) {
    report.record(u, 'offboard', skipped('no such account'));
    return;
  }
  if (account.uid !== spec.uid) {
    report.record(u, 'offboard', failed(`account has uid ${account.uid}, expected ${spec.uid}: not touched`));
    return;
  }
  // Lock first: from here on no new login or cron-started session can begin.
  report.step(u, 'lock', () => lockAccount(ctx, u));
  report.step(u, 'units', () => stopUnits(ctx, u, spec.uid));
  let survivors: number[] = [];
  const ended = report.step(u, 'processes', () => endProcesses(ctx, u, account.uid, account.gid, ops, (s) => (survivors = s)));
  report.step(u, 'jobs', () => removeJobs(ctx, spec));
  report.step(u, 'groups', () => dropManagedGroups(ctx, u));
  if (ended.kind === 'failed') {
    report.record(u, 'tombstone', recordIncomplete(ctx, spec, survivors));
    return;
  }
  const archived = report.step(u, 'archive', () => archiveHome(ctx, spec, account.gid));
  if (archived.kind === 'failed') {
    report.record(u, 'tombstone', failed('not recorded: the home is not archived (see the archive step); nothing deleted; re-run offboarding'));
    return;
  }
  if (!ctx.dryRun) {
    const { archive, sha256 } = archivePaths(ctx, spec);
    setOwn(ctx.state.tombstones, u, { uid: spec.uid, date: new Date().toISOString(), archive, sha256 });
    deleteOwn(ctx.state.incomplete, u);
    ctx.save();
    forgetDesired(u);
    report.record(u, 'tombstone', ok(`uid ${spec.uid} retired; add it to retired_uids`));
  }
}

/**
 * Processes of the uid survived every kill round: the offboarding is not done, and the
 * tombstone says so. An incomplete tombstone (status "incomplete", the survivors' pids and
 * command names) is recorded in the host state, shown by `status` and `tombstones`; the
 * real tombstone is not written and the home not archived (a running process could still
 * change it). The destroy fails; its re-run retries every step.
 */
function recordIncomplete(ctx: Context, spec: AccountSpec, survivors: number[]): Outcome {
  const list = survivors.map((pid) => ({ pid, command: commandOf(pid) }));
  const shown = list.map((s) => `${s.pid} ${s.command}`).join(', ');
  if (!ctx.dryRun) {
    setOwn(ctx.state.incomplete, spec.osUser, { uid: spec.uid, date: new Date().toISOString(), status: 'incomplete', survivors: list });
    ctx.save();
  }
  return failed(`incomplete: ${list.length} process(es) of uid ${spec.uid} survived (${shown}); recorded as an incomplete tombstone; home not archived; end them and re-run offboarding`);
}

/** The command name of a pid (the kernel's /proc/<pid>/comm, at most 16 bytes), or "?" once it is gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || '?';
  } catch {
    return '?';
  }
}

/**
 * Disables and stops the person's units, removes linger and ends their sessions and user
 * manager. Every systemctl/loginctl exit status counts: a call that fails is a FAILED
 * step naming it (the other offboarding steps still run).
 */
function stopUnits(ctx: Context, u: string, uid: number): Outcome {
  if (!ctx.systemd) return skipped('no systemd');
  const actions: string[] = [];
  const problems: string[] = [];
  for (const unit of [`t3-serve@${u}.service`, `claude-auth-sync@${u}.timer`, `claude-auth-sync@${u}.service`]) {
    const r = stopUnit(unit, [], ctx.dryRun);
    actions.push(...r.actions);
    problems.push(...r.problems);
  }
  // Linger first: with linger on, logind keeps (or restarts) the user manager.
  if (existsSync(`${LINGER_DIR}/${u}`)) {
    actions.push('linger removed');
    if (!ctx.dryRun) {
      const r = probe('loginctl', ['disable-linger', u]);
      if (r.status !== 0) problems.push(`loginctl disable-linger ${u}: ${oneLine(r.stderr) || `exit ${r.status}`}`);
    }
  }
  const userManager = `user@${uid}.service`;
  if (probe('loginctl', ['show-user', u]).status === 0 || probe('systemctl', ['is-active', '--quiet', userManager]).status === 0) {
    actions.push('sessions and user manager ended');
    if (!ctx.dryRun) {
      const p = terminateUser(u, uid);
      if (p) problems.push(p);
    }
  }
  const did = actions.length ? (ctx.dryRun ? `would: ${actions.join(', ')}` : actions.join(', ')) : '';
  if (problems.length) return failed([...problems, ...(did ? [`done: ${did}`] : [])].join('; '));
  return did ? changed(did) : ok('no unit, linger or session left');
}

function lockAccount(ctx: Context, u: string): Outcome {
  const shadow = shadowOf(u);
  if (shadow?.locked && shadow.expired) return ok('already locked and expired');
  if (ctx.dryRun) return changed('would lock and expire');
  run('usermod', ['--lock', '--expiredate', '1', u]);
  return changed('locked and expired');
}

/**
 * Every process of the uid, ended until two scans in a row find none (bounded: see
 * agent/end-processes.ts). With systemd the sessions and user manager went in `units`;
 * this is the backstop for whatever escaped them, and the only path without systemd.
 */
export function endProcesses(ctx: Context, u: string, uid: number, gid: number, ops: ProcessOps = procOps, onSurvivors?: (pids: number[]) => void): Outcome {
  if (ctx.dryRun) {
    const running = ops.list(uid);
    return running.length ? changed(`would end ${running.length} process(es)`) : ok('none running');
  }
  const r = endProcessesOf(uid, gid, ops);
  if (r.survivors.length > 0) {
    onSurvivors?.(r.survivors);
    return failed(`survivors: ${r.survivors.length} (pids ${r.survivors.join(' ')}) still running after ${r.rounds} rounds of kill -KILL`);
  }
  // Always run (a fast walker may be missed by every scan yet met by the kill-all): ok when nothing was seen.
  const summary = `${r.killed} process(es) of ${u} seen; none left after ${r.rounds} rounds of kill -KILL`;
  return r.killed > 0 ? changed(summary) : ok(summary);
}

/**
 * The person's cron and at jobs would run as them after offboarding (cron does not check
 * account expiry on every system). Each spool file of the uid is copied into the archive
 * directory (root-only, next to the home archive) and then removed from the spool: the
 * jobs are kept, and never run again. The spool is root's: files are read no-follow and
 * must be owned by the uid.
 */
function removeJobs(ctx: Context, spec: AccountSpec): Outcome {
  const found: string[] = [];
  for (const dir of SPOOLS) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const st = lstatSync(`${dir}/${name}`);
      if (st.isFile() && st.uid === spec.uid) found.push(`${dir}/${name}`);
    }
  }
  if (found.length === 0) return ok('no cron or at jobs');
  if (ctx.dryRun) return changed(`would archive and remove ${found.join(', ')}`);
  const dirProblem = ensureArchiveDir(spec.archiveDir);
  if (dirProblem) return failed(`${found.join(', ')} kept: ${dirProblem}`);
  const saved: string[] = [];
  for (const file of found) {
    let content: Buffer;
    try {
      content = safeRead(file, { owner: spec.uid });
    } catch (err) {
      if (err instanceof UnsafeRead) return failed(err.message);
      throw err;
    }
    const kind = file.split('/').slice(-2, -1)[0];
    const target = `${spec.archiveDir}/${spec.osUser}-${spec.uid}.${kind}.${basename(file)}`;
    writeFileAtomic(target, content, { mode: 0o600, uid: 0, gid: 0 });
    unlinkSync(file);
    saved.push(`${file} -> ${target}`);
  }
  return changed(`cron/at jobs archived and removed: ${saved.join(', ')}`);
}

function dropManagedGroups(ctx: Context, u: string): Outcome {
  const drop = MANAGED_UNIX_GROUPS.filter((g) => groupsOf(u).includes(g));
  if (drop.length === 0) return ok();
  if (ctx.dryRun) return changed(`would remove from ${drop.join(', ')}`);
  for (const g of drop) run('gpasswd', ['-d', u, g]);
  return changed(`removed from ${drop.join(', ')}`);
}

function archivePaths(ctx: Context, spec: AccountSpec): { archive: string; sha256: string } {
  const existing = own(ctx.state.tombstones, spec.osUser);
  if (existing && existing.uid === spec.uid) return { archive: existing.archive, sha256: existing.sha256 };
  const file = `${spec.archiveDir}/${spec.osUser}-${spec.uid}.tar.zst`;
  return { archive: file, sha256: existsSync(`${file}.sha256`) ? readChecksum(`${file}.sha256`) : '' };
}

/** The hex digest in a `sha256sum`-style line (a root-only file, still read regular-only and bounded). */
function readChecksum(file: string): string {
  return safeRead(file, { maxBytes: 4096 }).toString('utf8').split(' ')[0];
}

/** sha256 of a file via sha256sum (streams: home archives can be large). */
export function fileSha256(path: string): string {
  return run('sha256sum', ['--', path], { timeoutMs: ARCHIVE_TIMEOUT_MS }).split(' ')[0];
}

export function verifyArchive(archive: string): string | undefined {
  if (!existsSync(archive) || !existsSync(`${archive}.sha256`)) return 'archive or checksum missing';
  const expected = readChecksum(`${archive}.sha256`);
  if (fileSha256(archive) !== expected) return 'archive checksum mismatch';
  const listed = probe('tar', ['--zstd', '-tf', archive], { timeoutMs: ARCHIVE_TIMEOUT_MS });
  if (listed.timedOut) return listed.stderr;
  if (listed.status !== 0) return 'archive is not a readable tar';
  return undefined;
}

/**
 * A home holds secrets (~/.claude/.credentials.json), so its archive must be private from
 * its first byte: the temp file is created by the agent 0600 with O_EXCL (never an existing
 * name or a link), tar writes into it through stdout, and it lies in a directory only root
 * can enter. Sparse files are archived as sparse (`--sparse`): a 100 GB hole costs nothing
 * and cannot hold the host lock for hours. Bounded by ARCHIVE_TIMEOUT_MS anyway.
 */
const ARCHIVE_TIMEOUT_MS = 2 * 60 * 60 * 1000;

/**
 * The archive directory must be root's alone: a real directory (not a symlink), owned by
 * root, no group or other permission bits, and every parent owned by root and writable by
 * root only (else someone could swap the directory or a parent). Created 0700 when absent.
 * Returns why not, or undefined.
 */
export function ensureArchiveDir(dir: string): string | undefined {
  const parentProblem = checkParents(dir);
  if (parentProblem) return parentProblem;
  if (!existsSync(dir) && !isLink(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return checkArchiveDir(dir);
}

export function checkArchiveDir(dir: string): string | undefined {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return `archive_dir ${dir} is a symlink: refused (use the real directory)`;
  if (!st.isDirectory()) return `archive_dir ${dir} is not a directory: refused`;
  if (st.uid !== 0) return `archive_dir ${dir} is owned by uid ${st.uid}, not root: refused`;
  if ((st.mode & 0o077) !== 0) {
    return `archive_dir ${dir} has mode ${(st.mode & 0o7777).toString(8)}: group or others could read archives; use a root-only (0700) directory: refused`;
  }
  return checkParents(dir);
}

function checkParents(dir: string): string | undefined {
  for (let p = dirname(dir); ; p = dirname(p)) {
    if (existsSync(p) || isLink(p)) {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) return `archive_dir ${dir}: parent ${p} is a symlink: refused`;
      if (st.uid !== 0) return `archive_dir ${dir}: parent ${p} is owned by uid ${st.uid}, not root: refused`;
      if ((st.mode & 0o022) !== 0) return `archive_dir ${dir}: parent ${p} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}): refused`;
    }
    if (p === '/') return undefined;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * tar runs AS the person (setpriv: their uid, gid and groups, no PAM session, no new
 * privileges), so it reads exactly what they could read: a hard link to a file they cannot
 * read, or a file they could not open, is not archived by root's rights. Root only owns the
 * output: the 0600 file it created, which tar fills through stdout. Its environment is
 * fixed (root-owned PATH: tar runs zstd from it).
 */
function tarAsPerson(uid: number, gid: number, home: string): string[] {
  return [
    '--reuid', String(uid), '--regid', String(gid), '--init-groups', '--no-new-privs', '--',
    'tar', '--zstd', '--sparse', '--numeric-owner', '--xattrs', '--acls', '-C', dirname(home), '-cf', '-', '--', basename(home),
  ];
}

const TAR_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

/**
 * Why tar failed, for the admin. Files the person cannot read in their own home (made by
 * root or another account, or chmodded 000) stop the archive: nothing is archived, no
 * tombstone is recorded and nothing is deleted, until they are readable or moved out.
 */
export function tarProblem(u: string, home: string, r: ProbeResult): string {
  if (r.timedOut) return r.stderr;
  const denied = r.stderr.split('\n').map((l) => /^tar: (.*): Cannot (?:open|opendir|read|savedir|stat|readlink|listxattr|getxattr)[^:]*: Permission denied$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  const rest = 'nothing archived, no tombstone, nothing deleted; re-run offboarding';
  if (denied.length > 0) {
    const shown = denied.slice(0, 3).map((p) => join(dirname(home), p)).join(', ');
    return `tar as ${u} cannot read ${denied.length} path(s) of the home (${shown}${denied.length > 3 ? ', ...' : ''}): make them readable by ${u} or move them out of the home; ${rest}`;
  }
  return `tar as ${u} failed (exit ${r.status}): ${oneLine(r.stderr)}; ${rest}`;
}

function archiveHome(ctx: Context, spec: AccountSpec, gid: number): Outcome {
  const { archive } = archivePaths(ctx, spec);
  // The directory first: an archive (even a verified one) in a directory others can enter is not private.
  const dirProblem = ctx.dryRun ? (existsSync(spec.archiveDir) ? checkArchiveDir(spec.archiveDir) : checkParents(spec.archiveDir)) : ensureArchiveDir(spec.archiveDir);
  if (dirProblem) return failed(dirProblem);
  if (existsSync(archive) && verifyArchive(archive) === undefined) return ok(`${archive} verified`);
  if (!existsSync(spec.home)) return skipped('no home to archive');
  if (ctx.dryRun) return changed(`would archive ${spec.home} to ${archive}`);
  // An archive half-written by a killed agent (root-only directory, one agent at a time).
  for (const name of readdirSync(spec.archiveDir)) {
    if (name.startsWith(`${basename(archive)}.tmp-`)) rmSync(`${spec.archiveDir}/${name}`, { force: true });
  }
  const tmp = `${archive}.tmp-${process.pid}`;
  // 0600 from creation; O_EXCL: never an existing file or a link placed at the name.
  const fd = openSync(tmp, 'wx', 0o600);
  let r: ProbeResult;
  try {
    r = probe(SETPRIV, tarAsPerson(spec.uid, gid, spec.home), { stdoutFd: fd, cwd: '/', env: TAR_ENV, timeoutMs: ARCHIVE_TIMEOUT_MS });
    if (r.status === 0) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  if (r.status !== 0) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    return failed(tarProblem(spec.osUser, spec.home, r));
  }
  closeSync(fd);
  const sum = fileSha256(tmp);
  renameSync(tmp, archive);
  writeFileAtomic(`${archive}.sha256`, `${sum}  ${basename(archive)}\n`, { mode: 0o600, uid: 0, gid: 0 });
  const problem = verifyArchive(archive);
  if (problem) return failed(`${archive}: ${problem}`);
  return changed(`${archive} written and verified (sha256 ${sum.slice(0, 12)})`);
}
