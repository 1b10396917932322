// npm run plan -- [--stack <name>]... [--summary-file <path>]
// Validate, synthesize both stacks, run Terraform's plan for each into a saved plan
// file, and print the per-person summary derived from the plan JSON.
import { writeFileSync } from 'node:fs';
import { inputPaths } from '../src/roster/load';
import { parseOptions } from '../src/plan/options';
import { renderSummary, summarize } from '../src/plan/summary';
import { planStack, stackRun, useLocalBackend } from '../src/plan/terraform';
import { checkGuards } from '../src/plan/guards';
import { planTimeTombstoneCheck } from '../src/plan/retired-uids';
import { DEVVM_STACK } from '../stacks/workstations-devvm-stack';
import { configBaseWarning, synthesize } from '../src/synth/synthesize';
import { runCli } from './cli';

const log = (s: string) => process.stderr.write(`${s}\n`);

runCli(() => {
  const opts = parseOptions(process.argv.slice(2));
  const paths = inputPaths([...(opts.roster ? [opts.roster] : []), ...(opts.site ? ['--site', opts.site] : [])]);
  log('validating and synthesizing ...');
  const synth = synthesize(paths);
  const warning = configBaseWarning(synth);
  if (warning) process.stderr.write(warning);
  const plans = opts.stacks.map((stack) => {
    const run = stackRun(synth.outdir, stack);
    if (process.env.WORKSTATIONS_LOCAL_STATE_DIR) useLocalBackend(run, process.env.WORKSTATIONS_LOCAL_STATE_DIR);
    return planStack(run, log);
  });
  const summary = summarize(plans);
  const text = renderSummary(summary);
  const guards = checkGuards(plans, summary, { allowOffboard: [], allowDemoteAdmin: [], iKnow: false }, opts.maxShare);
  const guardText = guards.allowed ? '' : `\nApply will refuse unless told otherwise:\n${guards.refusals.map((r) => `  - ${r}`).join('\n')}\n`;
  process.stdout.write(`\nPlan for ${opts.stacks.join(', ')}:\n${text}${guardText}`);
  if (opts.stacks.includes(DEVVM_STACK)) for (const l of planTimeTombstoneCheck(synth.inputs, paths.roster)) log(l);
  process.stdout.write(`\nSaved plans: ${opts.stacks.map((s) => stackRun(synth.outdir, s).planFile).join(', ')}\nApply exactly these with: npm run apply\n`);
  if (opts.summaryFile) {
    writeFileSync(opts.summaryFile, `### devvm-workstations plan (${opts.stacks.join(', ')})\n\n\`\`\`\n${text}${guardText}\`\`\`\n`);
  }
});
