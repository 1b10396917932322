// The product's Tier-1 state backend for real (issue 11): the `workstations-devvm` stack
// applied by real Terraform with its state in PostgreSQL (the harness's throwaway
// cluster), `npm run plan` against that state with the connection string only in
// PG_CONN_STR, the lock timeout of `npm run plan`, and no trace of the connection string
// or its password in any file or log the run produced.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { TestHost, useTestHost } from '../harness/host';
import { PgDatabase, PG_ROLE } from '../harness/postgres';
import { run, RunResult } from '../harness/run';
import { describeE2E } from '../harness/skip';
import { devvmAddress, devvmBlockName, devvmShard } from '../../src/desired/devvm-addresses';
import { Terraform } from '../harness/terraform';
import { REPO_ROOT } from '../support/inputs';
import { launchArgs } from '../support/run';
import { zipEntries } from '../support/zip-entries';
import { applyCast, exampleCast, siteFor, SynthResult } from './devvm/stack';

const SCHEMA = 'workstations-devvm';

/** Waits for `cond`; throws after `timeoutMs` (a hang guard, not a timed assertion). */
async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file below `dir` (symlinks not followed), plan files as their unzipped entries. */
function filesBelow(dir: string): { file: string; data: Buffer }[] {
  const out: { file: string; data: Buffer }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const data = fs.readFileSync(file);
    if (file.endsWith('.tfplan')) {
      for (const z of zipEntries(data)) out.push({ file: `${file}!${z.name}`, data: z.data });
    }
    out.push({ file, data });
  }
  return out;
}

/**
 * Holds the state's advisory lock from a separate session, as another admin's running
 * apply would (the pg backend locks the `states` row id), until release().
 */
async function holdStateLock(db: PgDatabase): Promise<{ release: () => Promise<void> }> {
  const c = db.cluster;
  const psql: ChildProcessWithoutNullStreams = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', c.address, '-p', String(c.port), '-U', PG_ROLE, '-d', db.name], {
    env: { PATH: process.env.PATH, PGPASSWORD: c.password, PGAPPNAME: 'holder' },
  });
  const exited = new Promise<void>((resolve) => psql.on('close', () => resolve()));
  psql.stdin.write(`SELECT pg_advisory_lock(id) FROM "${SCHEMA}".states WHERE name = 'default';\n`);
  await waitFor('the holder to take the state lock', async () => Number(await db.query(
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'holder';",
  )) === 1);
  return {
    release: async () => {
      psql.stdin.end('\\q\n');
      await exited;
    },
  };
}

