// Memory containment and per-user daemons. What worked after several incidents
// (BRIEF section 5): MemoryMax per user slice with MemorySwapMax=0 and MemoryHigh=infinity
// (a MemoryHigh band without swap livelocked the cgroup). Units of a parked person are
// disabled with --now and reset-failed on EVERY run, or the next enable brings them back.
//
// The unit templates (`t3-serve@.service`, `claude-auth-sync@.{service,timer}`) belong to
// the devvm, not to this product: preflight names a missing one, and a person whose unit
// cannot be found gets a FAILED units step (the other units and people still converge).
import type { WorkstationState } from '../input';
import type { HostWriters } from '../../src/desired/host-specs';
import { reconcilerConflict, reconcilerOnHost } from './reconciler';
import type { Context } from '../context';
import { probe, run } from '../exec';
import { liveUnits, lookUnits, UnitLook } from '../unit-look';
import { ownership, writeManaged } from '../managed-files';
import { OLD_SLICE_DROPIN_NAME, SLICE_DROPIN_NAME, userSliceDir, userSliceDropIn } from '../paths';
import { changed, failed, ok, oneLine, Outcome, skipped } from '../report';
import { describeForeign, dropInsOf, foreignSettings } from '../dropins';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

const ROOT_FILE = { mode: 0o644, uid: 0, gid: 0 };

export function sliceDropIn(ws: WorkstationState): string {
  return [
    `# Managed by devvm-workstations: memory budget of ${ws.osUser} (RBAC tier ${ws.tier}).`,
    '[Slice]',
    `MemoryMax=${ws.memoryMax}`,
    'MemorySwapMax=0',
    'MemoryHigh=infinity',
    '',
  ].join('\n');
}

/**
 * Our drop-in under its earlier name (50-..., which sorted after the homelab's
 * 50-devvm-resource.conf only by luck of the alphabet): removed when it is still ours, so
 * exactly one file of ours sets the budget. A hand-edited one is foreign and kept (and the
 * foreign-drop-in check below reports it).
 */
function migrateOldSliceDropIn(ctx: Context, uid: number): string | undefined {
  const old = `${userSliceDir(uid)}/${OLD_SLICE_DROPIN_NAME}`;
  if (!existsSync(old) || ownership(ctx, old) !== 'ours') return undefined;
  if (!ctx.dryRun) {
    unlinkSync(old);
    delete ctx.state.files[old];
    ctx.save();
  }
  return `${ctx.dryRun ? 'would move' : 'moved'} from ${OLD_SLICE_DROPIN_NAME} to ${SLICE_DROPIN_NAME}`;
}

/** The foreign drop-ins of the person's slice that set our keys: a problem when one wins. */
export function sliceForeignDropIns(uid: number): { notes: string[]; problems: string[] } {
  const found = foreignSettings(dropInsOf(`user-${uid}.slice`), userSliceDropIn(uid));
  return {
    notes: found.filter((f) => f.oursWins).map((f) => describeForeign(f, SLICE_DROPIN_NAME)),
    problems: found.filter((f) => !f.oursWins).map((f) => describeForeign(f, SLICE_DROPIN_NAME)),
  };
}

export function convergeSlice(ctx: Context, ws: WorkstationState): Outcome {
  const path = userSliceDropIn(ws.uid);
  if (!ctx.dryRun) mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const migrated = migrateOldSliceDropIn(ctx, ws.uid);
  let outcome = writeManaged(ctx, path, sliceDropIn(ws), ROOT_FILE);
  if (migrated && outcome.kind !== 'failed' && outcome.kind !== 'skipped') outcome = changed([migrated, outcome.kind === 'changed' ? outcome.detail : undefined].filter(Boolean).join('; '));
  if (outcome.kind === 'changed' && !ctx.dryRun) {
    if (!ctx.systemd) outcome = changed(`${outcome.detail ?? 'written'}; daemon-reload skipped (no systemd)`);
    // daemon-reload re-reads the drop-in: a running slice takes the new budget at once.
    else run('systemctl', ['daemon-reload']);
  }
  // A foreign drop-in that sorts after ours would silently replace the roster's budget.
  const { problems } = sliceForeignDropIns(ws.uid);
  if (problems.length) return failed(problems.join('; '));
  return outcome;
}

