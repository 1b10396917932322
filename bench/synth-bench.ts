// npm run bench: synth wall time and peak memory of the project's synth command against
// a `cdktf init`-style baseline, for generated rosters of 10, 100 and 1000 people.
// A benchmark, not a test: it prints figures and whether the goals are met, and exits 0
// either way (non-zero only when a run fails or the two outputs differ).
//
//   (a) project:  node bin/launch.js bin/synth.ts   (what `npm run synth` runs)
//   (b) baseline: node <ts-node bin> bench/baseline/main.ts
//                 (ts-node with type-checking, providers imported from their root index)
//
// Each run is a child process under GNU time (`/usr/bin/time -f '%e %M %U %S'`): wall
// seconds, CPU seconds and the kernel's peak RSS of the largest process of the command (for (a) the synth
// process; for (b) the one ts-node process). The runner also samples /proc every 20 ms for
// the summed RSS of all processes of the command (the esbuild service when the bundle is
// rebuilt, cdktf's `terraform version` probes in (b)): the "all procs" figure.
// (a) and (b) run alternately (order flipped every repetition); medians are reported.
// Both must write byte-identical stacks/*/cdk.tf.json, or the comparison is void.
// Docs: docs/bench.md.
//
// Other load: before each run the runner waits (at most --busy-wait s) until other work
// uses less than --max-busy cores; after it, it computes how many cores other work used
// DURING the run (machine CPU time from /proc/stat minus the run's own) and retries the
// run (at most --retries times, keeping the least disturbed attempt) when that exceeds
// --max-busy-during. Every run's figure is printed with the load it saw.
//
// Options: --sizes 10,100,1000  --reps 3  --max-busy 0.5  --busy-wait 300
// --max-busy-during 0.5  --retries 3  --only project|baseline  --keep (keep the temp
// dir)  --json FILE (write every run's raw figures)  --project-cmd 'SHELL COMMAND'
// (measure that instead of (a), e.g. a candidate fix; it gets the same ROSTER, SITE
// and CDKTF_OUTDIR and must write the same output)
import { helpFromHeader } from './help';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { BENCH_BASE_SITE, benchSiteYaml, localConfigBase, rosterYaml } from './roster-gen';

helpFromHeader(__filename);

const ROOT = resolve(__dirname, '..');
/** The tests' site, never the live roster/site.yaml (bench/roster-gen.ts). */
const EXAMPLE_SITE = BENCH_BASE_SITE;
const GNU_TIME = '/usr/bin/time';
/** Every stack's Terraform JSON, relative to the outdir: `stacks/<stack>/cdk.tf.json`. */
const STACK_JSON = 'stacks/*/cdk.tf.json';

/** Goals of issue 4 for the project's synth at the largest size. */
const GOAL = { people: 1000, seconds: 3, mb: 400, speedup: 3 };

type Kind = 'project' | 'baseline';

interface Options {
  sizes: number[];
  reps: number;
  maxBusy: number;
  busyWait: number;
  maxBusyDuring: number;
  retries: number;
  only?: Kind;
  /** Measure this shell command as (a) instead of the project's synth (to try a fix). */
  projectCmd?: string;
  keep: boolean;
  json?: string;
}

