// npm run import -- --shipped-roster FILE --k8s-users FILE --passwd FILE --group FILE
//                   [--authentik-groups FILE] [--site FILE] --out FILE   (--help: every option)
// First: stand-ins for parts of cdktf (src/synth/before-cdktf.ts), so nothing may load cdktf before.
import '../src/synth/before-cdktf';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { IMPORT } from '../src/cli/commands';
import { ParsedOptions } from '../src/cli/options';
import { importRoster, SourceFile } from '../src/import/import';
import { derive } from '../src/desired/derive';
import { parseRoster, readInput, UsageError } from '../src/roster/load';
import { formatProblem } from '../src/roster/problems';
import { summaryLine } from '../src/report/people';
import { runCommand } from './cli';

const REQUIRED = ['shipped-roster', 'k8s-users', 'passwd', 'group', 'out'];

runCommand(IMPORT, (o: ParsedOptions) => {
  for (const name of REQUIRED) if (!o.get(name)) throw new UsageError(`--${name} FILE is required; see \`npm run import -- --help\``);
  const out = o.get('out')!;
  const snippet = o.get('site-snippet') === 'stdout' ? undefined : o.get('site-snippet');
  for (const target of [out, snippet]) {
    if (!target) continue;
    if (existsSync(target) && !o.flag('force')) throw new UsageError(`${target} exists: refusing to overwrite it without --force`);
    if (!existsSync(dirname(target) || '.')) throw new UsageError(`cannot write ${target}: no such directory ${dirname(target)}`);
  }
  const read = (name: string): SourceFile => ({ file: o.get(name)!, text: readInput(o.get(name)!) });
  const result = importRoster(
    {
      shippedRoster: read('shipped-roster'),
      k8sUsers: read('k8s-users'),
      passwd: read('passwd'),
      group: read('group'),
      authentikGroups: o.get('authentik-groups') ? read('authentik-groups') : undefined,
      site: read('site'),
      out,
    },
    { allowProblems: o.flag('allow-problems') },
  );
  for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (result.roster === undefined) {
    const n = result.problems.length;
    process.stderr.write(`${n} problem${n === 1 ? '' : 's'}: nothing written${o.flag('allow-problems') ? '' : ' (--allow-problems writes the roster without the disputed people)'}\n`);
    process.exitCode = 1;
    return;
  }
  writeAtomically(out, result.roster);
  if (snippet) writeAtomically(snippet, result.siteSnippet);
  const roster = parseRoster(out, result.roster, result.site);
  const summary = roster.ok ? summaryLine(out, derive(roster.value, result.site!)).replace(': valid: ', ': written: ') : `${out}: written`;
  process.stdout.write(`${summary}${result.leftOut.length ? `; left out (disputed): ${result.leftOut.join(', ')}` : ''}\n`);
  if (snippet) process.stdout.write(`${snippet}: the adoption settings to merge into the site\n`);
  else process.stdout.write(`\n${result.siteSnippet}`);
});

/** Next to the target, then renamed over it: a reader never sees half a file. */
function writeAtomically(target: string, text: string): void {
  const tmp = join(dirname(target), `.${basename(target)}.import-${process.pid}`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, target);
}
