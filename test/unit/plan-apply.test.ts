// `npm run plan` and `npm run apply` around the saved plans, with the real Terraform on the
// devvm stack (terraform_data only: no provider download; local state; plan never connects
// to the devvm, and every apply here is refused before Terraform runs):
//  - plan resolves the Config base head and passes it as -var; the saved plan carries it;
//  - saved plans, plan JSON, the record and the summary file are 0600 in a 0700 directory;
//  - the hint names exactly the planned stacks; apply refuses a stack the plan did not plan;
//  - the saved plans survive a synth; apply refuses a plan that no longer matches the
//    synthesized directory, or the roster and site.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecord, stackFingerprint } from '../../src/plan/plan-files';
import { currentFingerprints } from '../../src/synth/synthesize';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT } from '../support/inputs';
import { runBin } from '../support/run';
import { hasTerraform } from '../support/terraform';

const DEVVM = 'workstations-devvm';
const mode = (p: string) => statSync(p).mode & 0o777;

function configBaseRepo(): { dir: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dw-plan-config-base-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'master');
  writeFileSync(join(dir, 'README.md'), 'config base\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  return { dir, head: git('rev-parse', 'HEAD').trim() };
}

/** A working directory with the example roster; the site points at `configBase` and a loopback devvm. */
function workdir(configBase: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-plan-'));
  mkdirSync(join(dir, 'roster'));
  writeFileSync(join(dir, 'roster/roster.yaml'), EXAMPLE_ROSTER_TEXT);
  const site = EXAMPLE_SITE_TEXT.replace('https://github.com/ViktorBarzin/dotfiles.git', configBase).replace('host: 10.0.10.10', 'host: 127.0.0.1');
  writeFileSync(join(dir, 'roster/site.yaml'), site);
  mkdirSync(join(dir, 'state'));
  return dir;
}

const env = (dir: string) => ({ WORKSTATIONS_LOCAL_STATE_DIR: join(dir, 'state'), PG_CONN_STR: undefined });