interface Run {
  kind: Kind;
  people: number;
  rep: number;
  seconds: number;
  /** User + system CPU seconds of all processes of the command (more than `seconds` when it uses several threads). */
  cpuSeconds: number;
  /** Peak RSS of the largest process (GNU time %M), MB. */
  mb: number;
  /** Peak of the summed RSS of all processes of the command (sampled every 20 ms; at least `mb`), MB. */
  mbAll: number;
  /** Cores busy with other work just before the run, and the 1-minute load average. */
  busyBefore: number;
  /** Cores used by other work DURING the run: machine CPU time minus the run's own, over its wall time. */
  othersDuring: number;
  /** Attempts discarded because other work interfered more than --max-busy-during. */
  discarded: number;
  load1: number;
  outdir: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [10, 100, 1000], reps: 3, maxBusy: 0.5, busyWait: 300, maxBusyDuring: 0.5, retries: 3, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = val().split(',').map(Number);
    else if (a === '--reps') o.reps = Number(val());
    else if (a === '--max-busy') o.maxBusy = Number(val());
    else if (a === '--busy-wait') o.busyWait = Number(val());
    else if (a === '--max-busy-during') o.maxBusyDuring = Number(val());
    else if (a === '--retries') o.retries = Number(val());
    else if (a === '--only') o.only = val() as Kind;
    else if (a === '--project-cmd') o.projectCmd = val();
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = val();
    else throw new Error(`unknown option ${a} (see the header of bench/synth-bench.ts)`);
  }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 3)) throw new Error('--sizes: integers >= 3');
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps: an integer >= 1');
  if (o.only && o.only !== 'project' && o.only !== 'baseline') throw new Error('--only: project or baseline');
  return o;
}

function binOf(pkg: string, name: string): string {
  const manifestPath = require.resolve(`${pkg}/package.json`, { paths: [ROOT] });
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: string | Record<string, string> };
  const rel = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  return join(dirname(manifestPath), rel);
}

function command(kind: Kind, o: Options): string[] {
  if (kind === 'project' && o.projectCmd) return ['/bin/sh', '-c', o.projectCmd];
  if (kind === 'project') return [process.execPath, 'bin/launch.js', 'bin/synth.ts'];
  // ts-node's default: type-checking on. -P makes the tsconfig explicit (ts-node would
  // find bench/baseline/tsconfig.json next to the script anyway).
  return [process.execPath, binOf('ts-node', 'ts-node'), '-P', 'bench/baseline/tsconfig.json', 'bench/baseline/main.ts'];
}

/** Environment of a run: the runner's, minus anything that could change how the project or ts-node compile. */
function childEnv(roster: string, site: string, outdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TS_NODE_') || k.startsWith('TSX_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ROSTER: roster, SITE: site, CDKTF_OUTDIR: outdir };
}

// ---- /proc helpers -------------------------------------------------------------------

function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // exited meanwhile
    }
    for (const k of kids) {
      out.push(k);
      stack.push(k);
    }
  }
  return out;
}

function vmRssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function cpuJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** USER_HZ: /proc/stat counts in 1/100 s on Linux. */
const CLOCK_TICKS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Cores busy right now (measured over `ms`), while this runner itself is idle. */
async function busyCores(ms = 1000): Promise<number> {
  const a = cpuJiffies();
  await sleep(ms);
  const b = cpuJiffies();
  return ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * cpus().length;
}

/** Waits (at most busyWait s) until other work uses less than maxBusy cores. */
async function waitForQuiet(o: Options): Promise<number> {
  const deadline = Date.now() + o.busyWait * 1000;
  let busy = await busyCores();
  let warned = false;
  while (busy > o.maxBusy && Date.now() < deadline) {
    if (!warned) process.stderr.write(`  (machine busy: ${busy.toFixed(2)} cores in use by others; waiting up to ${o.busyWait}s for < ${o.maxBusy})\n`);
    warned = true;
    await sleep(4000);
    busy = await busyCores();
  }
  if (busy > o.maxBusy) process.stderr.write(`  (still busy: ${busy.toFixed(2)} cores; measuring anyway)\n`);
  return busy;
}

// ---- one measured run ----------------------------------------------------------------

