// Converge one person to their Workstation profile. Each step is reported on its own
// line and a failing step does not stop the others (nor other people).
import type { WorkstationState } from '../input';
import { getAccount } from '../accounts';
import type { Context } from '../context';
import { failed, Reporter } from '../report';
import { claudeInstall } from './claude-install';
import { convergeClone, ensureMirror } from './clone';
import { convergeGroups, groupDiff } from './groups';
import { convergeClaudeSettingsMode, convergeHome, convergePrivateDirs } from './home';
import { convergeKubeconfig } from './kubeconfig';
import { convergeShell } from './shell';
import { convergeSlice, convergeUnits, endSessions } from './systemd';

export function converge(ctx: Context, report: Reporter, ws: WorkstationState): void {
  const u = ws.osUser;
  const account = getAccount(u);
  if (!account) {
    report.record(u, 'account', failed('no such account (onboard first)'));
    return;
  }
  if (account.uid !== ws.uid) {
    report.record(u, 'account', failed(`account has uid ${account.uid}, the roster pins uid ${ws.uid}`));
    return;
  }
  const gid = account.gid;
  report.step(u, 'login-shell', () => convergeShell(ctx, ws, account));
  report.step(u, 'home', () => convergeHome(ctx, ws));
  report.step(u, 'private-dirs', () => convergePrivateDirs(ctx, ws, gid));
  report.step(u, 'claude-settings-mode', () => convergeClaudeSettingsMode(ctx, ws));
  // A demotion removes groups; a live process keeps the groups it started with until it ends.
  const removing = ws.legacy ? [] : groupDiff(ws).remove;
  const groups = report.step(u, 'groups', () => convergeGroups(ctx, ws));
  if (removing.length > 0 && groups.kind === 'changed') report.step(u, 'sessions', () => endSessions(ctx, ws));
  report.step(u, 'kubeconfig', () => convergeKubeconfig(ctx, ws, gid));
  const mirror = report.step(u, 'infra-mirror', () => ensureMirror(ctx, ws.infra.url));
  if (mirror.kind !== 'failed') {
    report.step(u, 'infra-clone', () =>
      convergeClone(ctx, ws, gid, { url: ws.infra.url, branch: ws.infra.branch, path: ws.infra.path, locked: !ws.infra.unlocked }),
    );
  }
  for (const repo of ws.repos) {
    const m = report.step(u, `repo-mirror ${repo.name}`, () => ensureMirror(ctx, repo.url));
    if (m.kind !== 'failed') {
      report.step(u, `repo-clone ${repo.name}`, () => convergeClone(ctx, ws, gid, { url: repo.url, path: repo.path, locked: false }));
    }
  }
  report.step(u, 'memory-slice', () => convergeSlice(ctx, ws));
  report.step(u, 'units', () => convergeUnits(ctx, ws));
  // Reported, never a failure: the person installs their own Claude Code.
  report.step(u, 'claude', () => claudeInstall(ws));
}
