// Legacy cutover and its rollback (run by an admin on the devvm, see README runbook).
// Cutover saves a snapshot (groups, ~/code as it was, ~/.kube/config bytes), moves the
// old ~/code and kubeconfig aside (never deleted), then converges to the tier target.
// Rollback puts every snapshotted item back exactly; the agent's clone is moved aside.
//
// Don't break what others depend on: cutover tightens the home to 0700 (and the private
// directories, ~/.claude among them). Before it changes anything it looks for other people's
// symlinks into the home (agent/links-into-home.ts: each other home walked as its owner) and
// names each one (linking person, link path, target). Found links, or a home that could not be
// walked completely, stop the cutover with nothing changed, unless the admin passes
// --break-links (the person who links moves their links first, or agrees they break). Only a
// home whose mode lets anyone else in is checked: at 0700 such links are broken already.
//
// Privilege rule (agent/main.ts): every move inside the home is done AS the person
// (agent/person-fs.ts), so a symlink or a swap they plant (a `.pre-cutover-<t>` replaced by
// a link to /etc/shadow, a link loop raced in while rollback runs) can only reach their
// own files: the kernel refuses the rest. Root only reads metadata (lstat), reads the
// kubeconfig with safeRead (no link, no FIFO, must be theirs), restores owner and mode
// through a no-follow fd, and writes its own snapshot outside the home.
import { closeSync, fchmodSync, fstatSync, readFileSync, readlinkSync, renameSync } from 'node:fs';
import { z } from 'zod';
import { MANAGED_UNIX_GROUPS } from '../../src/tiers/profiles';
import type { WorkstationState } from '../input';
import { getAccount, groupsOf } from '../accounts';
import { writeFileAtomic } from '../atomic';
import type { Context } from '../context';
import { probe, run } from '../exec';
import { deleteOwn } from '../own';
import { lstatIfAny, moveAsPerson, openHome, Person, restoreOwnerMode, writeAsPerson } from '../person-fs';
import { SNAPSHOT_DIR } from '../paths';
import { safeRead, UnsafeRead } from '../safe-read';
import { changed, failed, ok, Outcome, Reporter, skipped } from '../report';
import { converge } from './converge';
import { mkdirSync } from 'node:fs';
import { describeLinks, linksInto } from '../links-into-home';
import { runAs } from '../exec';
import { PRIVATE_DIRS } from './home';

const personOf = (ws: WorkstationState): Person => ({ user: ws.osUser, uid: ws.uid, home: ws.home });

const Snapshot = z.strictObject({
  osUser: z.string(),
  takenAt: z.string(),
  groups: z.array(z.string()),
  code: z.strictObject({ kind: z.enum(['absent', 'symlink', 'directory', 'file']), movedTo: z.string().optional(), link: z.string().optional() }),
  kubeconfig: z.strictObject({ base64: z.string(), mode: z.number(), uid: z.number(), gid: z.number(), movedTo: z.string() }).nullable(),
  /** Mode of the home before cutover (converge tightens it to 0700). Absent in older snapshots. */
  homeMode: z.number().optional(),
  /** Modes of the private directories (~/.claude, ...) that existed, by path below the home. */
  dirModes: z.record(z.string(), z.number()).optional(),
});
type Snapshot = z.infer<typeof Snapshot>;

const snapshotFile = (u: string) => `${SNAPSHOT_DIR}/${u}.json`;
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/** Processes of the person attached to a terminal: a live interactive session. */
export function liveSessions(uid: number): string[] {
  const r = probe('ps', ['-o', 'pid=,tty=,comm=', '-u', String(uid)]);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && l.split(/\s+/)[1] !== '?');
}

export interface CutoverOptions {
  /** Cut over while the person has live interactive sessions. */
  readonly force: boolean;
  /** Cut over although other people's links into the home will break (they were reported). */
  readonly breakLinks: boolean;
}

