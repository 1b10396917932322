// Quick measurement (not the official plan benchmark): how long a no-op `terraform plan`
// of the `workstations-devvm` stack takes for generated rosters, on a local state made by
// applying the synthesized stack with every provisioner and connection removed (nothing
// to reach; the resources are terraform_data, so apply only writes state).
//
//   npx tsx bench/devvm-plan-quick.ts [100 1000 ...] [--reps 3]
//   npx tsx bench/devvm-plan-quick.ts --park     # the tests' example roster: plan parking emo, printed
//
// Prints one line per size: people, workstations, apply seconds, no-op plan seconds (each rep).
import { helpFromHeader } from './help';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildApp } from '../src/app';
import { parseRoster, parseSite } from '../src/roster/load';
import { formatProblem } from '../src/roster/problems';
import { BENCH_BASE_SITE, BENCH_EXAMPLE_ROSTER, benchSiteYaml, generateRoster } from './roster-gen';

helpFromHeader(__filename);

const SITE_TEXT = readFileSync(BENCH_BASE_SITE, 'utf8');

function synthDevvmJson(rosterText: string, siteText: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const site = parseSite('site.yaml', siteText);
  if (!site.ok) throw new Error(site.problems.map(formatProblem).join('\n'));
  const roster = parseRoster('roster.yaml', rosterText, site.value);
  if (!roster.ok) throw new Error(roster.problems.map(formatProblem).join('\n'));
  const out = mkdtempSync(join(tmpdir(), 'devvm-plan-synth-'));
  try {
    buildApp({ roster: roster.value, site: site.value }, out, { configBaseCommit: false }).app.synth();
    return JSON.parse(readFileSync(join(out, 'stacks/workstations-devvm/cdk.tf.json'), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The stack with a local backend and no provisioners/connections: apply only writes state. */
function inert(tf: Record<string, any>): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const copy = structuredClone(tf);
  delete copy.terraform.backend;
  for (const r of Object.values(copy.resource.terraform_data) as Record<string, unknown>[]) {
    delete r.provisioner;
    delete r.connection;
  }
  return copy;
}

function terraform(dir: string, args: string[], opts: { print?: boolean } = {}): { seconds: number; out: string } {
  const t = process.hrtime.bigint();
  const out = execFileSync('terraform', args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null' } });
  if (opts.print) process.stdout.write(out);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, out };
}

function writeConfig(dir: string, tf: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(inert(tf as Record<string, unknown>), null, 2));
}

function measure(size: number, reps: number): void {
  const dir = mkdtempSync(join(tmpdir(), `devvm-plan-${size}-`));
  try {
    const tf = synthDevvmJson(stringify(generateRoster(size)), benchSiteYaml(SITE_TEXT));
    writeConfig(dir, tf);
    terraform(dir, ['init', '-input=false', '-no-color']);
    const apply = terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color', '-parallelism=50']);
    const plans: number[] = [];
    for (let i = 0; i < reps; i++) {
      const p = terraform(dir, ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false', '-refresh=false']);
      if (!p.out.includes('No changes.')) throw new Error(`plan of ${size} is not a no-op:\n${p.out.slice(0, 2000)}`);
      plans.push(p.seconds);
    }
    const workstations = Object.entries(tf.locals as Record<string, Record<string, unknown>>).filter(([name]) => /^profiles_[0-9a-f]$/.test(name)).reduce((n, [, m]) => n + Object.keys(m).length, 0);
    console.log(`${size} people, ${workstations} workstations: apply ${apply.seconds.toFixed(1)} s; no-op plan ${plans.map((s) => `${s.toFixed(2)} s`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parkExample(): void {
  const dir = mkdtempSync(join(tmpdir(), 'devvm-plan-park-'));
  try {
    const rosterText = readFileSync(BENCH_EXAMPLE_ROSTER, 'utf8');
    writeConfig(dir, synthDevvmJson(rosterText, SITE_TEXT));
    terraform(dir, ['init', '-input=false', '-no-color']);
    terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
    const roster = parse(rosterText);
    roster.people.emo.workstation = { ...roster.people.emo.workstation, parked: true };
    writeConfig(dir, synthDevvmJson(stringify(roster), SITE_TEXT));
    terraform(dir, ['plan', '-input=false', '-no-color'], { print: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args.includes('--park')) parkExample();
else {
  const r = args.indexOf('--reps');
  const reps = r >= 0 ? Number(args[r + 1]) : 3;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--reps').map(Number);
  for (const size of sizes.length ? sizes : [100, 1000]) measure(size, reps);
}
