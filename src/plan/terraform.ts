// Runs the real Terraform on a synthesized stack directory: init, plan into a saved
// plan file, show -json, apply of exactly that file. Progress goes to stderr with
// timings; a failure throws with Terraform's own output.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../roster/load';
import type { PlanJson } from './plan-json';
import { makePrivate, plansDir, privateDir, writePrivate } from './plan-files';

export class TerraformError extends Error {}

export interface StackRun {
  readonly stack: string;
  readonly dir: string;
  readonly planFile: string;
  readonly planJsonFile: string;
}

/** Where a stack's synthesized directory and saved plan are (plans: outside what synth replaces). */
export function stackRun(outdir: string, stack: string): StackRun {
  const plans = plansDir(outdir);
  return { stack, dir: join(outdir, 'stacks', stack), planFile: join(plans, `${stack}.tfplan`), planJsonFile: join(plans, `${stack}.plan.json`) };
}

/**
 * How long init, plan and apply wait for the state lock held by another run (the PG
 * backend's advisory lock) before failing with Terraform's "Error acquiring the state
 * lock"; WORKSTATIONS_LOCK_TIMEOUT overrides (Terraform duration: `0s`, `90s`, `5m`).
 */
export const DEFAULT_LOCK_TIMEOUT = '60s';

export function lockTimeoutArg(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.WORKSTATIONS_LOCK_TIMEOUT || DEFAULT_LOCK_TIMEOUT;
  if (!/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/.test(value)) throw new TerraformError(`WORKSTATIONS_LOCK_TIMEOUT must be a duration such as 60s or 5m, got "${value}"`);
  return `-lock-timeout=${value}`;
}

function terraform(run: StackRun, args: string[], what: string, log: (s: string) => void): string {
  const started = Date.now();
  log(`[${run.stack}] ${what} ...`);
  const r = spawnSync('terraform', args, {
    cwd: run.dir,
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    maxBuffer: 256 * 1024 * 1024,
    // Provisioner output (the agent's per-step lines) streams live during apply.
    stdio: what.startsWith('apply') ? ['ignore', 'inherit', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) throw new TerraformError(`[${run.stack}] cannot run terraform: ${r.error.message}`);
  if (r.status !== 0) throw new TerraformError(`[${run.stack}] terraform ${args[0]} failed:\n${r.stderr || ''}${r.stdout || ''}`);
  log(`[${run.stack}] ${what} done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return r.stdout ?? '';
}

/**
 * For local development and tests only: keep state in a local directory instead of the
 * PG backend (a Terraform override file replaces the backend block).
 */
export function useLocalBackend(run: StackRun, stateDir: string): void {
  writeFileSync(
    join(run.dir, 'zz_local_backend_override.tf.json'),
    JSON.stringify({ terraform: { backend: { local: { path: join(stateDir, `${run.stack}.tfstate`) } } } }),
  );
}

/**
 * init, `plan -out` with the given input variables, `show -json`. The saved plan and its JSON
 * can hold sensitive values: both end up 0600 in the 0700 plans directory.
 */
export function planStack(run: StackRun, log: (s: string) => void, vars: Readonly<Record<string, string>> = {}): PlanJson {
  privateDir(join(run.planFile, '..'));
  terraform(run, ['init', '-input=false', '-no-color', lockTimeoutArg()], 'terraform init', log);
  const varArgs = Object.entries(vars).map(([k, v]) => `-var=${k}=${v}`);
  terraform(run, ['plan', '-input=false', '-no-color', lockTimeoutArg(), ...varArgs, `-out=${run.planFile}`], 'terraform plan', log);
  makePrivate(run.planFile);
  const json = terraform(run, ['show', '-json', run.planFile], 'terraform show -json', log);
  writePrivate(run.planJsonFile, json);
  return JSON.parse(json) as PlanJson;
}

/** Oldest Terraform the stacks work with (cdktf's terraform_data needs 1.4). */
export const MIN_TERRAFORM = [1, 4] as const;

/** The `terraform` on PATH and its version; a missing or too old one is a usage error (exit 2). */
export function terraformVersion(): { version: string; path: string } {
  const r = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.error || r.status !== 0) {
    throw new UsageError(
      `terraform is not usable (${r.error ? r.error.message : `exit ${r.status}`}): plan and apply need Terraform >= ${MIN_TERRAFORM.join('.')} on PATH (synth and validate do not)`,
    );
  }
  const version = String((JSON.parse(r.stdout) as { terraform_version?: string }).terraform_version ?? '');
  const [major, minor] = version.split('.').map(Number);
  if (!(major > MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor >= MIN_TERRAFORM[1]))) {
    throw new UsageError(`terraform ${version} is too old: plan and apply need Terraform >= ${MIN_TERRAFORM.join('.')}`);
  }
  const which = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  return { version, path: which.stdout.trim() || 'terraform' };
}

export function applyStack(run: StackRun, log: (s: string) => void): void {
  terraform(run, ['apply', '-input=false', '-no-color', lockTimeoutArg(), run.planFile], 'apply of the saved plan', log);
}
