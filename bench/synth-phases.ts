// Phase timings of the project's synth, in one process, for one generated roster size:
//   tsx bench/synth-phases.ts [people=1000] [--no-source-maps]
// Prints the time of each phase of bin/synth.ts (module loading, loadInputs, the agent
// bundle, buildApp, app.synth, resourceCountsByPerson + peopleTable) and the RSS after
// each. --no-source-maps turns off the source-mapped stack traces that tsx enables
// (cdktf captures a full stack trace for every token it creates). Used to find what to
// fix when `npm run bench` misses a goal (docs/bench.md).
import { helpFromHeader } from './help';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

helpFromHeader(__filename);

const t0 = performance.now();
const rows: [string, number, number][] = [];
let last = t0;
function phase(name: string): void {
  const now = performance.now();
  rows.push([name, now - last, process.memoryUsage().rss / 2 ** 20]);
  last = now;
}

const args = process.argv.slice(2);
if (args.includes('--no-source-maps')) process.setSourceMapsEnabled(false);
const people = Number(args.find((a) => !a.startsWith('--')) ?? 1000);
const { benchSiteYaml, localConfigBase, rosterYaml } = require('./roster-gen') as typeof import('./roster-gen');
phase('load roster generator');
const { buildApp, resourceCountsByPerson } = require('../src/app') as typeof import('../src/app');
phase('load src/app (cdktf, providers, stacks)');
const { loadInputs } = require('../src/roster/load') as typeof import('../src/roster/load');
const { peopleTable } = require('../src/report/people') as typeof import('../src/report/people');
phase('load roster loader and report');

const work = mkdtempSync(join(tmpdir(), 'synth-phases-'));
try {
  const roster = join(work, 'roster.yaml');
  writeFileSync(roster, rosterYaml(people));
  phase(`generate roster (${people} people)`);
  const site = join(work, 'site.yaml');
  writeFileSync(site, benchSiteYaml(undefined, localConfigBase(join(work, 'config-base'), 'master')));
  const inputs = loadInputs(roster, site);
  phase('loadInputs (parse + validate)');
  // The devvm agent bundle (esbuild, once per process), when this version of the app has one.
  const bundleModule = resolve(__dirname, '../src/devvm/agent-bundle.ts');
  if (existsSync(bundleModule)) {
    (require(bundleModule) as { buildAgentBundle: () => unknown }).buildAgentBundle();
    phase('buildAgentBundle (esbuild)');
  }
  const built = buildApp(inputs, join(work, 'out'));
  phase('buildApp (derive + constructs, both stacks)');
  built.app.synth();
  phase('app.synth()');
  const table = peopleTable(built.desired, resourceCountsByPerson(built));
  phase(`resourceCountsByPerson + peopleTable (${table.length} chars)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const width = Math.max(...rows.map((r) => r[0].length));
process.stdout.write(`process uptime before the first phase: ${(process.uptime() * 1000 - (performance.now() - t0)).toFixed(0)} ms (node + tsx start)\n`);
for (const [name, ms, rss] of rows) process.stdout.write(`${name.padEnd(width)}  ${ms.toFixed(0).padStart(6)} ms  rss ${rss.toFixed(0)} MB\n`);
process.stdout.write(`${'total (in process)'.padEnd(width)}  ${(performance.now() - t0).toFixed(0).padStart(6)} ms\n`);
