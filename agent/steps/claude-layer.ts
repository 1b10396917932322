// ManagedClaudeLayer on the host: Claude Code's machine-wide managed layer, root-owned,
// installed atomically (write, validate, rename: an invalid JSON file would silently
// disable the whole layer, so it is never installed and the previous one stays).
// Drop-ins the agent installed earlier and no longer in the source are removed; files it
// did not install are never touched. The Config base is a checkout (fetched and owned by the
// unprivileged mirror account, agent/mirror-account.ts, so it holds only what that account
// could read from the source) whose skills/agents/output-styles entries are linked (not
// copied) into /etc/claude-code/.claude, so a commit pulled into the checkout is what every
// next session sees. Hook scripts the
// layer expects on the host (not shipped) are checked first: one unsafe or missing and
// nothing is installed.
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HOOKS_DIR, MANAGED_DIR, MANAGED_FILES } from '../../src/claude-layer/layout';
import { hostScripts } from '../../src/claude-layer/policy';
import { managedSettingsSchema } from '../../src/claude-layer/settings-model';
import type { ClaudeLayerSpec } from '../input';
import type { Context } from '../context';
import { ownership, writeManaged } from '../managed-files';
import { asMirror, MIRROR_USER, mirrorAccount, probeAsMirror } from '../mirror-account';
import { lstatIfAny } from '../person-fs';
import { changed, failed, ok, Outcome, Reporter, skipped } from '../report';
import { urlProblem } from './clone';
import { hostScriptProblem } from './host-scripts';
import { keepHandoverCopy } from '../handover';
import { hostWriters } from '../host-spec-store';
import { safeReadIfExists } from '../safe-read';
import { sha256 } from '../atomic';
import { reconcilerConflict, reconcilerOnHost } from './reconciler';
import { randomHex } from '../random-name';

/** A first clone of a large Config base may take long; still bounded (the host lock is held). */
const CHECKOUT_TIMEOUT_MS = 10 * 60 * 1000;

const SUBJECT = '(claude-layer)';
/** Managed directories Claude Code watches; they must exist before sessions start. */
export const LINKED_DIRS = ['skills', 'agents', 'output-styles'] as const;

/**
 * managed-settings.json has a writer (site devvm.writers.managed_settings): while it is the
 * shipped reconciler, the file is read and reported, never written; once it is this
 * product, the reconciler's file is taken over (a copy kept for the undo), and a hand edit
 * after that is drift, replaced like every layer file.
 */
function managedSettings(ctx: Context, f: ClaudeLayerSpec['files'][number]): Outcome {
  const path = join(MANAGED_DIR, f.path);
  const writers = hostWriters();
  if (writers.managedSettings === 'reconciler') {
    const current = safeReadIfExists(path);
    return skipped(`writer: reconciler (site devvm.writers.managed_settings): ${path} ${current ? `kept (sha256 ${sha256(current).slice(0, 12)})` : 'absent'}, not written`);
  }
  const conflict = reconcilerConflict(writers, reconcilerOnHost(ctx.systemd));
  if (conflict) return failed(conflict);
  const saved = keepHandoverCopy(ctx, path);
  const outcome = writeManaged(ctx, path, f.content, { uid: 0, gid: 0, mode: f.mode, reclaim: true, takeOver: true });
  return saved && outcome.kind === 'changed' ? changed(`taken over from its previous writer, previous content in ${saved}`) : outcome;
}