export function cutover(ctx: Context, report: Reporter, ws: WorkstationState, opts: CutoverOptions): void {
  const { force } = opts;
  const u = ws.osUser;
  const account = getAccount(u);
  if (!account || account.uid !== ws.uid) {
    report.record(u, 'cutover', failed('account missing or uid differs'));
    return;
  }
  const sessions = liveSessions(ws.uid);
  if (sessions.length > 0 && !force) {
    report.record(u, 'cutover', failed(`live interactive sessions (${sessions.join('; ')}): ask them to log out, or use --force`));
    return;
  }
  if (lstatIfAny(snapshotFile(u))) {
    report.record(u, 'cutover', failed(`a cutover snapshot already exists (${snapshotFile(u)}): roll back first`));
    return;
  }
  if (report.step(u, 'links-into-home', () => checkLinksIntoHome(ws, opts.breakLinks)).kind === 'failed') {
    report.record(u, 'cutover', failed('nothing changed'));
    return;
  }
  const t = stamp();
  const code = `${ws.home}/${ws.infra.path.split('/')[0]}`;
  const kube = `${ws.home}/.kube/config`;
  const snap: Snapshot = {
    osUser: u,
    takenAt: new Date().toISOString(),
    groups: groupsOf(u).filter((g) => (MANAGED_UNIX_GROUPS as readonly string[]).includes(g)),
    code: describeCode(code),
    kubeconfig: null,
    homeMode: lstatIfAny(ws.home)!.mode & 0o7777,
    dirModes: privateDirModes(ws),
  };
  if (snap.code.kind !== 'absent') snap.code.movedTo = `${code}.pre-cutover-${t}`;
  const kst = lstatIfAny(kube);
  if (kst) {
    // Not followed, not blocking, theirs only: a link or FIFO at ~/.kube/config stops the cutover here, before anything moved.
    let bytes: Buffer;
    try {
      bytes = safeRead(kube, { within: ws.home, owner: ws.uid });
    } catch (err) {
      if (!(err instanceof UnsafeRead)) throw err;
      report.record(u, 'cutover', failed(`${err.message}; nothing changed`));
      return;
    }
    snap.kubeconfig = { base64: bytes.toString('base64'), mode: kst.mode & 0o7777, uid: kst.uid, gid: kst.gid, movedTo: `${kube}.pre-cutover-${t}` };
  }
  if (ctx.dryRun) {
    report.record(u, 'cutover', changed('would snapshot, move ~/code and ~/.kube/config aside, and converge to the tier'));
    return;
  }
  mkdirSync(SNAPSHOT_DIR, { recursive: true, mode: 0o700 });
  writeFileAtomic(snapshotFile(u), `${JSON.stringify(snap, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
  report.record(u, 'snapshot', changed(snapshotFile(u)));
  const person = personOf(ws);
  if (snap.code.movedTo) {
    moveAsPerson(person, code, snap.code.movedTo);
    report.record(u, 'move-code-aside', changed(`~/${code.slice(ws.home.length + 1)} -> ${snap.code.movedTo}`));
  }
  if (snap.kubeconfig) {
    moveAsPerson(person, kube, snap.kubeconfig.movedTo);
    report.record(u, 'move-kubeconfig-aside', changed(snap.kubeconfig.movedTo));
  }
  converge(ctx, report, { ...ws, legacy: false });
  report.record(u, 'cutover', ok('done: remove `legacy: true` from the roster and apply'));
}

/**
 * Other people's links into the home, reported before anything is tightened. Fails (cutover
 * stops) when there are any, or when a home could not be walked, unless `breakLinks`.
 */
function checkLinksIntoHome(ws: WorkstationState, breakLinks: boolean): Outcome {
  const mode = lstatIfAny(ws.home)!.mode & 0o7777;
  if ((mode & 0o077) === 0) return ok(`home is ${mode.toString(8)}: no one else can follow a link into it`);
  const scan = linksInto(ws.home, ws.osUser);
  const found = scan.links.length > 0 ? `${scan.links.length} link(s) of others into ${ws.home} break when it goes ${mode.toString(8)} -> 700: ${describeLinks(scan.links)}` : '';
  const partial = scan.incomplete.length > 0 ? `not checked completely: ${scan.incomplete.join('; ')}` : '';
  const what = [found, partial].filter(Boolean).join('; ');
  if (!what) return ok(`no links of others into ${ws.home} (${scan.walked} other home(s) walked as their owners, lexical targets)`);
  if (breakLinks) return changed(`${what}; --break-links given: cutting over`);
  return failed(`${what}: ask them to move their links (or copy what they link to), then cut over; or cut over with --break-links`);
}

/** Modes of the private directories that exist (real directories only, by lstat). */
function privateDirModes(ws: WorkstationState): Record<string, number> {
  const modes: Record<string, number> = {};
  for (const d of PRIVATE_DIRS) {
    const st = lstatIfAny(`${ws.home}/${d}`);
    if (st?.isDirectory()) modes[d] = st.mode & 0o7777;
  }
  return modes;
}

function describeCode(path: string): Snapshot['code'] {
  const st = lstatIfAny(path);
  if (!st) return { kind: 'absent' };
  if (st.isSymbolicLink()) return { kind: 'symlink', link: readlinkSync(path) };
  return { kind: st.isDirectory() ? 'directory' : 'file' };
}

export function rollback(ctx: Context, report: Reporter, ws: WorkstationState): void {
  const u = ws.osUser;
  if (!lstatIfAny(snapshotFile(u))) {
    report.record(u, 'rollback', failed('no cutover snapshot'));
    return;
  }
  const snap = Snapshot.parse(JSON.parse(readFileSync(snapshotFile(u), 'utf8')));
  if (ctx.dryRun) {
    report.record(u, 'rollback', changed('would restore groups, ~/code and ~/.kube/config from the snapshot'));
    return;
  }
  const t = stamp();
  const code = `${ws.home}/${ws.infra.path.split('/')[0]}`;
  const person = personOf(ws);
  report.step(u, 'restore-code', (): Outcome => {
    if (lstatIfAny(code)) moveAsPerson(person, code, `${code}.cutover-${t}`);
    if (snap.code.movedTo) moveAsPerson(person, snap.code.movedTo, code);
    return changed(snap.code.movedTo ? `restored ${snap.code.kind}` : 'no ~/code before cutover');
  });
  report.step(u, 'restore-kubeconfig', (): Outcome => {
    const kube = `${ws.home}/.kube/config`;
    if (lstatIfAny(kube)) moveAsPerson(person, kube, `${kube}.cutover-${t}`);
    deleteOwn(ctx.state.files, kube);
    ctx.save();
    if (!snap.kubeconfig) return changed('no kubeconfig before cutover');
    const k = snap.kubeconfig;
    if (lstatIfAny(k.movedTo)) moveAsPerson(person, k.movedTo, kube);
    else writeAsPerson(person, kube, Buffer.from(k.base64, 'base64'), k.mode);
    // Whatever is at ~/.kube/config now was put there by the person (or by us as them):
    // owner and mode go through a no-follow fd, and only onto a regular single-link file of theirs.
    const did = restoreOwnerMode(person, kube, { uid: k.uid, gid: k.gid, mode: k.mode });
    return changed(did.length ? `restored (${did.join(', ')})` : 'restored');
  });
  report.step(u, 'restore-groups', (): Outcome => {
    const now = groupsOf(u);
    const actions: string[] = [];
    for (const g of MANAGED_UNIX_GROUPS) {
      const want = snap.groups.includes(g);
      if (want && !now.includes(g)) {
        run('gpasswd', ['-a', u, g]);
        actions.push(`+${g}`);
      } else if (!want && now.includes(g)) {
        run('gpasswd', ['-d', u, g]);
        actions.push(`-${g}`);
      }
    }
    return actions.length ? changed(actions.join(' ')) : ok();
  });
  report.step(u, 'restore-home-mode', (): Outcome => {
    if (snap.homeMode === undefined) return skipped('not in this snapshot');
    // The home inode itself, through an fd opened O_DIRECTORY|O_NOFOLLOW (its parent is root's).
    const fd = openHome(person);
    try {
      const st = fstatSync(fd);
      if (st.uid !== ws.uid) return failed(`${ws.home} belongs to uid ${st.uid}, not ${ws.uid}: mode left alone`);
      const now = st.mode & 0o7777;
      if (now === snap.homeMode) return ok();
      fchmodSync(fd, snap.homeMode & 0o1777);
      return changed(`${now.toString(8)} -> ${snap.homeMode.toString(8)}`);
    } finally {
      closeSync(fd);
    }
  });
  report.step(u, 'restore-dir-modes', (): Outcome => {
    const actions: string[] = [];
    for (const [d, mode] of Object.entries(snap.dirModes ?? {})) {
      if (!(PRIVATE_DIRS as readonly string[]).includes(d)) continue;
      const path = `${ws.home}/${d}`;
      const st = lstatIfAny(path);
      if (!st?.isDirectory() || (st.mode & 0o7777) === mode) continue;
      // As the person: their chmod can only reach what they own, whatever they swapped in.
      runAs(u, ws.home, 'chmod', [(mode & 0o1777).toString(8), '--', path]);
      actions.push(`~/${d} ${(st.mode & 0o7777).toString(8)} -> ${mode.toString(8)}`);
    }
    return actions.length ? changed(actions.join(', ')) : ok();
  });
  renameSync(snapshotFile(u), `${snapshotFile(u)}.rolled-back-${t}`);
  report.record(u, 'rollback', ok('done: keep `legacy: true` in the roster'));
}