(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('plan and apply around saved plans (real terraform, devvm stack)', () => {
  const base = configBaseRepo();
  const dir = workdir(base.dir);
  const plans = join(dir, 'cdktf.out/plans');
  let planOut: ReturnType<typeof runBin>;

  beforeAll(() => {
    // A previous run's leftovers, world-readable: plan replaces the whole set and narrows the directory.
    mkdirSync(plans, { recursive: true });
    chmodSync(plans, 0o755);
    writeFileSync(join(plans, 'workstations.tfplan'), 'old', { mode: 0o644 });
    planOut = runBin('plan', ['--stack', DEVVM, '--summary-file', join(dir, 'summary.md')], { cwd: dir, env: env(dir) });
  });

  test('plan resolves the Config base head, says so, and the saved plan carries it as config_base_commit', () => {
    expect(planOut.code).toBe(0);
    expect(planOut.stderr).toContain(`config base ${base.dir} master resolved to ${base.head}\n`);
    expect(planOut.stderr).toMatch(/^terraform \d+\.\d+\.\d+ \(/);
    const json = JSON.parse(readFileSync(join(plans, `${DEVVM}.plan.json`), 'utf8'));
    expect(json.variables.config_base_commit.value).toBe(base.head);
    const layer = json.resource_changes.find((c: { address: string }) => c.address === 'terraform_data.claude_layer');
    expect(layer.change.after.triggers_replace.config_base_commit).toBe(base.head);
  });

  test('the hint applies exactly the planned stack', () => {
    expect(planOut.stdout).toContain(`\nApply exactly these with: npm run apply -- --stack ${DEVVM}\n`);
    expect(readRecord(join(dir, 'cdktf.out')).stacks).toEqual([DEVVM]);
    const r = runBin('apply', ['--stack', 'workstations'], { cwd: dir, env: env(dir) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: the last plan did not plan workstations (it planned ${DEVVM}): run \`npm run plan -- --stack workstations\` first\n`);
  });

  test('saved plans, plan JSON, the record and the summary file are 0600; the plans directory 0700; old plans are gone', () => {
    expect(mode(plans)).toBe(0o700);
    expect(readdirSync(plans).sort()).toEqual(['last-plan.json', `${DEVVM}.plan.json`, `${DEVVM}.tfplan`]);
    for (const f of readdirSync(plans)) expect([f, mode(join(plans, f))]).toEqual([f, 0o600]);
    expect(mode(join(dir, 'summary.md'))).toBe(0o600);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('+ onboard   wizard');
  });

  test('the saved plans survive a synth of the same inputs, and still match it', () => {
    const before = readFileSync(join(plans, `${DEVVM}.tfplan`));
    const synth = runBin('synth', [], { cwd: dir });
    expect(synth.code).toBe(0);
    expect(readFileSync(join(plans, `${DEVVM}.tfplan`)).equals(before)).toBe(true);
    expect(mode(plans)).toBe(0o700);
    expect(existsSync(join(dir, 'cdktf.out/stacks', DEVVM, '.terraform'))).toBe(true);
    // What apply checks: the directory and the inputs synthesized again hash as planned.
    const record = readRecord(join(dir, 'cdktf.out'));
    expect(stackFingerprint(join(dir, 'cdktf.out/stacks', DEVVM))).toBe(record.fingerprints[DEVVM]);
    expect(currentFingerprints({ roster: join(dir, 'roster/roster.yaml'), site: join(dir, 'roster/site.yaml') }, [DEVVM])).toEqual(record.fingerprints);
  });

  test('apply refuses a plan whose roster changed, then one whose synthesized directory changed; nothing applied', () => {
    writeFileSync(join(dir, 'roster/roster.yaml'), EXAMPLE_ROSTER_TEXT.replace('      code_layout: single\n', '      code_layout: single\n      memory_max: 9G\n'));
    const replan = `  run \`npm run plan -- --stack ${DEVVM}\` again\n`;
    const edited = runBin('apply', [], { cwd: dir, env: env(dir) });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toBe(
      `REFUSED, nothing applied:\n  - the saved plan for ${DEVVM} no longer matches roster/roster.yaml and roster/site.yaml (planned from roster/roster.yaml and roster/site.yaml; they or the code changed since)\n${replan}`,
    );
    expect(runBin('synth', [], { cwd: dir }).code).toBe(0);
    const resynthesized = runBin('apply', [], { cwd: dir, env: env(dir) });
    expect(resynthesized.code).toBe(1);
    expect(resynthesized.stderr).toBe(
      `REFUSED, nothing applied:\n  - the saved plan for ${DEVVM} no longer matches ${join(dir, 'cdktf.out/stacks', DEVVM)} (synthesized again from other inputs or code since the plan)\n${replan}`,
    );
    expect(resynthesized.stdout).toBe('');
    expect(readdirSync(join(dir, 'state'))).toEqual([]);
  });

  test('an unreachable Config base: plan warns with the reason and plans with "unresolved"', () => {
    const other = workdir(join(tmpdir(), 'dw-no-such-config-base'));
    const r = runBin('plan', ['--stack', DEVVM], { cwd: other, env: env(other) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\nwarning: config base \S+dw-no-such-config-base master not resolved \(git ls-remote failed: .+\): planning with config_base_commit=unresolved; /);
    const json = JSON.parse(readFileSync(join(other, 'cdktf.out/plans', `${DEVVM}.plan.json`), 'utf8'));
    expect(json.variables.config_base_commit.value).toBe('unresolved');
  });
});

test('without terraform on PATH, plan and apply exit 2 saying what they need, having written nothing', () => {
  const nodeOnly = mkdtempSync(join(tmpdir(), 'dw-node-only-'));
  symlinkSync(process.execPath, join(nodeOnly, 'node'));
  const dir = workdir(join(tmpdir(), 'dw-no-such-config-base'));
  const plan = runBin('plan', [], { cwd: dir, env: { PATH: nodeOnly } });
  expect(plan.code).toBe(2);
  expect(plan.stderr).toMatch(/^error: terraform is not usable \(.*ENOENT\): plan and apply need Terraform >= 1\.4 on PATH \(synth and validate do not\)\n$/);
  expect(readdirSync(dir).sort()).toEqual(['roster', 'state']);
  const apply = runBin('apply', [], { cwd: dir, env: { PATH: nodeOnly } });
  expect(apply.code).toBe(2);
  expect(apply.stderr).toBe(`error: no saved plan in ${join(dir, 'cdktf.out/plans')}: run \`npm run plan\` first\n`);
});
