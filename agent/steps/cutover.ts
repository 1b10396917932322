// Legacy cutover and its rollback (run by an admin on the devvm, see README runbook).
// Cutover saves a snapshot (groups, ~/code as it was, ~/.kube/config bytes), moves the
// old ~/code and kubeconfig aside (never deleted), then converges to the tier target.
// Rollback puts every snapshotted item back exactly; the agent's clone is moved aside.
import { existsSync, lstatSync, readFileSync, readlinkSync, renameSync, chmodSync, chownSync } from 'node:fs';
import { z } from 'zod';
import { MANAGED_UNIX_GROUPS } from '../../src/tiers/profiles';
import type { WorkstationState } from '../input';
import { getAccount, groupsOf } from '../accounts';
import { writeFileAtomic } from '../atomic';
import type { Context } from '../context';
import { probe, run } from '../exec';
import { SNAPSHOT_DIR } from '../paths';
import { safeRead } from '../safe-read';
import { changed, failed, ok, Outcome, Reporter, skipped } from '../report';
import { converge } from './converge';
import { mkdirSync } from 'node:fs';

const Snapshot = z.strictObject({
  osUser: z.string(),
  takenAt: z.string(),
  groups: z.array(z.string()),
  code: z.strictObject({ kind: z.enum(['absent', 'symlink', 'directory', 'file']), movedTo: z.string().optional(), link: z.string().optional() }),
  kubeconfig: z.strictObject({ base64: z.string(), mode: z.number(), uid: z.number(), gid: z.number(), movedTo: z.string() }).nullable(),
  /** Mode of the home before cutover (converge tightens it to 0700). Absent in older snapshots. */
  homeMode: z.number().optional(),
});
type Snapshot = z.infer<typeof Snapshot>;

const snapshotFile = (u: string) => `${SNAPSHOT_DIR}/${u}.json`;
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/** Processes of the person attached to a terminal: a live interactive session. */
export function liveSessions(uid: number): string[] {
  const r = probe('ps', ['-o', 'pid=,tty=,comm=', '-u', String(uid)]);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && l.split(/\s+/)[1] !== '?');
}

export function cutover(ctx: Context, report: Reporter, ws: WorkstationState, force: boolean): void {
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
  if (existsSync(snapshotFile(u))) {
    report.record(u, 'cutover', failed(`a cutover snapshot already exists (${snapshotFile(u)}): roll back first`));
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
    homeMode: lstatSync(ws.home).mode & 0o7777,
  };
  if (snap.code.kind !== 'absent') snap.code.movedTo = `${code}.pre-cutover-${t}`;
  if (existsSync(kube)) {
    const st = lstatSync(kube);
    snap.kubeconfig = { base64: safeRead(kube, { within: ws.home, owner: ws.uid }).toString('base64'), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, movedTo: `${kube}.pre-cutover-${t}` };
  }
  if (ctx.dryRun) {
    report.record(u, 'cutover', changed('would snapshot, move ~/code and ~/.kube/config aside, and converge to the tier'));
    return;
  }
  mkdirSync(SNAPSHOT_DIR, { recursive: true, mode: 0o700 });
  writeFileAtomic(snapshotFile(u), `${JSON.stringify(snap, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
  report.record(u, 'snapshot', changed(snapshotFile(u)));
  if (snap.code.movedTo) {
    renameSync(code, snap.code.movedTo);
    report.record(u, 'move-code-aside', changed(`~/${code.slice(ws.home.length + 1)} -> ${snap.code.movedTo}`));
  }
  if (snap.kubeconfig) {
    renameSync(kube, snap.kubeconfig.movedTo);
    report.record(u, 'move-kubeconfig-aside', changed(snap.kubeconfig.movedTo));
  }
  converge(ctx, report, { ...ws, legacy: false });
  report.record(u, 'cutover', ok('done: remove `legacy: true` from the roster and apply'));
}

function describeCode(path: string): Snapshot['code'] {
  if (!existsSync(path) && !isDanglingLink(path)) return { kind: 'absent' };
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return { kind: 'symlink', link: readlinkSync(path) };
  return { kind: st.isDirectory() ? 'directory' : 'file' };
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export function rollback(ctx: Context, report: Reporter, ws: WorkstationState): void {
  const u = ws.osUser;
  if (!existsSync(snapshotFile(u))) {
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
  report.step(u, 'restore-code', (): Outcome => {
    if (existsSync(code) || isDanglingLink(code)) renameSync(code, `${code}.cutover-${t}`);
    if (snap.code.movedTo) renameSync(snap.code.movedTo, code);
    return changed(snap.code.movedTo ? `restored ${snap.code.kind}` : 'no ~/code before cutover');
  });
  report.step(u, 'restore-kubeconfig', (): Outcome => {
    const kube = `${ws.home}/.kube/config`;
    if (existsSync(kube)) renameSync(kube, `${kube}.cutover-${t}`);
    delete ctx.state.files[kube];
    ctx.save();
    if (!snap.kubeconfig) return changed('no kubeconfig before cutover');
    if (existsSync(snap.kubeconfig.movedTo)) {
      renameSync(snap.kubeconfig.movedTo, kube);
    } else {
      writeFileAtomic(kube, Buffer.from(snap.kubeconfig.base64, 'base64'), { mode: snap.kubeconfig.mode, uid: snap.kubeconfig.uid, gid: snap.kubeconfig.gid });
    }
    chownSync(kube, snap.kubeconfig.uid, snap.kubeconfig.gid);
    chmodSync(kube, snap.kubeconfig.mode);
    return changed('restored');
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
    const now = lstatSync(ws.home).mode & 0o7777;
    if (now === snap.homeMode) return ok();
    chmodSync(ws.home, snap.homeMode);
    return changed(`${now.toString(8)} -> ${snap.homeMode.toString(8)}`);
  });
  renameSync(snapshotFile(u), `${snapshotFile(u)}.rolled-back-${t}`);
  report.record(u, 'rollback', ok('done: keep `legacy: true` in the roster'));
}