/** The templates every person's units are instances of (what preflight checks). */
export const UNIT_TEMPLATES: readonly string[] = ['t3-serve@.service', 'claude-auth-sync@.service', 'claude-auth-sync@.timer'];

/** `t3-serve@emo.service` -> `t3-serve@.service`. */
export function templateOf(unit: string): string {
  return unit.replace(/@[^.]*\./, '@.');
}

/** Templates of UNIT_TEMPLATES that systemd does not know. */
export function missingUnitTemplates(): string[] {
  const look = lookUnits([], UNIT_TEMPLATES, templateOf);
  return UNIT_TEMPLATES.filter((t) => !look.installed(t));
}

/** Per person: the unit the product wants enabled or not, and what stops with it. */
export function unitNames(ws: WorkstationState): { unit: string; wanted: boolean; companions: string[] }[] {
  return [
    { unit: `t3-serve@${ws.osUser}.service`, wanted: ws.units.t3Serve, companions: [] },
    { unit: `claude-auth-sync@${ws.osUser}.timer`, wanted: ws.units.claudeAuthSync, companions: [`claude-auth-sync@${ws.osUser}.service`] },
  ];
}

const isActive = liveUnits.active;

/** systemctl with its exit status checked; returns a problem text or undefined. */
function systemctl(args: readonly string[]): string | undefined {
  const r = probe('systemctl', args);
  return r.status === 0 ? undefined : `systemctl ${args.join(' ')}: ${oneLine(r.stderr) || `exit ${r.status}`}`;
}

/**
 * Stops and disables `unit` (and its companions) and clears a failed state, so nothing is
 * left that a later enable or a restart policy would bring back. Returns what it did and
 * what went wrong; a unit whose file is not installed has nothing to stop. `look`: what
 * systemd said before (convergeUnits' one look); once this acts on a unit, it asks again.
 */
export function stopUnit(unit: string, companions: readonly string[], dryRun: boolean, look: UnitLook = liveUnits): { actions: string[]; problems: string[] } {
  const actions: string[] = [];
  const problems: string[] = [];
  let view = look;
  const act = (args: readonly string[]) => {
    view = liveUnits;
    const p = systemctl(args);
    if (p) problems.push(p);
  };
  for (const u of [unit, ...companions]) {
    if (!view.installed(templateOf(u))) continue;
    const enabled = view.enabled(u);
    const active = view.active(u);
    if (enabled || active) {
      actions.push(`${enabled ? 'disabled' : 'stopped'} ${u}`);
      if (!dryRun) act([enabled ? 'disable' : 'stop', ...(enabled ? ['--now'] : []), u]);
    }
    // After a deliberate stop, a failed state must not linger (or trigger restarts).
    if (view.failed(u)) {
      actions.push(`reset-failed ${u}`);
      if (!dryRun) act(['reset-failed', u]);
    }
    if (!dryRun && view === liveUnits && (liveUnits.enabled(u) || isActive(u))) problems.push(`${u} is still ${isActive(u) ? 'active' : 'enabled'}`);
  }
  return { actions, problems };
}

export function convergeUnits(ctx: Context, ws: WorkstationState): Outcome {
  if (!ctx.systemd) return skipped('no systemd');
  const actions: string[] = [];
  const problems: string[] = [];
  const names = unitNames(ws);
  const all = names.flatMap((n) => [n.unit, ...n.companions]);
  // One look for all of them; after anything is done to a unit, systemd is asked again.
  let view = lookUnits(all, [...new Set(all.map(templateOf))], templateOf);
  for (const { unit, wanted, companions } of names) {
    if (wanted) {
      if (!view.installed(templateOf(unit))) {
        problems.push(`unit file ${templateOf(unit)} is not installed on the devvm (needed for ${unit})`);
        continue;
      }
      if (view.enabled(unit) && view.active(unit)) continue;
      actions.push(`enabled ${unit}`);
      if (ctx.dryRun) continue;
      view = liveUnits;
      const p = systemctl(['enable', '--now', unit]);
      if (p) problems.push(p);
      else if (!isActive(unit)) problems.push(`${unit} did not start`);
    } else {
      const r = stopUnit(unit, companions, ctx.dryRun, view);
      if (r.actions.length > 0 && !ctx.dryRun) view = liveUnits;
      actions.push(...r.actions);
      problems.push(...r.problems);
    }
  }
  const did = actions.length ? (ctx.dryRun ? `would: ${actions.join(', ')}` : actions.join(', ')) : '';
  if (problems.length) return failed([...problems, ...(did ? [`done: ${did}`] : [])].join('; '));
  return did ? changed(did) : ok();
}

