// Diagnosis, not the official benchmark: what in the `workstations-devvm` stack's JSON
// costs `terraform plan` time. Synthesizes the stack for a generated roster (test site,
// capacity raised), writes variants of the same JSON with one feature removed, builds the
// state an apply would write (from each variant's own first plan, as bench/plan-bench.ts
// does) and times a no-op plan of each, side by side, for every size.
//
//   npx tsx bench/devvm-plan-variants.ts [--sizes 300,1000] [--variants as-is,no-prov,...] [--reps 1]
//                                        [--plan-args -refresh=false] [--floor]
//
// Variants: as-is | unsharded (the 16 shard blocks of each kind folded into one block, the
// layout before 2026-12-01; no moved blocks) | no-moved (the moved blocks left out) |
// no-prov (no provisioner/connection blocks) | no-self (provisioners whose commands do not
// reference self) | const-conn (connection from constants, not self.input) | no-depends (no
// depends_on) | objects (the locals as nested objects, the design before the JSON texts) |
// decoded (the texts decoded into objects in the resource, the design before 2026-12-01's
// second change) | slim-desired (the profile's desired
// state without its site-wide and derivable fields: what a smaller value would save);
// `a+b` applies both. --plan-args: extra arguments of every timed plan (npm run plan plans
// this stack with -refresh=false). --floor: instead, a bare stand-in (32 terraform_data
// for_each blocks over locals maps of tiny strings) with as many instances as the stack
// has: Terraform's own cost.
import { helpFromHeader } from './help';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildApp } from '../src/app';
import { parseRoster, parseSite } from '../src/roster/load';
import { formatProblem } from '../src/roster/problems';
import { benchSiteYaml, generateRoster } from './roster-gen';
import { dynamic } from './cty';
import { terraformEnv } from '../src/plan/terraform';
import { previousShardLayout } from '../test/support/devvm-previous-layout';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
helpFromHeader(__filename);