/** Why a rendered file must not be installed, or undefined when it is valid. */
export function invalidReason(path: string, content: string): string | undefined {
  if (!path.endsWith('.json')) return content.trim() === '' ? 'empty file' : undefined;
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  const r = managedSettingsSchema.safeParse(json);
  return r.success ? undefined : `invalid settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
}

/** Programs the hooks of the spec's settings files run that the spec does not ship (sorted). */
export function expectedHostScripts(spec: ClaudeLayerSpec): string[] {
  const shipped = new Set(spec.hookScripts.map((f) => f.path));
  const all = spec.files.filter((f) => f.path.endsWith('.json')).flatMap((f) => hostScripts(JSON.parse(f.content), shipped));
  return [...new Set(all)].sort();
}

export function installClaudeLayer(ctx: Context, report: Reporter, spec: ClaudeLayerSpec): void {
  // Validate everything first: one invalid file and nothing is installed.
  const invalid = spec.files.map((f) => [f.path, invalidReason(f.path, f.content)] as const).filter(([, why]) => why);
  if (invalid.length > 0) {
    for (const [path, why] of invalid) report.record(SUBJECT, `validate ${path}`, failed(`${why}; previous files kept`));
    return;
  }
  // Scripts the hooks run that the layer does not ship must already be safe on the host.
  const unsafe = expectedHostScripts(spec).map((script) => [script, hostScriptProblem(script)] as const).filter(([, why]) => why);
  if (unsafe.length > 0) {
    for (const [script, why] of unsafe) report.record(SUBJECT, `hook script ${script}`, failed(`${why}; nothing installed, previous files kept`));
    return;
  }
  const root = { uid: 0, gid: 0 };
  if (!ctx.dryRun) {
    mkdirSync(join(MANAGED_DIR, MANAGED_FILES.dropIns), { recursive: true, mode: 0o755 });
    mkdirSync(HOOKS_DIR, { recursive: true, mode: 0o755 });
  }
  // A file at a layer path that the agent never installed (made by hand before the roster)
  // is not overwritten: the step fails and says so, rather than silently skipping the layer.
  const own = (path: string, content: string, mode: number): Outcome => {
    const outcome = writeManaged(ctx, path, content, { ...root, mode, reclaim: true });
    return outcome.kind === 'skipped' ? failed(`${outcome.why}; move it aside so the managed layer can own it`) : outcome;
  };
  for (const f of spec.hookScripts) report.step(SUBJECT, `hook ${f.path}`, () => own(join(HOOKS_DIR, f.path), f.content, f.mode));
  for (const f of spec.files) report.step(SUBJECT, f.path, () => (f.path === MANAGED_FILES.base ? managedSettings(ctx, f) : own(join(MANAGED_DIR, f.path), f.content, f.mode)));
  report.step(SUBJECT, 'stale drop-ins', () => removeStaleDropIns(ctx, spec));
  const checkout = report.step(SUBJECT, 'config-base', () => convergeCheckout(ctx, spec.configBase));
  for (const dir of LINKED_DIRS) {
    report.step(SUBJECT, `.claude/${dir}`, () =>
      checkout.kind === 'failed' ? skipped('config base checkout failed') : linkEntries(ctx, spec, dir),
    );
  }
}

function removeStaleDropIns(ctx: Context, spec: ClaudeLayerSpec): Outcome {
  const dropInDir = join(MANAGED_DIR, MANAGED_FILES.dropIns);
  const wanted = new Set(spec.files.map((f) => join(MANAGED_DIR, f.path)));
  const stale = Object.keys(ctx.state.files).filter((p) => dirname(p) === dropInDir && !wanted.has(p));
  const removed: string[] = [];
  for (const path of stale) {
    if (ownership(ctx, path) === 'ours') {
      if (!ctx.dryRun) unlinkSync(path);
      removed.push(path);
    }
    if (!ctx.dryRun) delete ctx.state.files[path];
  }
  ctx.save();
  if (removed.length === 0) return ok();
  return changed(`${ctx.dryRun ? 'would remove' : 'removed'} ${removed.join(', ')}`);
}

/**
 * The Config base checkout, cloned, fetched and owned by the mirror account (never by root;
 * agent/mirror-account.ts): it is linked into the layer every person reads, so it may hold
 * only what that account could read from the source. A checkout of another owner (root's,
 * from before this design) or of another URL is re-cloned and swapped in. Root only creates
 * the empty directory in the root-owned parent, renames it into place and removes the old one.
 */
function convergeCheckout(ctx: Context, base: ClaudeLayerSpec['configBase']): Outcome {
  const bad = urlProblem(base.url);
  if (bad) return failed(bad);
  const st = lstatIfAny(base.path);
  if (st && (st.isSymbolicLink() || !st.isDirectory() || !existsSync(join(base.path, '.git')))) {
    return failed(`${base.path} exists and is not a git checkout`);
  }
  const account = mirrorAccount(ctx);
  const ours = st !== undefined && account !== undefined && st.uid === account.uid;
  const origin = ours ? probeAsMirror('git', ['-C', base.path, 'remote', 'get-url', 'origin']).stdout.trim() : undefined;
  if (!ours || origin !== base.url) return cloneCheckout(ctx, base, account, st !== undefined);
  const head = () => probeAsMirror('git', ['-C', base.path, 'rev-parse', 'HEAD']).stdout.trim();
  const before = head();
  if (ctx.dryRun) return ok('would fetch and fast-forward');
  try {
    asMirror('git', ['-C', base.path, 'fetch', '--quiet', 'origin', base.branch], CHECKOUT_TIMEOUT_MS);
  } catch (err) {
    return failed(`${MIRROR_USER} cannot fetch ${base.url} (the Config base holds only what anyone may read): ${(err as Error).message}`);
  }
  const merged = probeAsMirror('git', ['-C', base.path, 'merge', '--ff-only', '--quiet', 'FETCH_HEAD']);
  if (merged.status !== 0) return failed(`cannot fast-forward ${base.path}: ${merged.stderr.trim()}`);
  asMirror('chmod', ['-R', 'a+rX,go-w', '--', base.path]);
  const after = head();
  return after === before ? ok(`at ${after.slice(0, 8)}`) : changed(`fast-forwarded ${before.slice(0, 8)}..${after.slice(0, 8)}`);
}

/** A first clone, or a re-clone (`replace`) swapped in so the links never point at nothing for long. */
function cloneCheckout(ctx: Context, base: ClaudeLayerSpec['configBase'], account: { uid: number; gid: number } | undefined, replace: boolean): Outcome {
  if (ctx.dryRun) return changed(`would ${replace ? 're-clone' : 'clone'} ${base.url} as ${MIRROR_USER}`);
  if (!account) return failed(`no ${MIRROR_USER} account`);
  const parent = dirname(base.path);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const pst = lstatSync(parent);
  // Root creates and renames in the parent: it must be root's alone (no one can swap names there).
  if (pst.isSymbolicLink() || pst.uid !== 0 || (pst.mode & 0o022) !== 0) {
    return failed(`${parent} (parent of config_base.path) must be a root-owned directory writable by root only: refused`);
  }
  // A checkout half-made by a killed agent (root-owned parent, one agent at a time).
  for (const name of readdirSync(parent)) {
    if (name.startsWith(`${basename(base.path)}.tmp-`)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${base.path}.tmp-${randomHex()}`;
  mkdirSync(tmp, { mode: 0o755 });
  chownSync(tmp, account.uid, account.gid);
  try {
    // --no-hardlinks: a local source's objects are copied, so every file is the account's.
    asMirror('git', ['clone', '--quiet', '--no-hardlinks', '--branch', base.branch, '--', base.url, tmp], CHECKOUT_TIMEOUT_MS);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    return failed(`${MIRROR_USER} cannot fetch ${base.url} (the Config base holds only what anyone may read): ${(err as Error).message}`);
  }
  // World-readable, set by the account itself: it holds only what the account could read.
  asMirror('chmod', ['-R', 'a+rX,go-w', '--', tmp]);
  if (!replace) {
    renameSync(tmp, base.path);
    return changed(`cloned as ${MIRROR_USER}`);
  }
  const old = `${base.path}.tmp-old${randomHex()}`;
  renameSync(base.path, old);
  renameSync(tmp, base.path);
  rmSync(old, { recursive: true, force: true });
  return changed(`re-cloned as ${MIRROR_USER}`);
}