async function measure(kind: Kind, people: number, rep: number, roster: string, work: string, o: Options): Promise<Run> {
  const busyBefore = await waitForQuiet(o);
  const load1 = loadavg()[0];
  const outdir = join(work, `${people}`, `${kind}-${rep}`);
  mkdirSync(dirname(outdir), { recursive: true });
  const timeFile = `${outdir}.time`;
  const [exe, ...args] = command(kind, o);
  const cpuBefore = cpuJiffies();
  const child = spawn(GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, exe, ...args], {
    cwd: ROOT,
    env: childEnv(roster, join(dirname(roster), 'site.yaml'), outdir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

  // Sum of the RSS of every live process under GNU time, sampled every 20 ms.
  let treePeakKb = 0;
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    let kb = 0;
    for (const pid of descendants(child.pid)) kb += vmRssKb(pid) ?? 0;
    treePeakKb = Math.max(treePeakKb, kb);
  }, 20);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearInterval(sampler);
  const cpuAfter = cpuJiffies();

  if (code !== 0) {
    throw new Error(`${kind} synth of ${people} people failed (exit ${code}):\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`);
  }
  const [e, m, u, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const machineCpuSeconds = (cpuAfter.busy - cpuBefore.busy) / CLOCK_TICKS;
  const othersDuring = Math.max(0, (machineCpuSeconds - (u + sys)) / Math.max(e, 0.01));
  return { kind, people, rep, seconds: e, cpuSeconds: u + sys, mb: m / 1024, mbAll: Math.max(m, treePeakKb) / 1024, busyBefore, othersDuring, discarded: 0, load1, outdir };
}

/**
 * A measured run that other work did not disturb much: retried (at most --retries times)
 * while other processes used more than --max-busy-during cores during it; keeps the
 * least disturbed attempt.
 */
async function measureQuietly(kind: Kind, people: number, rep: number, roster: string, work: string, o: Options): Promise<Run> {
  let best: Run | undefined;
  let attempts = 0;
  while (attempts <= o.retries) {
    const r = await measure(kind, people, rep, roster, work, o);
    attempts++;
    if (best === undefined || r.othersDuring < best.othersDuring) best = r;
    if (r.othersDuring <= o.maxBusyDuring) break;
    if (attempts <= o.retries) {
      process.stderr.write(`  (${kind}, ${people} people, rep ${rep}: other work used ${r.othersDuring.toFixed(2)} cores during the run (${r.seconds.toFixed(2)} s); retrying)\n`);
    }
  }
  return { ...best!, discarded: attempts - 1 };
}

// ---- report --------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function stackJsons(outdir: string): Map<string, Buffer> {
  const stacks = join(outdir, 'stacks');
  const files = new Map<string, Buffer>();
  for (const stack of readdirSync(stacks).sort()) {
    const file = join(stacks, stack, 'cdk.tf.json');
    if (existsSync(file)) files.set(stack, readFileSync(file));
  }
  return files;
}

function differingStacks(a: Run, b: Run): string[] {
  const x = stackJsons(a.outdir);
  const y = stackJsons(b.outdir);
  return [...new Set([...x.keys(), ...y.keys()])].filter((stack) => !(x.get(stack) && y.get(stack)?.equals(x.get(stack)!)));
}

