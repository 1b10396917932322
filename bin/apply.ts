// npm run apply -- [--stack NAME]... [--allow-offboard a,b] [--allow-demote-admin u] [--i-know]   (--help)
// Applies ONLY the saved plans of the last `npm run plan` (its stacks unless --stack names
// some of them), after checking that each still matches what it was planned from, showing
// the summary again and checking the guards. Terraform itself refuses a plan whose state
// moved on.
// First: stand-ins for parts of cdktf (src/synth/before-cdktf.ts), so nothing may load cdktf before.
import '../src/synth/before-cdktf';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { APPLY } from '../src/cli/commands';
import { checkGuards } from '../src/plan/guards';
import { applyCommand, planOptions } from '../src/plan/options';
import { retiredUidReminders } from '../src/plan/retired-uids';
import type { PlanJson } from '../src/plan/plan-json';
import { readRecord, stackFingerprint } from '../src/plan/plan-files';
import { renderSummary, summarize } from '../src/plan/summary';
import { applyStack, stackRun, terraformVersion, useLocalBackend } from '../src/plan/terraform';
import { readInput, UsageError } from '../src/roster/load';
import { sshSiteRef } from '../src/plan/ssh-failure';
import { currentFingerprints } from '../src/synth/synthesize';
import { runCommand } from './cli';
import { checkAuthentikGroups, provideCredentials } from '../src/ci/preflight';
import { loadInputs } from '../src/roster/load';
import { WORKSTATIONS_STACK } from '../stacks/workstations-stack';

const log = (s: string) => process.stderr.write(`${s}\n`);

runCommand(APPLY, async (o) => {
  const opts = planOptions(o);
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  const record = readRecord(outdir);
  const stacks = opts.stacks ?? record.stacks;
  const unplanned = stacks.filter((s) => !record.stacks.includes(s));
  if (unplanned.length) {
    throw new UsageError(`the last plan did not plan ${unplanned.join(', ')} (it planned ${record.stacks.join(', ')}): run \`npm run plan -- ${unplanned.map((s) => `--stack ${s}`).join(' ')}\` first`);
  }
  const runs = stacks.map((s) => stackRun(outdir, s));
  for (const run of runs) {
    if (!existsSync(run.planFile) || !existsSync(run.planJsonFile)) throw new UsageError(`no saved plan for ${run.stack}: run \`npm run plan\` first`);
  }

  // Stale plans: refused before Terraform or the guards run.
  const replan = `run \`npm run plan -- ${stacks.map((s) => `--stack ${s}`).join(' ')}\` again`;
  const stale: string[] = [];
  for (const run of runs) {
    if (stackFingerprint(run.dir) !== record.fingerprints[run.stack]) {
      stale.push(`the saved plan for ${run.stack} no longer matches ${run.dir} (synthesized again from other inputs or code since the plan)`);
    }
  }
  if (!stale.length) {
    const now = currentFingerprints({ roster: opts.roster, site: opts.site }, stacks);
    for (const s of stacks) {
      if (now[s] !== record.fingerprints[s]) {
        stale.push(`the saved plan for ${s} no longer matches ${opts.roster} and ${opts.site} (planned from ${record.roster} and ${record.site}; they or the code changed since)`);
      }
    }
  }
  if (stale.length) {
    process.stderr.write(`REFUSED, nothing applied:\n${stale.map((r) => `  - ${r}`).join('\n')}\n  ${replan}\n`);
    process.exitCode = 1;
    return;
  }

  const tf = terraformVersion();
  log(`terraform ${tf.version} (${tf.path})${record.configBaseCommit ? `; config base commit ${record.configBaseCommit} (from the plan)` : ''}`);
  const plans = runs.map((r) => JSON.parse(readFileSync(r.planJsonFile, 'utf8')) as PlanJson);
  const summary = summarize(plans);
  process.stdout.write(`Applying the saved plans for ${stacks.join(', ')} (${applyCommand(stacks)}):\n${renderSummary(summary)}`);
  const decision = checkGuards(plans, summary, opts, opts.maxShare);
  if (!decision.allowed) {
    process.stderr.write(`\nREFUSED, nothing applied:\n${decision.refusals.map((r) => `  - ${r}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  const { site } = loadInputs(opts.roster, opts.site);
  const ssh = sshSiteRef(opts.site, readInput(opts.site), site);
  await provideCredentials(site, log);
  if (stacks.includes(WORKSTATIONS_STACK) && !o.flag('skip-group-check')) await checkAuthentikGroups(opts.site, site, log);
  for (const [i, run] of runs.entries()) {
    // The dev-only override is not part of the synthesized tree; a synth since the plan removed it.
    if (process.env.WORKSTATIONS_LOCAL_STATE_DIR) useLocalBackend(run, process.env.WORKSTATIONS_LOCAL_STATE_DIR);
    await applyStack(run, log, { plan: plans[i], verbose: opts.verbose, ssh });
  }
  log('applied.');
  for (const l of retiredUidReminders(summary, opts.roster)) log(l);
});
