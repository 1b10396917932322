// The saved plans and their record. Saved plans and plan JSON can hold sensitive values
// (data-source reads in clear text), so everything here is written 0600 inside a 0700
// directory, through a temporary file and a rename (a reader never sees half a file, and
// a file that existed with a wider mode is replaced, not reused).
//
// The record (`cdktf.out/plans/last-plan.json`) says which stacks the last `npm run plan`
// planned and, per stack, the sha256 of the synthesized stack directory the plan was
// made from. `npm run apply` applies exactly those stacks and refuses a plan whose stack
// directory (or whose roster and site, synthesized again) no longer hashes the same.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../roster/load';

/** Files in a stack directory that are not synthesized (Terraform's working data, the dev-only backend override). */
export const NOT_SYNTHESIZED = new Set(['.terraform', '.terraform.lock.hcl', 'zz_local_backend_override.tf.json']);

export const RECORD_FILE = 'last-plan.json';

export interface PlanRecord {
  readonly version: 1;
  /** The stacks planned, in apply order. */
  readonly stacks: readonly string[];
  /** Per stack: stackFingerprint() of the directory the plan was made from. */
  readonly fingerprints: Readonly<Record<string, string>>;
  readonly roster: string;
  readonly site: string;
  /** The `config_base_commit` value the devvm plan was made with. */
  readonly configBaseCommit?: string;
  readonly terraformVersion: string;
}

export function plansDir(outdir: string): string {
  return join(outdir, 'plans');
}

/** Creates (or narrows) a directory to 0700. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes `content` to `file` with mode 0600. The directory is the caller's: the plans
 * directory is made 0700 by privateDir(); a --summary-file's directory is left alone.
 */
export function writePrivate(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600); // a umask cannot widen it, but an existing tmp could have another mode
  renameSync(tmp, file);
}

/** Narrows a file someone else (Terraform's -out) wrote to 0600. */
export function makePrivate(file: string): void {
  chmodSync(file, 0o600);
}

/** Starts a new set of saved plans: the previous plans, JSON and record are removed. */
export function clearPlans(outdir: string): void {
  const dir = plansDir(outdir);
  if (existsSync(dir)) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  privateDir(dir);
}

export function writeRecord(outdir: string, record: PlanRecord): void {
  privateDir(plansDir(outdir));
  writePrivate(join(plansDir(outdir), RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export function readRecord(outdir: string): PlanRecord {
  const file = join(plansDir(outdir), RECORD_FILE);
  if (!existsSync(file)) throw new UsageError(`no saved plan in ${plansDir(outdir)}: run \`npm run plan\` first`);
  const record = JSON.parse(readFileSync(file, 'utf8')) as PlanRecord;
  if (record.version !== 1 || !Array.isArray(record.stacks)) throw new UsageError(`${file} is not a plan record of this version: run \`npm run plan\` again`);
  return record;
}

/**
 * sha256 of a synthesized stack directory: every file's path and content (cdk.tf.json and
 * any assets), sorted, without what `terraform init` or a dev override adds.
 */
export function stackFingerprint(stackDir: string): string {
  if (!existsSync(stackDir)) return 'missing';
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (dir === stackDir && NOT_SYNTHESIZED.has(name)) continue;
      if (statSync(path).isDirectory()) {
        walk(path);
      } else {
        const content = readFileSync(path);
        hash.update(`${relative(stackDir, path)}\0${content.length}\0`);
        hash.update(content);
      }
    }
  };
  walk(stackDir);
  return hash.digest('hex');
}
