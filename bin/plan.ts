// npm run plan -- [--roster FILE] [--site FILE] [--stack NAME]... [--summary-file FILE]   (--help)
// Validate, synthesize both stacks, resolve the Config base head, run Terraform's plan for
// each into a saved plan file, and print the per-person summary derived from the plan JSON.
// The network and Terraform are needed here, never at synth.
// First: stand-ins for parts of cdktf (src/synth/before-cdktf.ts), so nothing may load cdktf before.
import '../src/synth/before-cdktf';
import { PLAN } from '../src/cli/commands';
import { CONFIG_BASE_COMMIT_VAR, resolveConfigBaseHead, UNRESOLVED_COMMIT } from '../src/devvm/config-base-head';
import { ALL_STACKS, applyCommand, planOptions } from '../src/plan/options';
import { clearPlans, plansDir, stackFingerprint, writePrivate, writeRecord } from '../src/plan/plan-files';
import { renderSummary, summarize } from '../src/plan/summary';
import { planStack, stackRun, terraformVersion, useLocalBackend } from '../src/plan/terraform';
import { checkGuards } from '../src/plan/guards';
import { synthesize } from '../src/synth/synthesize';
import { DEVVM_STACK } from '../stacks/workstations-devvm-stack';
import { runCommand } from './cli';
import { planTimeTombstoneCheck } from '../src/plan/retired-uids';
import { checkAuthentikGroups, checkTrustedEndpoints, provideCredentials } from '../src/ci/preflight';
import { WORKSTATIONS_STACK } from '../stacks/workstations-stack';

const log = (s: string) => process.stderr.write(`${s}\n`);

runCommand(PLAN, async (o) => {
  const opts = planOptions(o);
  const stacks = opts.stacks ?? [...ALL_STACKS];
  const tf = terraformVersion();
  log(`terraform ${tf.version} (${tf.path})`);
  log('validating and synthesizing ...');
  const synth = synthesize({ roster: opts.roster, site: opts.site });
  // Before any token is read or used: the provider endpoints must be the trusted ones.
  const trusted = o.get('trusted-endpoints');
  if (trusted) {
    checkTrustedEndpoints(opts.site, synth.inputs.site, trusted);
    log(`endpoints: the site's provider endpoints match ${trusted}`);
  }
  await provideCredentials(synth.inputs.site, log);
  if (stacks.includes(WORKSTATIONS_STACK) && !o.flag('skip-group-check')) await checkAuthentikGroups(opts.site, synth.inputs.site, log);
  // A new set of saved plans: the previous set (and its record) is gone from here on.
  clearPlans(synth.outdir);
  const fingerprints = Object.fromEntries(stacks.map((s) => [s, stackFingerprint(stackRun(synth.outdir, s).dir)]));

  let configBaseCommit: string | undefined;
  if (stacks.includes(DEVVM_STACK)) {
    const { url, branch } = synth.inputs.site.config_base;
    const head = resolveConfigBaseHead(url, branch);
    if (head.ok) log(`config base ${url} ${branch} resolved to ${head.sha}`);
    else log(`warning: config base ${url} ${branch} not resolved (${head.reason}): planning with ${CONFIG_BASE_COMMIT_VAR}=${UNRESOLVED_COMMIT}; the managed Claude layer is re-installed only when its own content changes`);
    configBaseCommit = head.ok ? head.sha : UNRESOLVED_COMMIT;
  }

  const plans = stacks.map((stack) => {
    const run = stackRun(synth.outdir, stack);
    if (process.env.WORKSTATIONS_LOCAL_STATE_DIR) useLocalBackend(run, process.env.WORKSTATIONS_LOCAL_STATE_DIR);
    // The devvm stack is terraform_data only: its refresh reads nothing (src/plan/terraform.ts).
    return planStack(run, log, stack === DEVVM_STACK ? { vars: { [CONFIG_BASE_COMMIT_VAR]: configBaseCommit! }, refresh: false } : {});
  });
  writeRecord(synth.outdir, { version: 1, stacks, fingerprints, roster: opts.roster, site: opts.site, configBaseCommit, terraformVersion: tf.version });

  const summary = summarize(plans);
  const text = renderSummary(summary);
  const guards = checkGuards(plans, summary, { allowOffboard: [], allowDemoteAdmin: [], iKnow: false }, opts.maxShare);
  const guardText = guards.allowed ? '' : `\nApply will refuse unless told otherwise:\n${guards.refusals.map((r) => `  - ${r}`).join('\n')}\n`;
  process.stdout.write(`\nPlan for ${stacks.join(', ')}:\n${text}${guardText}`);
  if (stacks.includes(DEVVM_STACK)) for (const l of planTimeTombstoneCheck(synth.inputs, opts.roster)) log(l);
  process.stdout.write(
    `\nSaved plans (0600, in ${plansDir(synth.outdir)}): ${stacks.map((s) => stackRun(synth.outdir, s).planFile).join(', ')}\nApply exactly these with: ${applyCommand(stacks)}\n`,
  );
  if (opts.summaryFile) {
    writePrivate(opts.summaryFile, `### devvm-workstations plan (${stacks.join(', ')})\n\n\`\`\`\n${text}${guardText}\`\`\`\n`);
  }
});

