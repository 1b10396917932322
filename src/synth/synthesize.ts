// Validate, then synthesize every stack into `outdir`, replacing it only on success:
// a failed validation or synth leaves an existing cdktf.out exactly as it was.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { buildApp, BuiltApp, resourceCountsByPerson } from '../app';
import { checkCapacity } from '../capacity/check';
import { Inputs, loadInputs } from '../roster/load';
import { peopleTable } from '../report/people';

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

export function configBaseWarning(s: Synthesized): string | undefined {
  if (s.built.configBaseCommit) return undefined;
  return `warning: config base ${s.inputs.site.config_base.url} is unreachable from here: the managed Claude layer will be re-installed only when its own content changes\n`;
}

/** Swap `fresh` into `target`: the old tree is moved aside first and removed last. */
function replaceDir(fresh: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(fresh, target);
  rmSync(old, { recursive: true, force: true });
}

function relativeOut(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' || rel.startsWith('..') ? dir : rel;
}