export function synthDevvm(people: number): Json {
  const siteText = benchSiteYaml();
  const site = parseSite('site.yaml', siteText);
  if (!site.ok) throw new Error(site.problems.map(formatProblem).join('\n'));
  const roster = parseRoster('roster.yaml', stringify(generateRoster(people)), site.value);
  if (!roster.ok) throw new Error(roster.problems.map(formatProblem).join('\n'));
  const out = mkdtempSync(join(tmpdir(), 'devvm-variants-synth-'));
  try {
    buildApp({ roster: roster.value, site: site.value }, out, { configBaseCommit: false }).app.synth();
    return JSON.parse(readFileSync(join(out, 'stacks/workstations-devvm/cdk.tf.json'), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The stack's per-person blocks (`account_<h>`, `profile_<h>`) with their kind and their locals map's name. */
function shardBlocks(tf: Json): { name: string; kind: 'account' | 'profile'; block: Json; local: string }[] {
  return Object.entries(tf.resource.terraform_data as Record<string, Json>).flatMap(([name, block]) => {
    const m = /^(account|profile)_[0-9a-f]$/.exec(name);
    return m ? [{ name, kind: m[1] as 'account' | 'profile', block, local: /^\$\{local\.(\w+)\}$/.exec(block.for_each)![1] }] : [];
  });
}

export const VARIANTS: Record<string, (tf: Json) => void> = {
  'as-is': () => {},
  unsharded: (tf) => {
    const data = tf.resource.terraform_data;
    for (const { name, kind, block, local } of shardBlocks(tf)) {
      const merged = `${kind}s`;
      tf.locals[merged] = { ...(tf.locals[merged] ?? {}), ...tf.locals[local] };
      delete tf.locals[local];
      data[kind] = { ...block, for_each: `\${local.${merged}}` };
      delete data[name];
    }
    data.accounts_ready.depends_on = ['terraform_data.account'];
    delete tf.moved;
  },
  'no-moved': (tf) => {
    delete tf.moved;
  },
  'no-prov': (tf) => {
    for (const r of Object.values(tf.resource.terraform_data) as Json[]) {
      delete r.provisioner;
      delete r.connection;
    }
  },
  'no-self': (tf) => {
    for (const r of Object.values(tf.resource.terraform_data) as Json[]) {
      for (const p of r.provisioner ?? []) for (const body of Object.values(p) as Json[]) if (body.inline) body.inline = body.inline.map(() => 'true');
    }
  },
  'const-conn': (tf) => {
    for (const r of Object.values(tf.resource.terraform_data) as Json[]) {
      if (!r.connection || !r.input || typeof r.input !== 'object') continue; // an account's input is JSON text
      for (const k of ['host', 'port', 'user', 'host_key']) r.connection[k] = r.input[k];
    }
  },
  'no-depends': (tf) => {
    for (const r of Object.values(tf.resource.terraform_data) as Json[]) delete r.depends_on;
  },
  // The design before the JSON-text locals: nested objects in locals, each.value in the resource.
  objects: (tf) => {
    for (const { kind, block, local } of shardBlocks(tf)) {
      tf.locals[local] = Object.fromEntries(Object.entries(tf.locals[local] as Record<string, string>).map(([k, v]) => [k, JSON.parse(v)]));
      if (kind === 'account') {
        block.input = '${each.value}';
        block.triggers_replace.uid = '${each.value.account.uid}';
      } else block.triggers_replace.desired = '${each.value}';
    }
  },
  // The design before the texts stayed JSON text in the resource (until 2026-12-01): each
  // decoded into an object (`jsondecode(each.value)`), so the state held nested objects
  // (test/support/devvm-previous-layout.ts, the layout the upgrade tests apply).
  decoded: (tf) => {
    Object.assign(tf, previousShardLayout(tf));
  },
  'slim-desired': (tf) => {
    for (const { kind, local } of shardBlocks(tf)) {
      if (kind !== 'profile') continue;
      tf.locals[local] = Object.fromEntries(Object.entries(tf.locals[local] as Record<string, string>).map(([k, v]) => {
        const d = JSON.parse(v);
        for (const f of ['shell', 'home', 'email', 'webKey', 'legacy', 'units']) delete d[f];
        d.infra = { unlocked: d.infra.unlocked };
        d.kubeconfig = { defaultNamespace: d.kubeconfig.defaultNamespace };
        if (d.claudeAuth) d.claudeAuth = { secretPath: d.claudeAuth.secretPath };
        return [k, JSON.stringify(d)];
      }));
    }
  },
};

export function run(dir: string, args: string[]): { seconds: number; cpu: number; out: string } {
  // As `npm run plan` runs terraform (GOGC included: set GOGC to compare another value).
  const env = { ...terraformEnv(), TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', 'terraform', ...args, '-no-color'], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0 && r.status !== 2) throw new Error(`terraform ${args.join(' ')}: ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  const [s, u, sy] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { seconds: s, cpu: u + sy, out: r.stdout };
}


export function stateFromPlan(planJson: string): string {
  const plan = JSON.parse(planJson);
  const byName = new Map<string, Json[]>();
  for (const r of plan.planned_values.root_module.resources ?? []) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  let n = 0;
  const resources = [...byName].map(([name, instances]) => ({
    mode: 'managed', type: 'terraform_data', name, provider: 'provider["terraform.io/builtin/terraform"]',
    instances: instances.map((r) => ({
      ...(r.index !== undefined ? { index_key: r.index } : {}),
      schema_version: 0,
      attributes: { id: `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`, input: dynamic(r.values.input), output: dynamic(r.values.input), triggers_replace: dynamic(r.values.triggers_replace) },
      sensitive_attributes: [],
    })),
  }));
  return JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: '00000000-0000-0000-0000-000000000000', outputs: {}, resources, check_results: null });
}

/** --plan-args: extra arguments of every timed plan. */
const PLAN_ARGS = (option('plan-args') ?? '').split(/[ ,]+/).filter(Boolean);

export function noopPlan(tf: Json, reps = 1): { seconds: number[]; cpu: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'devvm-variant-'));
  try {
    delete tf.terraform?.backend;
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(tf));
    run(dir, ['init', '-input=false']);
    run(dir, ['plan', '-input=false', '-lock=false', '-out=first']);
    const show = spawnSync('terraform', ['show', '-json', 'first'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
    writeFileSync(join(dir, 'terraform.tfstate'), stateFromPlan(show.stdout));
    const seconds: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const p = run(dir, ['plan', '-input=false', '-lock=false', '-detailed-exitcode', ...PLAN_ARGS]);
      if (!p.out.includes('No changes.')) throw new Error(`not a no-op:\n${p.out.slice(0, 3000)}`);
      seconds.push(p.seconds);
      cpu.push(p.cpu);
    }
    return { seconds, cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Bare for_each blocks over locals maps of `n` tiny strings in all, 32 of them as the
 * stack has (16 shards per kind): Terraform's own cost per instance. (In ONE block the
 * same instances plan about 3.5x slower: Terraform's cost grows with each block's size.)
 */
function floorConfig(n: number): Json {
  const blocks = 32;
  const locals: Json = {};
  const data: Json = {};
  for (let b = 0; b < blocks; b++) {
    locals[`m${b}`] = Object.fromEntries(Array.from({ length: Math.ceil((n - b) / blocks) }, (_, i) => [`k${b + i * blocks}`, `v${b + i * blocks}`]));
    data[`r${b}`] = { for_each: `\${local.m${b}}`, triggers_replace: { desired: '${each.value}' } };
  }
  return { locals, resource: { terraform_data: data } };
}

if (require.main === module) {
  const sizes = (option('sizes') ?? '300,1000').split(',').map(Number);
  const variants = (option('variants') ?? Object.keys(VARIANTS).join(',')).split(',');
  const reps = Number(option('reps') ?? 1);
  mkdirSync(tmpdir(), { recursive: true });
  for (const size of sizes) {
    const base = synthDevvm(size);
    if (process.argv.includes('--floor')) {
      const n = Object.values(base.locals as Record<string, Json>).reduce((sum, m) => sum + Object.keys(m).length, 0) + 3;
      const r = noopPlan(floorConfig(n), reps);
      console.log(`${size} people  floor: ${n} bare instances, no-op plan ${r.seconds.map((x) => x.toFixed(2)).join('/')} s  cpu ${r.cpu.map((x) => x.toFixed(2)).join('/')} s`);
      continue;
    }
    for (const v of variants) {
      const tf = structuredClone(base);
      for (const part of v.split('+')) VARIANTS[part](tf);
      const r = noopPlan(tf, reps);
      console.log(`${size} people  ${v.padEnd(14)} no-op plan ${r.seconds.map((s) => s.toFixed(2)).join('/')} s  cpu ${r.cpu.map((s) => s.toFixed(2)).join('/')} s`);
    }
  }
}