/**
 * /etc/claude-code/.claude/<dir>/<entry> -> <checkout>/<base dir>/<dir>/<entry> for every
 * entry in the checkout; links of ours that point at a vanished entry are removed; any
 * other file or link there is left alone.
 */
function linkEntries(ctx: Context, spec: ClaudeLayerSpec, dir: string): Outcome {
  const target = join(MANAGED_DIR, '.claude', dir);
  const source = join(spec.configBase.path, spec.configBase.dir, dir);
  // The checkout's content comes from the source repository: a `skills` that is a symlink
  // (to /root, say) would have root list a directory it chose. Only real directories are listed.
  if (existsSync(source) && realpathSync(source) !== join(realpathSync(spec.configBase.path), spec.configBase.dir, dir)) {
    return failed(`${source} is (or passes through) a symlink in the Config base: not linked`);
  }
  if (!ctx.dryRun) mkdirSync(target, { recursive: true, mode: 0o755 });
  const entries = existsSync(source) ? readdirSync(source).filter((e) => !e.startsWith('.')).sort() : [];
  const actions: string[] = [];
  for (const entry of entries) {
    const link = join(target, entry);
    const want = join(source, entry);
    const st = lstatOrUndefined(link);
    if (st && (!st.isSymbolicLink() || readlinkSync(link) !== want)) {
      if (!st.isSymbolicLink() || !readlinkSync(link).startsWith(`${spec.configBase.path}/`)) continue; // not ours
    }
    if (st && readlinkSync(link) === want) continue;
    if (!ctx.dryRun) {
      const tmp = `${link}.tmp-${randomHex()}`;
      symlinkSync(want, tmp);
      renameSync(tmp, link);
    }
    actions.push(`+${entry}`);
  }
  if (existsSync(target)) {
    for (const entry of readdirSync(target)) {
      const link = join(target, entry);
      const st = lstatOrUndefined(link);
      if (st?.isSymbolicLink() && readlinkSync(link).startsWith(`${source}/`) && !entries.includes(entry)) {
        if (!ctx.dryRun) unlinkSync(link);
        actions.push(`-${entry}`);
      }
    }
  }
  return actions.length ? changed(actions.join(' ')) : ok(`${entries.length} linked`);
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
