// Tests own their fixtures: an admin's real roster change (onboard, offboard, park,
// promote) must never turn the suite red. The example inputs come from test/fixtures/,
// and any read of the live roster/roster.yaml or roster/site.yaml, here or in a command a
// test starts, throws (test/support/live-inputs-guard.js, installed by jest.config.js).
import { readFileSync, readdirSync, statSync, promises as fsp } from 'node:fs';
import { join, relative } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, FIXTURE_ROSTER, FIXTURE_SITE, REPO_ROOT } from '../support/inputs';
import { LIVE_INPUTS } from '../support/live-inputs-guard';
import { runBin } from '../support/run';

const REFUSED = /tests must not read the live roster\/(roster|site)\.yaml: use the fixtures in test\/fixtures\//;

test('the example inputs are the fixture files under test/', () => {
  expect(FIXTURE_ROSTER).toBe('test/fixtures/roster.yaml');
  expect(FIXTURE_SITE).toBe('test/fixtures/site.yaml');
  expect(EXAMPLE_ROSTER_TEXT).toBe(readFileSync(join(REPO_ROOT, FIXTURE_ROSTER), 'utf8'));
  expect(EXAMPLE_SITE_TEXT).toBe(readFileSync(join(REPO_ROOT, FIXTURE_SITE), 'utf8'));
});

describe.each(LIVE_INPUTS)('reading the live %s in a test', (file) => {
  const absolute = join(REPO_ROOT, file);

  test('throws, by absolute or relative path', () => {
    expect(() => readFileSync(absolute, 'utf8')).toThrow(REFUSED);
    expect(() => readFileSync(relative(process.cwd(), absolute))).toThrow(REFUSED);
    expect(() => readFileSync(new URL(`file://${absolute}`))).toThrow(REFUSED);
  });

  test('throws through the promise API', async () => {
    await expect(fsp.readFile(absolute, 'utf8')).rejects.toThrow(REFUSED);
  });
});

test('a command started with its default paths from the repository root cannot read them either', () => {
  const r = runBin('validate', [], { cwd: REPO_ROOT });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(REFUSED);
});

test('the example inputs ignore ROSTER and SITE', () => {
  const saved = { ROSTER: process.env.ROSTER, SITE: process.env.SITE };
  process.env.ROSTER = '/nonexistent/roster.yaml';
  process.env.SITE = '/nonexistent/site.yaml';
  try {
    jest.isolateModules(() => {
      const { exampleInputs } = require('../support/inputs') as typeof import('../support/inputs');
      expect(Object.keys(exampleInputs().roster.people)).toEqual(['wizard', 'emo', 'ancamilea', 'gheorghe']);
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('only the schema-modeline check reads a live file past the guard', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
  const callers = files(join(REPO_ROOT, 'test'))
    .filter((f) => /\.(ts|js)$/.test(f) && !/live-inputs-guard\.(js|d\.ts)$/.test(f) && f !== __filename)
    .filter((f) => readFileSync(f, 'utf8').includes('readLiveInput('))
    .map((f) => relative(REPO_ROOT, f));
  expect(callers).toEqual(['test/unit/json-schema.test.ts']);
});
