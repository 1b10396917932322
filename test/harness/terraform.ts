// Drives the real `terraform` binary against a synthesized cdktf stack directory.
// The stack is copied to a private work dir and given a local backend through a Terraform
// override file, which replaces the product's pg backend without touching the synthesized
// JSON. Every failure throws an Error that contains Terraform's own output.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailure, run, RunResult } from './run';

export const BACKEND_OVERRIDE_FILE = 'zz_local_backend_override.tf.json';

export interface TerraformOptions {
  /** Directory holding cdk.tf.json, e.g. <outdir>/stacks/<stack>. */
  stackDir: string;
  /** Extra environment, typically the test host's `env` (SSH_AUTH_SOCK). */
  env?: Record<string, string>;
  /** Parent for the work dir; default os.tmpdir(). */
  baseDir?: string;
  /** Abort a single terraform command after this long; default 5 minutes. */
  timeoutMs?: number;
}

/** The parts of `terraform show -json <plan>` the tests look at. */
export interface TerraformPlan {
  format_version: string;
  terraform_version: string;
  resource_changes?: ResourceChange[];
  [key: string]: unknown;
}

export interface ResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: string | number;
  change: { actions: string[]; before: unknown; after: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

export interface PlanResult {
  planFile: string;
  plan: TerraformPlan;
  /** Human-readable plan output. */
  output: string;
}

/**
 * Variables from the developer's shell that would change what the commands do (extra CLI
 * args, another workspace or data dir). TF_LOG and friends stay: they help debugging.
 */
function withoutSemanticTfVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('TF_CLI_ARGS') || k === 'TF_WORKSPACE' || k === 'TF_DATA_DIR') continue;
    out[k] = v;
  }
  return out;
}

export class Terraform {
  /** Private root: config/, state, plans, CLI config. Removed by cleanup(). */
  readonly workDir: string;
  /** The directory terraform runs in (copy of the stack + backend override). */
  readonly configDir: string;
  readonly stateFile: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private planCount = 0;
  private initialized = false;

  constructor(opts: TerraformOptions) {
    this.workDir = fs.mkdtempSync(path.join(opts.baseDir ?? os.tmpdir(), 'devvm-tf-'));
    this.configDir = path.join(this.workDir, 'config');
    this.stateFile = path.join(this.workDir, 'terraform.tfstate');
    this.timeoutMs = opts.timeoutMs ?? 5 * 60_000;
    // An empty CLI config: the machine's TF_CLI_CONFIG_FILE may point at a missing file,
    // which makes every command print a warning, and we want no provider mirrors anyway.
    const cliConfig = path.join(this.workDir, 'cli.tfrc');
    fs.writeFileSync(cliConfig, '');
    this.env = {
      ...withoutSemanticTfVars(process.env),
      ...opts.env,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
    };
    fs.mkdirSync(this.configDir);
    this.setConfig(opts.stackDir);
  }

  /**
   * Replaces the configuration with a newly synthesized stack, keeping state and the
   * initialized .terraform dir: this is how a test changes the roster between applies.
   */
  setConfig(stackDir: string): void {
    if (!fs.existsSync(path.join(stackDir, 'cdk.tf.json'))) {
      throw new Error(`${stackDir} has no cdk.tf.json: pass the synthesized stack directory (<outdir>/stacks/<name>)`);
    }
    for (const name of fs.readdirSync(this.configDir)) {
      if (name === '.terraform' || name === '.terraform.lock.hcl') continue;
      fs.rmSync(path.join(this.configDir, name), { recursive: true, force: true });
    }
    fs.cpSync(stackDir, this.configDir, { recursive: true });
    const override = { terraform: { backend: { local: { path: this.stateFile } } } };
    fs.writeFileSync(path.join(this.configDir, BACKEND_OVERRIDE_FILE), JSON.stringify(override, null, 2) + '\n');
  }

  async init(): Promise<void> {
    await this.tf(['init', '-input=false', '-no-color']);
    this.initialized = true;
  }

  /** `terraform plan -out`, then the plan as JSON via `terraform show -json`. Inits on first use. */
  async plan(opts: { destroy?: boolean } = {}): Promise<PlanResult> {
    await this.ensureInit();
    const planFile = path.join(this.workDir, `plan-${++this.planCount}.tfplan`);
    const r = await this.tf(['plan', '-input=false', '-no-color', `-out=${planFile}`, ...(opts.destroy ? ['-destroy'] : [])]);
    const show = await this.tf(['show', '-json', '-no-color', planFile]);
    let plan: TerraformPlan;
    try {
      plan = JSON.parse(show.stdout) as TerraformPlan;
    } catch (e) {
      throw new Error(`terraform show -json printed invalid JSON (${(e as Error).message}):\n${show.stdout.slice(0, 2000)}`);
    }
    return { planFile, plan, output: r.stdout };
  }

  /** Applies a saved plan; returns Terraform's output (including provisioner output). */
  async apply(planFile: string): Promise<string> {
    const r = await this.tf(['apply', '-input=false', '-no-color', planFile]);
    return r.stdout;
  }

  /** plan + apply in one step, for tests that do not inspect the plan. */
  async planAndApply(): Promise<{ plan: TerraformPlan; output: string }> {
    const p = await this.plan();
    return { plan: p.plan, output: await this.apply(p.planFile) };
  }

  /**
   * `terraform plan -detailed-exitcode`: exit 0 means no changes, 2 means changes, anything
   * else is an error and throws. The output is returned so a failing assertion can show it.
   */
  async planNoChanges(): Promise<{ noChanges: boolean; output: string }> {
    await this.ensureInit();
    const argv = ['plan', '-input=false', '-no-color', '-detailed-exitcode'];
    const r = await this.tfRaw(argv);
    if (r.code === 0) return { noChanges: true, output: r.stdout };
    if (r.code === 2) return { noChanges: false, output: r.stdout };
    throw new Error(describeFailure(['terraform', ...argv], r));
  }

  /** Current state as JSON (`terraform show -json`), e.g. to read `input`/`output` values. */
  async state(): Promise<Record<string, unknown>> {
    const r = await this.tf(['show', '-json', '-no-color']);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** Any other terraform command in the work dir (e.g. `taint <address>`); throws on failure. */
  async run(args: string[]): Promise<RunResult> {
    await this.ensureInit();
    return this.tf(args);
  }

  cleanup(): void {
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  private async ensureInit(): Promise<void> {
    if (!this.initialized) await this.init();
  }

  private async tf(args: string[]): Promise<RunResult> {
    const r = await this.tfRaw(args);
    if (r.code !== 0) throw new Error(describeFailure(['terraform', ...args], r));
    return r;
  }

  private tfRaw(args: string[]): Promise<RunResult> {
    return run(['terraform', ...args], { cwd: this.configDir, env: this.env, timeoutMs: this.timeoutMs });
  }
}
