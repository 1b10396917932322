// Test helpers: example inputs and one-call validation that returns formatted problem lines.
// The example inputs are the test fixtures (test/fixtures/), never the live roster/: the
// admin edits the live files, and that must not change what the tests see.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inputs, parseRoster, parseSite } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import type { Site } from '../../src/roster/site-schema';

export const REPO_ROOT = join(__dirname, '..', '..');
/** The fixture files, relative to the repository root (also the file names in their problem lines). */
export const FIXTURE_ROSTER = 'test/fixtures/roster.yaml';
export const FIXTURE_SITE = 'test/fixtures/site.yaml';
/** The example cast (wizard, emo, ancamilea, gheorghe): started as a copy of the live roster. */
export const EXAMPLE_ROSTER_TEXT = readFileSync(join(REPO_ROOT, FIXTURE_ROSTER), 'utf8');
export const EXAMPLE_SITE_TEXT = readFileSync(join(REPO_ROOT, FIXTURE_SITE), 'utf8');

export function exampleSite(): Site {
  const r = parseSite(FIXTURE_SITE, EXAMPLE_SITE_TEXT);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.value;
}

export function exampleInputs(): Inputs {
  const site = exampleSite();
  const r = parseRoster(FIXTURE_ROSTER, EXAMPLE_ROSTER_TEXT, site);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return { roster: r.value, site };
}

/**
 * Problem lines for a roster text (empty when valid), checked against the example site.
 * The lines name the file `roster/roster.yaml`, as an admin sees them from `validate`.
 */
export function rosterProblems(text: string, site: Site = exampleSite()): string[] {
  const r = parseRoster('roster/roster.yaml', text, site);
  return r.problems.map(formatProblem);
}

export function siteProblems(text: string): string[] {
  return parseSite('roster/site.yaml', text).problems.map(formatProblem);
}

/** Strips a common indentation so YAML fixtures can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
