// bin/launch.js: runs a TypeScript entry of the repository from a cached esbuild bundle. The
// entry sees its own argv, each bundled module keeps its own __dirname, a .ts file required
// at run time is compiled on its own, an edited source is rebuilt, and anything that is not
// a TypeScript file of the repository is refused. Fixtures live in a fresh directory under
// dist/ (inside the repository, ignored by git), removed afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/inputs';

const dir = mkdtempSync(join(REPO_ROOT, 'dist', 'launch-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(REPO_ROOT, 'dist', 'launch', relative(join(REPO_ROOT, 'dist'), dir)), { recursive: true, force: true });
});

const launch = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'launch.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

beforeAll(() => {
  writeFileSync(join(dir, 'where.ts'), 'export const here: string = __dirname;\nexport const version = 1;\n');
  writeFileSync(join(dir, 'late.ts'), 'export const late: string = __filename;\n');
  writeFileSync(
    join(dir, 'entry.ts'),
    [
      "import { here, version } from './where';",
      // A path esbuild cannot follow at build time: required at run time, as the Claude layer's are.
      "const late = (require(require('node:path').join(__dirname, 'late')) as { late: string }).late;",
      'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), here, version, late, file: __filename }));',
      '',
    ].join('\n'),
  );
});

test('the entry sees [node, entry, ...args]; bundled and late-required modules keep their own paths', () => {
  const r = launch('entry.ts', '--flag', 'x');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ argv: [join(dir, 'entry.ts'), '--flag', 'x'], here: dir, version: 1, late: join(dir, 'late.ts'), file: join(dir, 'entry.ts') });
});

test('an edited source is rebuilt; an unchanged one reuses the bundle', () => {
  expect(JSON.parse(launch('entry.ts').stdout).version).toBe(1);
  const record = join(REPO_ROOT, 'dist', 'launch', relative(REPO_ROOT, dir), 'entry.js.json');
  const before = readFileSync(record, 'utf8');
  expect(JSON.parse(launch('entry.ts').stdout).version).toBe(1);
  expect(readFileSync(record, 'utf8')).toBe(before);
  writeFileSync(join(dir, 'where.ts'), 'export const here: string = __dirname;\nexport const version = 2;\n');
  expect(JSON.parse(launch('entry.ts').stdout).version).toBe(2);
  expect(readFileSync(record, 'utf8')).not.toBe(before);
});

test('refuses what is not a TypeScript file of the repository, with exit 2', () => {
  for (const bad of ['/etc/hostname', join(dir, 'missing.ts'), join(REPO_ROOT, 'package.json')]) {
    const r = launch(bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: ${bad}: not a TypeScript file of this repository\n`);
  }
});

test('a source that does not compile: esbuild names the line, nothing runs, exit 2', () => {
  writeFileSync(join(dir, 'broken.ts'), 'const x: number = ;\n');
  const r = launch('broken.ts');
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('broken.ts:1:18');
  expect(r.stderr).toContain('error: broken.ts: not bundled (1 error(s) above)');
});

test('--help prints the usage (exit 0); no arguments print it with exit 2', () => {
  const help = launch('--help');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^usage: node bin\/launch.js <entry.ts> \[args...\]/);
  const none = launch();
  expect(none.status).toBe(2);
  expect(none.stdout).toBe(help.stdout);
});
