// Converge one person to their Workstation profile. Each step is reported on its own
// line and a failing step does not stop the others (nor other people).
import type { WorkstationState } from '../input';
import { getAccount } from '../accounts';
import type { Context } from '../context';
import { failed, oneLine, Reporter, skipped } from '../report';
import { convergeClaudeAuthEnv } from './claude-auth-sync';
import { claudeInstall } from './claude-install';
import { cloneAt, CloneSpec, convergeClone, ensureMirror, Heads, lookedClones, MIRROR_FRESH, PersonClone, personClones } from './clone';
import { convergeGroups, groupDiff } from './groups';
import { convergeClaudeSettingsMode, convergeHome, convergePrivateDirs } from './home';
import { convergeKubeconfig } from './kubeconfig';
import { convergeLayout, layoutNeeded, LayoutNeed } from './layout';
import { convergeShell } from './shell';
import { convergeSlice, convergeUnitsAs, endSessions } from './systemd';
import { convergeT3Env } from './t3-env';
import { hostWriters } from '../host-spec-store';
import { lookAsPerson } from '../person-look';

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
  const diff = groupDiff(ws);
  const removing = ws.legacy ? [] : diff.remove;
  const groups = report.step(u, 'groups', () => convergeGroups(ctx, ws, diff));
  if (removing.length > 0 && groups.kind === 'changed') report.step(u, 'sessions', () => endSessions(ctx, ws));
  report.step(u, 'kubeconfig', () => convergeKubeconfig(ctx, ws, gid));
  // A changed code_layout moves the existing tree first (as the person); the step appears
  // only when there is something to move. If it fails, nothing is cloned for this person:
  // a clone now would land inside (or beside) the tree that did not move.
  let need: LayoutNeed | undefined;
  let layoutFailed = false;
  // One run as the person answers the layout look now, the clones' heads and the claude look
  // later (agent/person-look.ts); those answers hold while no step in between changes or fails.
  const clones = personClones(ws);
  const look = lookAsPerson(ws, lookedClones(ws, clones.map((c) => c.spec)));
  const touchedAtLook = report.changesOrFailures;
  const stillLooked = () => report.changesOrFailures === touchedAtLook;
  try {
    need = layoutNeeded(ws, look.layout);
  } catch (err) {
    layoutFailed = true;
    report.record(u, 'code-layout', failed(oneLine(`cannot look at ~/code: ${(err as Error).message}`)));
  }
  if (need) layoutFailed = report.step(u, 'code-layout', () => convergeLayout(ctx, ws, need)).kind !== 'changed';
  if (layoutFailed) {
    report.record(u, 'infra-clone', skipped('code-layout did not move the tree: nothing cloned'));
  } else if (need && ctx.dryRun) {
    report.record(u, 'infra-clone', skipped('would converge after the move'));
  } else {
    cloneAll(ctx, report, ws, clones, (spec) => (stillLooked() ? look.heads?.get(cloneAt(ws, spec).target) : undefined));
  }
  report.step(u, 'memory-slice', () => convergeSlice(ctx, ws));
  // The env file first: t3-serve@ does not start without it.
  const writers = hostWriters();
  report.step(u, 't3-env', () => convergeT3Env(ctx, ws, writers));
  // Before the units: the auth sync reads where to look when its timer first fires.
  report.step(u, 'claude-auth-env', () => convergeClaudeAuthEnv(ctx, ws));
  report.step(u, 'units', () => convergeUnitsAs(ctx, ws, writers));
  // Reported, never a failure: the person installs their own Claude Code.
  report.step(u, 'claude', () => claudeInstall(ws, stillLooked() ? look.claude : undefined));
}

/**
 * `looked`: a clone's heads from the person look while they hold; they also need a mirror
 * left as it was (a refresh moves its tips).
 */
function cloneAll(ctx: Context, report: Reporter, ws: WorkstationState, clones: readonly PersonClone[], looked: (spec: CloneSpec) => Heads | undefined): void {
  const u = ws.osUser;
  for (const { mirrorStep, cloneStep, spec } of clones) {
    const mirror = report.step(u, mirrorStep, () => ensureMirror(ctx, spec.url));
    if (mirror.kind === 'failed') continue;
    const fresh = mirror.kind === 'ok' && mirror.detail === MIRROR_FRESH;
    report.step(u, cloneStep, () => convergeClone(ctx, ws, spec, fresh ? looked(spec) : undefined));
  }
}
