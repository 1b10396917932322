// Runs the real Terraform on a synthesized stack directory: init, plan into a saved
// plan file, show -json, apply of exactly that file. Progress goes to stderr with
// timings; a failure throws with Terraform's own output.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fchmodSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import { UsageError } from '../roster/load';
import { failureTail, people, QuietApplyOutput } from './apply-output';
import type { PlanJson } from './plan-json';
import { SshSiteRef, sshFailureHint } from './ssh-failure';
import { makePrivate, plansDir, privateDir, writePrivate } from './plan-files';

export class TerraformError extends Error {}

export interface StackRun {
  readonly stack: string;
  readonly dir: string;
  readonly planFile: string;
  readonly planJsonFile: string;
  /** Terraform's raw apply output (0600: it names hosts and paths), kept for a failure's diagnosis. */
  readonly applyLogFile: string;
}

/** Where a stack's synthesized directory and saved plan are (plans: outside what synth replaces). */
export function stackRun(outdir: string, stack: string): StackRun {
  const plans = plansDir(outdir);
  return {
    stack,
    dir: join(outdir, 'stacks', stack),
    planFile: join(plans, `${stack}.tfplan`),
    planJsonFile: join(plans, `${stack}.plan.json`),
    applyLogFile: join(plans, `${stack}.apply.log`),
  };
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

/**
 * The environment of every terraform command this project runs. `GOGC=400` (Go's default
 * is 100): Terraform's plan of the devvm stack's many terraform_data instances spends a
 * third of its CPU in Go's garbage collector, and a larger heap target trades memory for it
 * (1000 people: about 0.85x the plan time, peak RSS about 170 -> 340 MB; docs/bench.md).
 * A GOGC of the admin's own wins.
 */
export function terraformEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', GOGC: env.GOGC || '400' };
}

function terraform(run: StackRun, args: string[], what: string, log: (s: string) => void): string {
  const started = Date.now();
  log(`[${run.stack}] ${what} ...`);
  const r = spawnSync('terraform', args, {
    cwd: run.dir,
    encoding: 'utf8',
    env: terraformEnv(),
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

export interface PlanOptions {
  /** Input variables (`-var`). */
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * false: `-refresh=false`. Only for a stack of nothing but `terraform_data`, whose refresh
   * returns the stored object unchanged (there is nothing remote to read): skipping it
   * changes no plan and saves a tenth of the devvm stack's plan time.
   */
  readonly refresh?: boolean;
}

/**
 * init, `plan -out` with the given input variables, `show -json`. The saved plan and its JSON
 * can hold sensitive values: both end up 0600 in the 0700 plans directory.
 */
export function planStack(run: StackRun, log: (s: string) => void, options: PlanOptions = {}): PlanJson {
  privateDir(join(run.planFile, '..'));
  terraform(run, ['init', '-input=false', '-no-color', lockTimeoutArg()], 'terraform init', log);
  const varArgs = Object.entries(options.vars ?? {}).map(([k, v]) => `-var=${k}=${v}`);
  const refreshArgs = options.refresh === false ? ['-refresh=false'] : [];
  terraform(run, ['plan', '-input=false', '-no-color', lockTimeoutArg(), ...refreshArgs, ...varArgs, `-out=${run.planFile}`], 'terraform plan', log);
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

export interface ApplyOptions {
  /** Stream Terraform's raw output instead of the agent's lines and progress. */
  readonly verbose?: boolean;
  /** The saved plan's JSON: which people the progress line counts. */
  readonly plan: PlanJson;
  /** Where the quiet output goes (default: stdout). */
  readonly out?: (line: string) => void;
  /** The site's devvm connection keys: a failed SSH connection is explained in terms of them. */
  readonly ssh?: SshSiteRef;
}

/** Lines of the raw log shown when an apply fails (the errors come last). */
const FAILURE_TAIL = 40;

/**
 * `terraform apply <saved plan>`. By default prints the agent's per-person lines and a
 * progress line; with `verbose`, Terraform's raw output. The raw output always goes to
 * `applyLogFile`, and its tail is printed when Terraform fails.
 */
export async function applyStack(run: StackRun, log: (s: string) => void, opts: ApplyOptions): Promise<void> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const quiet = new QuietApplyOutput(run.stack, opts.plan);
  const started = Date.now();
  log(`[${run.stack}] apply of the saved plan${quiet.people ? ` (${people(quiet.people)})` : ''} ...`);
  privateDir(join(run.applyLogFile, '..'));
  const fd = openSync(run.applyLogFile, 'w', 0o600);
  fchmodSync(fd, 0o600); // an older log may have been made with another mode
  let status: number | null;
  try {
    status = await new Promise<number | null>((resolveStatus, reject) => {
      const child = spawn('terraform', ['apply', '-input=false', '-no-color', lockTimeoutArg(), run.planFile], {
        cwd: run.dir,
        env: terraformEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let partial = '';
      const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
      const onLine = (line: string) => {
        if (opts.verbose) out(line);
        else for (const l of quiet.feed(line, Date.now() - started)) out(l);
      };
      child.stdout.on('data', (d: Buffer) => {
        writeSync(fd, d);
        const lines = (partial + decoder.write(d)).split('\n');
        partial = lines.pop()!;
        lines.forEach(onLine);
      });
      // Terraform's errors and warnings: in the log, shown on failure (and live when verbose).
      child.stderr.on('data', (d: Buffer) => {
        writeSync(fd, d);
        if (opts.verbose) process.stderr.write(d);
      });
      child.on('error', (err) => reject(new TerraformError(`[${run.stack}] cannot run terraform: ${err.message}`)));
      child.on('close', (code) => {
        partial += decoder.end();
        if (partial) onLine(partial);
        resolveStatus(code);
      });
    });
  } finally {
    closeSync(fd);
  }
  if (status !== 0) {
    const raw = readFileSync(run.applyLogFile, 'utf8');
    const shown = opts.verbose ? '' : `the end of it (SSH banners left out):\n${failureTail(raw, FAILURE_TAIL).join('\n')}\n`;
    const hint = opts.ssh && sshFailureHint(raw, opts.ssh);
    throw new TerraformError(
      `[${run.stack}] terraform apply failed; its raw output is in ${run.applyLogFile}\n${shown}` +
        (hint ? `[${run.stack}] ${hint}\n` : '') +
        'see README "When an apply fails halfway": run `npm run plan`, read the summary, then `npm run apply`',
    );
  }
  log(`[${run.stack}] apply done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
