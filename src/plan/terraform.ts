// Runs the real Terraform on a synthesized stack directory: init, plan into a saved
// plan file, show -json, apply of exactly that file. Progress goes to stderr with
// timings; a failure throws with Terraform's own output.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanJson } from './plan-json';

export class TerraformError extends Error {}

export interface StackRun {
  readonly stack: string;
  readonly dir: string;
  readonly planFile: string;
  readonly planJsonFile: string;
}

export function stackRun(outdir: string, stack: string): StackRun {
  const plans = join(outdir, 'plans');
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

export function planStack(run: StackRun, log: (s: string) => void): PlanJson {
  mkdirSync(join(run.planFile, '..'), { recursive: true });
  terraform(run, ['init', '-input=false', '-no-color', lockTimeoutArg()], 'terraform init', log);
  terraform(run, ['plan', '-input=false', '-no-color', lockTimeoutArg(), `-out=${run.planFile}`], 'terraform plan', log);
  const json = terraform(run, ['show', '-json', run.planFile], 'terraform show -json', log);
  writeFileSync(run.planJsonFile, json);
  return JSON.parse(json) as PlanJson;
}

export function applyStack(run: StackRun, log: (s: string) => void): void {
  terraform(run, ['apply', '-input=false', '-no-color', lockTimeoutArg(), run.planFile], 'apply of the saved plan', log);
}
