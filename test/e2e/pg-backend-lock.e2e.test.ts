// State locking of the PG backend (issue 11): two `terraform apply` of the same stack
// against the same PostgreSQL state never run at once. The first apply's provisioner
// blocks inside the test host until the test releases it, so the first apply provably
// holds the lock while the second one starts: no sleeps, no timing assumptions.
import { TestHost, useTestHost } from '../harness/host';
import { PgDatabase, testPostgres } from '../harness/postgres';
import { RunResult } from '../harness/run';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { synthSmokeStack } from './smoke-stack';

const MARK_DIR = '/run/pglock';
const APPLY = ['apply', '-auto-approve', '-input=false', '-no-color'];

/** Polls `cond` until true; throws after `timeoutMs` (a hang guard, not a timed assertion). */
async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeE2E('PG state backend: two applies of one stack never run at once', () => {
  const host = useTestHost();

  /** The smoke stack whose create provisioner records each run, then waits for `release`. */
  function blockingStack(h: TestHost, dir: string): string {
    return synthSmokeStack({
      outdir: h.scratchDir('synth-'),
      users: ['alice'],
      target: { address: h.address, port: h.port, hostKey: h.hostKey },
      createCommands: [
        `mkdir -p ${dir}`,
        `echo run >> ${dir}/ran`,
        // At most 300 s, so a broken test cannot leave terraform hanging forever.
        `i=0; while [ ! -e ${dir}/release ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done`,
      ],
    });
  }

  /** Two drivers (own work dirs, own .terraform) on the same state; the second is told apart in pg_stat_activity. */
  async function twoDrivers(label: string, dir: string): Promise<{ db: PgDatabase; first: Terraform; second: Terraform }> {
    const h = host();
    const db = await (await testPostgres()).createDatabase(label);
    const stackDir = blockingStack(h, dir);
    const first = new Terraform({ stackDir, env: h.env, baseDir: h.privateDir, state: { pg: db } });
    const second = new Terraform({ stackDir, env: h.env, baseDir: h.privateDir, state: { pg: { ...db, connString: `${db.connString}&application_name=second` } } });
    await first.init();
    await second.init();
    return { db, first, second };
  }

  async function runs(h: TestHost, dir: string): Promise<string[]> {
    return (await h.exists(`${dir}/ran`)) ? (await h.readFile(`${dir}/ran`)).split('\n').filter(Boolean) : [];
  }

  it('the second apply fails at once on the lock with -lock-timeout=0s, naming the lock', async () => {
    const h = host();
    const dir = `${MARK_DIR}/fail`;
    const { first, second } = await twoDrivers('lock_fail', dir);
    const firstRun = first.command(APPLY);
    await waitFor('the first apply to reach its provisioner', async () => (await runs(h, dir)).length > 0);

    const r = await second.command([...APPLY, '-lock-timeout=0s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error acquiring the state lock/);
    expect(r.stderr).toMatch(/already locked/i);

    await h.execOk(['touch', `${dir}/release`]);
    const done = await firstRun;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/Apply complete! Resources: 1 added/);
    expect(await runs(h, dir)).toEqual(['run']); // the provisioner ran once, for the first apply only
    // Both drivers read the same state: the second now has nothing to do.
    expect((await second.planNoChanges()).noChanges).toBe(true);
  });

  it('the second apply with -lock-timeout waits for the lock, then finds nothing to do', async () => {
    const h = host();
    const dir = `${MARK_DIR}/wait`;
    const { db, first, second } = await twoDrivers('lock_wait', dir);
    const firstRun = first.command(APPLY);
    await waitFor('the first apply to reach its provisioner', async () => (await runs(h, dir)).length > 0);

    let secondExited: RunResult | undefined;
    const secondRun = second.command([...APPLY, '-lock-timeout=300s']).then((r) => (secondExited = r));
    // The second apply's connection has tried the advisory lock while the first still holds it
    // (its last query is the try, or the release of the creation lock after a failed try).
    await waitFor('the second apply to try the state lock', async () => {
      if (secondExited) throw new Error(`the second apply did not wait for the lock:\n${secondExited.stderr}${secondExited.stdout}`);
      return Number(await db.query(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'second' AND query LIKE '%advisory%';",
      )) > 0;
    });
    expect(await runs(h, dir)).toEqual(['run']);

    await h.execOk(['touch', `${dir}/release`]);
    const [a, b] = await Promise.all([firstRun, secondRun]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/Apply complete! Resources: 1 added/);
    // It waited instead of failing, then planned against the state the first one wrote.
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/No changes\.|Resources: 0 added, 0 changed, 0 destroyed/);
    expect(await runs(h, dir)).toEqual(['run']);
  });
});
