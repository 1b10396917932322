// Validate, then synthesize every stack into `outdir`, replacing it only on success:
// a failed validation or synth leaves an existing cdktf.out exactly as it was. Needs only
// Node: no network, no `terraform` (see hermetic-app.ts). What `npm run plan` left in the
// old tree (the saved plans, each stack's initialized .terraform/) is carried over.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { buildApp, BuiltApp, resourceCountsByPerson } from '../app';
import { checkCapacity } from '../capacity/check';
import { Inputs, loadInputs } from '../roster/load';
import { peopleTable } from '../report/people';
import { stackFingerprint } from '../plan/plan-files';
import { tmpdir } from 'node:os';

export interface Synthesized {
  readonly built: BuiltApp;
  readonly inputs: Inputs;
  readonly outdir: string;
}

export function synthesize(paths: { roster: string; site: string }, outdirArg = process.env.CDKTF_OUTDIR ?? 'cdktf.out'): Synthesized {
  const inputs = loadInputs(paths.roster, paths.site);
  const outdir = resolve(outdirArg);
  const staging = mkdtempSync(join(dirname(outdir), `.${basename(outdir)}.staging-`));
  try {
    const built = buildApp(inputs, staging);
    built.app.synth();
    replaceDir(staging, outdir);
    return { built, inputs, outdir };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Synthesizes `paths` into a throw-away directory and returns stackFingerprint() of each
 * stack: what the roster and site produce now, for apply's staleness check. Writes
 * nothing else (the agent bundle cache aside).
 */
export function currentFingerprints(paths: { roster: string; site: string }, stacks: readonly string[]): Record<string, string> {
  const inputs = loadInputs(paths.roster, paths.site);
  const dir = mkdtempSync(join(tmpdir(), 'workstations-synth-'));
  try {
    buildApp(inputs, dir).app.synth();
    return Object.fromEntries(stacks.map((s) => [s, stackFingerprint(join(dir, 'stacks', s))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What `npm run synth` prints: where, the people table, the capacity arithmetic. */
export function synthReport(s: Synthesized, sitePath: string): string {
  const capacity = checkCapacity(s.built.desired, s.inputs.site);
  return [
    `synthesized ${Object.keys(s.built.stacks).length} stack(s) into ${relativeOut(s.outdir)}`,
    '',
    peopleTable(s.built.desired, resourceCountsByPerson(s.built)),
    '',
    `capacity (${sitePath}):`,
    ...capacity.lines.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** Not written by synth, kept across it: the saved plans (plan-files.ts). */
export const KEPT_AT_TOP = ['plans'];
/** Not written by synth, kept in each stack directory: Terraform's working data from `terraform init`. */
export const KEPT_PER_STACK = ['.terraform', '.terraform.lock.hcl'];

/**
 * Swap `fresh` into `target`: the old tree is moved aside first and removed last. The saved
 * plans and each stack's `.terraform` move into the fresh tree first (renames on one file
 * system), so plan -> synth -> apply works; apply checks that the plan still matches.
 */
function replaceDir(fresh: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) {
    renameSync(target, old);
    carryOver(old, fresh);
  }
  renameSync(fresh, target);
  rmSync(old, { recursive: true, force: true });
}

function carryOver(from: string, to: string): void {
  for (const name of KEPT_AT_TOP) moveIfPresent(join(from, name), join(to, name));
  const stacks = join(from, 'stacks');
  for (const stack of existsSync(stacks) ? readdirSync(stacks) : []) {
    // A stack that no longer exists keeps nothing.
    if (!existsSync(join(to, 'stacks', stack))) continue;
    for (const name of KEPT_PER_STACK) moveIfPresent(join(stacks, stack, name), join(to, 'stacks', stack, name));
  }
}

function moveIfPresent(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
}

function relativeOut(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' || rel.startsWith('..') ? dir : rel;
}
