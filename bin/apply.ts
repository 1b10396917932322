// npm run apply -- [--stack <name>]... [--allow-offboard a,b] [--allow-demote-admin u] [--i-know]
// Applies ONLY the saved plans the last `npm run plan` showed, after showing their
// summary again and checking the guards. Terraform itself refuses a stale plan.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkGuards } from '../src/plan/guards';
import { retiredUidReminders } from '../src/plan/retired-uids';
import { parseOptions } from '../src/plan/options';
import type { PlanJson } from '../src/plan/plan-json';
import { renderSummary, summarize } from '../src/plan/summary';
import { applyStack, stackRun } from '../src/plan/terraform';
import { UsageError } from '../src/roster/load';
import { runCli } from './cli';

const log = (s: string) => process.stderr.write(`${s}\n`);

runCli(async () => {
  const opts = parseOptions(process.argv.slice(2));
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  const runs = opts.stacks.map((s) => stackRun(outdir, s));
  for (const run of runs) {
    if (!existsSync(run.planFile) || !existsSync(run.planJsonFile)) {
      throw new UsageError(`no saved plan for ${run.stack}: run \`npm run plan\` first`);
    }
  }
  const plans = runs.map((r) => JSON.parse(readFileSync(r.planJsonFile, 'utf8')) as PlanJson);
  const summary = summarize(plans);
  process.stdout.write(`Applying the saved plans for ${opts.stacks.join(', ')}:\n${renderSummary(summary)}`);
  const decision = checkGuards(plans, summary, opts, opts.maxShare);
  if (!decision.allowed) {
    process.stderr.write(`\nREFUSED, nothing applied:\n${decision.refusals.map((r) => `  - ${r}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  for (const [i, run] of runs.entries()) await applyStack(run, log, { plan: plans[i], verbose: opts.verbose });
  log('applied.');
  for (const l of retiredUidReminders(summary, process.env.ROSTER ?? 'roster/roster.yaml')) log(l);
});
