// npm run synth: validate, synthesize every stack, print the people table.
// A failed validation or synth leaves an existing cdktf.out exactly as it was: the app
// is synthesized into a fresh sibling directory that replaces cdktf.out only on success.
import { mkdtempSync, renameSync, rmSync, existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { buildApp, resourceCountsByPerson } from '../src/app';
import { checkCapacity } from '../src/capacity/check';
import { inputPaths, loadInputs } from '../src/roster/load';
import { peopleTable } from '../src/report/people';
import { runCli } from './cli';

runCli(() => {
  const paths = inputPaths(process.argv.slice(2));
  const inputs = loadInputs(paths.roster, paths.site);
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  const staging = mkdtempSync(join(dirname(outdir), `.${basename(outdir)}.staging-`));
  try {
    const built = buildApp(inputs, staging);
    built.app.synth();
    replaceDir(staging, outdir);
    if (!built.configBaseCommit) {
      process.stderr.write(`warning: config base ${inputs.site.config_base.url} is unreachable from here: the managed Claude layer will be re-installed only when its own content changes\n`);
    }
    process.stdout.write(`synthesized ${Object.keys(built.stacks).length} stack(s) into ${relativeOut(outdir)}\n\n`);
    process.stdout.write(`${peopleTable(built.desired, resourceCountsByPerson(built))}\n`);
    const capacity = checkCapacity(built.desired, inputs.site);
    process.stdout.write(`\ncapacity (${paths.site}):\n${capacity.lines.map((l) => `  ${l}`).join('\n')}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
});

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