/**
 * The units step as the site's writers say: while the shipped reconciler writes the
 * per-person units (devvm.writers.units = reconciler) they are only reported; while it is
 * still installed and this product is their writer, nothing is done (two writers fight).
 */
export function convergeUnitsAs(ctx: Context, ws: WorkstationState, writers: HostWriters): Outcome {
  if (writers.units === 'reconciler') return skipped('writer: reconciler (site devvm.writers.units): units left as they are');
  const conflict = reconcilerConflict(writers, reconcilerOnHost(ctx.systemd));
  if (conflict) return failed(conflict);
  return convergeUnits(ctx, ws);
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The person's login sessions logind still tracks (a session lasts until its last process ends). */
function sessionsOf(user: string): string[] {
  const r = probe('loginctl', ['show-user', user, '-p', 'Sessions', '--value']);
  return r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : [];
}

const userManagerActive = (uid: number) => isActive(`user@${uid}.service`);

function waitUntil(cond: () => boolean, ms: number): boolean {
  for (let waited = 0; !cond(); waited += 100) {
    if (waited >= ms) return false;
    sleepMs(100);
  }
  return true;
}

/**
 * Ends every login session of a person and their user manager, and returns a problem
 * text or undefined. `loginctl terminate-user` alone is not enough on systemd 252
 * (bookworm): a session whose ssh connection already closed while a process of it runs on
 * (nohup, a tmux server) is "closing", and logind does not stop it again. And an
 * interactive shell ignores SIGTERM, so a stop waits out the 90 s stop timeout. What is
 * left after a few seconds is killed through systemd: every session scope, and the user
 * manager with everything under it.
 */
export function terminateUser(user: string, uid: number): string | undefined {
  const r = probe('loginctl', ['terminate-user', user]);
  if (r.status !== 0) return `loginctl terminate-user ${user}: ${oneLine(r.stderr) || `exit ${r.status}`}`;
  const gone = () => sessionsOf(user).length === 0 && !userManagerActive(uid);
  if (waitUntil(gone, 3000)) return undefined;
  const units = [...sessionsOf(user).map((id) => `session-${id}.scope`), ...(userManagerActive(uid) ? [`user@${uid}.service`] : [])];
  for (const unit of units) probe('systemctl', ['kill', '--signal=SIGKILL', unit]);
  if (waitUntil(gone, 5000)) return undefined;
  const left = sessionsOf(user);
  return [left.length ? `sessions of ${user} still open: ${left.join(' ')}` : '', userManagerActive(uid) ? `user@${uid}.service is still running` : '']
    .filter(Boolean).join('; ');
}

/**
 * Ends everything of a person that still runs with an old set of groups (after a
 * demotion removed some): their login sessions and user manager (`loginctl
 * terminate-user`), and a restart of their running system units (which started with the
 * old groups). Linger stays as it is: a lingering user manager restarts with new groups.
 */
export function endSessions(ctx: Context, ws: WorkstationState): Outcome {
  if (!ctx.systemd) return skipped('no systemd: sessions not ended');
  const loggedIn = probe('loginctl', ['show-user', ws.osUser]).status === 0;
  const running = unitNames(ws).map((u) => u.unit).filter(isActive);
  if (!loggedIn && running.length === 0) return ok('no session running');
  if (ctx.dryRun) return changed('would end sessions and restart units');
  const problems: string[] = [];
  if (loggedIn) {
    const p = terminateUser(ws.osUser, ws.uid);
    if (p) problems.push(p);
  }
  for (const unit of running) {
    const p = systemctl(['try-restart', unit]);
    if (p) problems.push(p);
  }
  if (problems.length) return failed(problems.join('; '));
  return changed([loggedIn ? 'sessions ended' : '', running.length ? `restarted ${running.join(', ')}` : ''].filter(Boolean).join(', '));
}
