// Drives the real `terraform` binary against a synthesized cdktf stack directory.
// The stack is copied to a private work dir and keeps its own pg backend block: state lives
// in a database of the harness's throwaway PostgreSQL (postgres.ts), with the connection
// string only in the terraform child's environment (PG_CONN_STR), exactly as an admin runs
// it. A test that cannot use PG asks for local state and says why (a Terraform override
// file then replaces the backend). Every failure throws an Error that contains Terraform's
// own output; every command's output is also appended to `logFile`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PgDatabase, testPostgres } from './postgres';
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
  /** Where state lives; default a new database of this process's test PostgreSQL. */
  state?: TerraformState;
}

/** Where Terraform keeps the state (see docs/e2e.md, "State backend"). */
export type TerraformState =
  /** The stack's pg backend in this database; two drivers given the same one share state and its lock. */
  | { pg: PgDatabase }
  /** A local state file through a backend override; `why` says why this test cannot use PG. */
  | { local: { why: string } };

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
    // The developer's own PG_CONN_STR (the homelab's state!) and libpq's PG* defaults must
    // never reach a test's terraform: the only database it sees is the harness's.
    if (k.startsWith('PG')) continue;
    out[k] = v;
  }
  return out;
}

export class Terraform {
  /** Private root: config/, state, plans, CLI config. Removed by cleanup(). */
  readonly workDir: string;
  /** The directory terraform runs in (copy of the stack; plus the backend override with local state). */
  readonly configDir: string;
  /** The state file, with `state: { local }` only. */
  readonly stateFile: string;
  /** Every terraform command line and its output, in order (no secret is ever in it). */
  readonly logFile: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateOpt: TerraformState | undefined;
  private database: Promise<PgDatabase> | undefined;
  private readonly timeoutMs: number;
  private planCount = 0;
  private initialized = false;

  constructor(opts: TerraformOptions) {
    this.workDir = fs.mkdtempSync(path.join(opts.baseDir ?? os.tmpdir(), 'devvm-tf-'));
    this.configDir = path.join(this.workDir, 'config');
    this.stateFile = path.join(this.workDir, 'terraform.tfstate');
    this.logFile = path.join(this.workDir, 'terraform.log');
    this.stateOpt = opts.state;
    if (opts.state && 'local' in opts.state && !opts.state.local.why.trim()) {
      throw new Error('Terraform driver: local state needs a reason (state: { local: { why } }); the default is the PG backend');
    }
    if (opts.state && 'pg' in opts.state) this.database = Promise.resolve(opts.state.pg);
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
    if (opts.state && 'local' in opts.state) fs.writeFileSync(this.logFile, `# local state instead of PG: ${opts.state.local.why}\n`);
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
    if (this.stateOpt && 'local' in this.stateOpt) {
      const override = { terraform: { backend: { local: { path: this.stateFile } } } };
      fs.writeFileSync(path.join(this.configDir, BACKEND_OVERRIDE_FILE), JSON.stringify(override, null, 2) + '\n');
    }
  }

  /** The database holding the state (created on first use), or undefined with local state. */
  pgDatabase(): Promise<PgDatabase> | undefined {
    if (this.stateOpt && 'local' in this.stateOpt) return undefined;
    // Named after the test file, so a kept cluster shows whose state is whose.
    const testPath = typeof expect === 'function' ? expect.getState().testPath : undefined;
    this.database ??= testPostgres().then((c) => c.createDatabase(testPath ? path.basename(testPath).replace(/\..*$/, '') : 'tf'));
    return this.database;
  }

  /**
   * Runs any terraform command in the configuration dir with the driver's environment and
   * never throws on a non-zero exit, e.g. for an `apply -auto-approve -lock-timeout=0s`.
   */
  async command(args: string[]): Promise<RunResult> {
    return this.tfRaw(args);
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

  private async tfRaw(args: string[]): Promise<RunResult> {
    const db = await this.pgDatabase();
    // PG_CONN_STR only in the child's environment: never in argv, a file or the log.
    const env = db ? { ...this.env, PG_CONN_STR: db.connString } : this.env;
    const r = await run(['terraform', ...args], { cwd: this.configDir, env, timeoutMs: this.timeoutMs });
    try {
      fs.appendFileSync(this.logFile, `$ terraform ${args.join(' ')}\n${r.stdout}${r.stderr}${r.code !== 0 ? `(exit ${r.code})\n` : ''}`);
    } catch (e) {
      // The work dir went with its test host while a command of a failed test still ran.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return r;
  }
}