/** Same stacks, byte-identical cdk.tf.json for each. */
function sameStackJson(a: Run, b: Run): boolean {
  const x = stackJsons(a.outdir);
  const y = stackJsons(b.outdir);
  return x.size > 0 && x.size === y.size && [...x].every(([stack, bytes]) => y.get(stack)?.equals(bytes) === true);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed: apt-get install time`);
  const kinds: Kind[] = o.only ? [o.only] : ['project', 'baseline'];
  const work = mkdtempSync(join(tmpdir(), 'synth-bench-'));
  const runs: Run[] = [];
  const started = new Date();
  process.stderr.write(`synth bench: sizes ${o.sizes.join(', ')}, ${o.reps} repetition(s), ${kinds.join(' vs ')}; node ${process.version}, ${cpus().length} cores; work dir ${work}\n`);
  try {
    // Warm-up (not reported): builds bin/launch.js's bundle and fills the page cache, as on a
    // developer's machine after the first `npm run synth`.
    const exampleSite = readFileSync(EXAMPLE_SITE, 'utf8');
    const branch = String((parseDocument(exampleSite).getIn(['config_base', 'branch']) as string | undefined) ?? 'master');
    writeFileSync(join(work, 'site.yaml'), benchSiteYaml(exampleSite, localConfigBase(join(work, 'config-base'), branch)));
    const warmRoster = join(work, 'warmup.yaml');
    writeFileSync(warmRoster, rosterYaml(o.sizes[0]));
    for (const kind of kinds) await measure(kind, o.sizes[0], 0, warmRoster, join(work, 'warmup'), o);

    for (const people of o.sizes) {
      const roster = join(work, `roster-${people}.yaml`);
      writeFileSync(roster, rosterYaml(people));
      for (let rep = 1; rep <= o.reps; rep++) {
        // Alternate, and flip the order each repetition so neither always runs first.
        const order = rep % 2 === 1 ? kinds : [...kinds].reverse();
        for (const kind of order) {
          const r = await measureQuietly(kind, people, rep, roster, work, o);
          runs.push(r);
          process.stderr.write(
            `  ${String(people).padStart(5)} people  ${kind.padEnd(8)} rep ${rep}: ${r.seconds.toFixed(2)} s (cpu ${r.cpuSeconds.toFixed(2)} s), ${r.mb.toFixed(0)} MB (all procs ${r.mbAll.toFixed(0)} MB)  [others: ${r.busyBefore.toFixed(2)} cores before, ${r.othersDuring.toFixed(2)} during${r.discarded ? `, ${r.discarded} noisier attempt(s) discarded` : ''}; load1 ${r.load1.toFixed(2)}]\n`,
          );
        }
      }
    }
    report(o, runs, kinds, started);
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ started: started.toISOString(), cores: cpus().length, node: process.version, runs }, null, 2)}\n`);
  } finally {
    if (o.keep) process.stderr.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function report(o: Options, runs: Run[], kinds: Kind[], started: Date): void {
  const of = (kind: Kind, people: number) => runs.filter((r) => r.kind === kind && r.people === people);
  const fmt = (n: number | undefined, d: number) => (n === undefined ? '-' : n.toFixed(d));
  const med = (rs: Run[], f: (r: Run) => number) => (rs.length ? median(rs.map(f)) : undefined);

  const rows = o.sizes.map((people) => {
    const p = of('project', people);
    const b = of('baseline', people);
    const ps = med(p, (r) => r.seconds);
    const bs = med(b, (r) => r.seconds);
    return [
      String(people),
      fmt(ps, 2),
      fmt(med(p, (r) => r.cpuSeconds), 2),
      fmt(med(p, (r) => r.mb), 0),
      fmt(med(p, (r) => r.mbAll), 0),
      fmt(bs, 2),
      fmt(med(b, (r) => r.cpuSeconds), 2),
      fmt(med(b, (r) => r.mb), 0),
      ps !== undefined && bs !== undefined ? `${(bs / ps).toFixed(1)}x` : '-',
    ];
  });
  const busy = runs.map((r) => r.busyBefore);
  const loads = runs.map((r) => r.load1);
  const out: string[] = [];
  out.push('');
  out.push(`synth benchmark, ${started.toISOString()}, node ${process.version}, ${cpus().length} cores; median of ${o.reps} run(s) each, (a) and (b) alternating`);
  const during = runs.map((r) => r.othersDuring);
  const discarded = runs.reduce((n, r) => n + r.discarded, 0);
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} (median ${median(xs).toFixed(2)})`;
  out.push(`load: other work used ${range(during)} cores DURING the kept runs, ${range(busy)} just before them; ${discarded} disturbed attempt(s) retried and discarded`);
  out.push(`      1-min load average ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} at the start of the runs (includes this benchmark's own runs)`);
  out.push('');
  out.push(
    table(['people', 'project s', 'project cpu s', 'project MB', 'project MB all procs', 'baseline s', 'baseline cpu s', 'baseline MB', 'ratio (baseline s / project s)'], rows),
  );
  out.push('');
  out.push(`project  = ${o.projectCmd ? `sh -c '${o.projectCmd}' (--project-cmd)` : 'node bin/launch.js bin/synth.ts (npm run synth)'}; baseline = ts-node (type-checking) + root provider imports, bench/baseline/main.ts`);
  out.push('s = wall seconds; cpu s = user + system CPU seconds of all its processes and threads (less sensitive to other load)');
  out.push("MB = peak RSS of the largest process (GNU time %M); 'all procs' = peak of the summed RSS of every process of the command (sampled every 20 ms): esbuild service (bundle rebuilds), cdktf's `terraform version` probes");

  if (kinds.length === 2) {
    // Fairness: (a) and (b) of the same repetition ran back to back on the same sources,
    // so they must agree byte for byte. Across repetitions the output may legitimately
    // change when someone edits the sources meanwhile (e.g. agent/, whose bundle hash is
    // in the devvm stack): reported, but not a failure.
    const pairs = o.sizes.flatMap((people) =>
      Array.from({ length: o.reps }, (_, i) => i + 1).map((rep) => {
        const p = runs.find((r) => r.kind === 'project' && r.people === people && r.rep === rep);
        const b = runs.find((r) => r.kind === 'baseline' && r.people === people && r.rep === rep);
        return { people, rep, p, b, identical: p !== undefined && b !== undefined && sameStackJson(p, b) };
      }),
    );
    const unequal = pairs.filter((x) => !x.identical);
    const stacks = [...stackJsons(runs[0].outdir).keys()].join(', ');
    if (unequal.length === 0) {
      out.push(`outputs: in every repetition (${o.sizes.join(', ')} people) project and baseline wrote byte-identical ${STACK_JSON} (${stacks}): the comparison is fair`);
    } else {
      const which = unequal.map((x) => `${x.people} people rep ${x.rep}${x.p && x.b ? ` (${differingStacks(x.p, x.b).join(', ')})` : ''}`);
      out.push(`outputs DIFFER between project and baseline: ${which.join('; ')}`);
      process.exitCode = 1;
    }
    const drifted = o.sizes.filter((people) =>
      kinds.some((kind) => {
        const same = of(kind, people);
        return same.some((r) => !sameStackJson(r, same[0]));
      }),
    );
    if (drifted.length > 0) {
      out.push(`note: the output changed between repetitions for ${drifted.map((n) => `${n} people`).join(', ')}: the sources changed while the benchmark ran`);
    }
  }

  const goalPeople = o.sizes.includes(GOAL.people) ? GOAL.people : Math.max(...o.sizes);
  const p = of('project', goalPeople);
  const b = of('baseline', goalPeople);
  out.push('');
  out.push(`goals (${goalPeople} people${goalPeople === GOAL.people ? '' : `; the goals are stated for ${GOAL.people}`}):`);
  const mark = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'MET' : 'NOT MET');
  const ps = med(p, (r) => r.seconds);
  const pm = med(p, (r) => r.mb);
  const pmAll = med(p, (r) => r.mbAll);
  const bs = med(b, (r) => r.seconds);
  const goal = (label: string, value: string, ok: boolean | undefined, extra = '') => out.push(`  ${label.padEnd(40)} ${value.padStart(8)}  -> ${mark(ok)}${extra}`);
  goal(`synth wall time at most ${GOAL.seconds} s`, `${fmt(ps, 2)} s`, ps === undefined ? undefined : ps <= GOAL.seconds);
  goal(`peak RSS at most ${GOAL.mb} MB`, `${fmt(pm, 0)} MB`, pm === undefined ? undefined : pm <= GOAL.mb, `  (all processes: ${fmt(pmAll, 0)} MB -> ${mark(pmAll === undefined ? undefined : pmAll <= GOAL.mb)})`);
  goal(
    `at least ${GOAL.speedup}x faster than the baseline`,
    ps !== undefined && bs !== undefined ? `${(bs / ps).toFixed(1)}x` : '-',
    ps === undefined || bs === undefined ? undefined : bs / ps >= GOAL.speedup,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