describeE2E('PG state backend: the devvm stack keeps its state in PostgreSQL', () => {
  const host = useTestHost();
  let synth: SynthResult;
  let tf: Terraform;
  let db: PgDatabase;
  let applyOutput: string;
  /** Every output of `npm run plan` in this file, for the secrets check. */
  const planRuns: RunResult[] = [];
  let planOutdir: string;

  beforeAll(async () => {
    const h = host();
    ({ synth, tf, output: applyOutput } = await applyCast(h));
    db = (await tf.pgDatabase())!;
  });

  /** `npm run plan -- --stack workstations-devvm` against the applied state, in a clean environment. */
  async function npmPlan(h: TestHost, extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const dir = h.scratchDir('npm-plan-');
    fs.writeFileSync(path.join(dir, 'roster.yaml'), stringify(exampleCast()));
    fs.writeFileSync(path.join(dir, 'site.yaml'), stringify(siteFor(h)));
    fs.writeFileSync(path.join(dir, 'cli.tfrc'), '');
    planOutdir = path.join(dir, 'cdktf.out');
    const r = await run([process.execPath, ...launchArgs('bin/plan.ts', ['--stack', SCHEMA])], {
      cwd: REPO_ROOT,
      // Not the caller's environment: a developer's own PG_CONN_STR must never be used here.
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', SSH_AUTH_SOCK: h.env.SSH_AUTH_SOCK,
        TF_CLI_CONFIG_FILE: path.join(dir, 'cli.tfrc'), CHECKPOINT_DISABLE: '1',
        ROSTER: path.join(dir, 'roster.yaml'), SITE: path.join(dir, 'site.yaml'), CDKTF_OUTDIR: planOutdir,
        PG_CONN_STR: `${db.connString}&application_name=npm-plan`,
        ...extraEnv,
      },
      timeoutMs: 300_000,
    });
    planRuns.push(r);
    return r;
  }

  it('the state is in the stack\'s own schema, not in a file', async () => {
    expect(await db.query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'workstations%' ORDER BY 1;")).toBe(`${SCHEMA}\n`);
    expect(await db.query(`SELECT name FROM "${SCHEMA}".states;`)).toBe('default\n');
    const state = JSON.parse(await db.query(`SELECT data FROM "${SCHEMA}".states WHERE name = 'default';`)) as { resources: { type: string; name: string }[] };
    // Each person's instances are in their shard's blocks (account_<h>, profile_<h>), none in the old unsharded ones.
    const blocks = state.resources.map((r) => `${r.type}.${r.name}`);
    const people = Object.keys(synth.workstation);
    expect(people.length).toBeGreaterThan(0);
    expect(blocks).toEqual(expect.arrayContaining(people.flatMap((u) => (['account', 'profile'] as const).map((k) => `terraform_data.${devvmBlockName(k, devvmShard(u))}`))));
    expect(blocks.filter((b) => b === 'terraform_data.account' || b === 'terraform_data.profile')).toEqual([]);
    // No local state anywhere: only the backend settings Terraform caches in .terraform.
    expect(filesBelow(tf.workDir).map((f) => path.relative(tf.workDir, f.file)).filter((f) => /tfstate/.test(f) && !f.includes('.tfplan!'))).toEqual(['config/.terraform/terraform.tfstate']);
    const cached = JSON.parse(fs.readFileSync(path.join(tf.configDir, '.terraform/terraform.tfstate'), 'utf8')) as { backend: { type: string; config: Record<string, unknown> } };
    expect(cached.backend.type).toBe('pg');
    expect(cached.backend.config).toMatchObject({ conn_str: null, schema_name: SCHEMA });
  });

  it('both stacks synthesize a pg backend with their own schema and no conn_str', () => {
    const stacks = path.dirname(synth.stackDir);
    const backend = (stack: string) => (JSON.parse(fs.readFileSync(path.join(stacks, stack, 'cdk.tf.json'), 'utf8')) as { terraform: { backend: unknown } }).terraform.backend;
    expect(backend('workstations')).toEqual({ pg: { schema_name: 'workstations' } });
    expect(backend(SCHEMA)).toEqual({ pg: { schema_name: SCHEMA } });
  });

  it('npm run plan reads that state through PG_CONN_STR', async () => {
    const r = await npmPlan(host());
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/Plan for workstations-devvm:/);
    const planJson = JSON.parse(fs.readFileSync(path.join(planOutdir, 'plans', `${SCHEMA}.plan.json`), 'utf8')) as { prior_state?: { values?: { root_module?: { resources?: { address: string }[] } } } };
    // The plan started from the applied state in PostgreSQL, not from nothing.
    expect((planJson.prior_state?.values?.root_module?.resources ?? []).map((x) => x.address)).toEqual(expect.arrayContaining([devvmAddress('account', 'wizard')]));
  });

  it('npm run plan waits for a lock another run holds (-lock-timeout), and fails clearly without waiting', async () => {
    const h = host();
    const holder = await holdStateLock(db);
    let released = false;
    try {
      const failed = await npmPlan(h, { WORKSTATIONS_LOCK_TIMEOUT: '0s' });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/terraform plan failed/);
      expect(failed.stderr).toMatch(/Error acquiring the state lock/);
      expect(failed.stderr).toMatch(/Workspace is already locked: default/);

      let exited: RunResult | undefined;
      const waiting = npmPlan(h).then((r) => (exited = r));
      await waitFor('npm run plan to try the state lock', async () => {
        if (exited) throw new Error(`npm run plan did not wait for the lock:\n${exited.stderr}`);
        return Number(await db.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'npm-plan' AND query LIKE '%advisory%';")) > 0;
      }, 240_000);
      await holder.release();
      released = true;
      const r = await waiting;
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    } finally {
      if (!released) await holder.release();
    }
  });

  it('no file of the run and no log holds the connection string or its password', async () => {
    if (planRuns.length === 0) await npmPlan(host()); // run alone (-t): make npm run plan's files first
    const c = db.cluster;
    const needles = [db.connString, c.password, encodeURIComponent(c.password)];
    const haystack = [
      ...filesBelow(path.dirname(path.dirname(synth.stackDir))), // the test's cdktf.out
      ...filesBelow(planOutdir), // npm run plan's cdktf.out, with plans/*.tfplan unzipped and *.plan.json
      ...filesBelow(tf.workDir), // Terraform's copy of the stack, .terraform, saved plans, terraform.log
      { file: 'apply output', data: Buffer.from(applyOutput) },
      ...planRuns.map((r, i) => ({ file: `npm run plan #${i + 1} output`, data: Buffer.from(r.stdout + r.stderr) })),
      { file: 'PostgreSQL server log', data: fs.readFileSync(c.logFile) },
      { file: 'state in PostgreSQL', data: Buffer.from(await db.query(`SELECT data FROM "${SCHEMA}".states;`)) },
    ];
    // The checks must look at something: the plans, the log and the state are all there.
    expect(haystack.some((f) => f.file.endsWith('.tfplan!tfplan'))).toBe(true);
    expect(haystack.some((f) => f.file.endsWith('terraform.log'))).toBe(true);
    expect(fs.readFileSync(tf.logFile, 'utf8')).toMatch(/Apply complete!/);
    const leaks = haystack.filter((f) => needles.some((n) => f.data.includes(n))).map((f) => f.file);
    expect(leaks).toEqual([]);
  });
});
