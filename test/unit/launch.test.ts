// bin/launch.js: runs a TypeScript entry of the repository from a cached esbuild bundle. The
// entry sees its own argv, each bundled module keeps its own __dirname, a .ts file required
// at run time is compiled on its own, an edited source is rebuilt, npm packages are in the
// bundle and a changed package file rebuilds it too, the bundle runs with a V8 code cache,
// and anything that is not a TypeScript file of the repository is refused. Fixtures live in
// a fresh directory under dist/ (inside the repository, ignored by git), removed afterwards;
// the fixture package lives in its node_modules/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

/** Where launch.js keeps `entry`'s bundle, its record and its code caches. */
const outOf = (entry: string) => {
  const bundle = join(REPO_ROOT, 'dist', 'launch', relative(REPO_ROOT, dir), entry.replace(/\.ts$/, '.js'));
  const record = () => JSON.parse(readFileSync(`${bundle}.json`, 'utf8')) as { sha256: string };
  const caches = () => readdirSync(join(bundle, '..')).filter((n) => n.startsWith(`${entry.replace(/\.ts$/, '.js')}.`) && n.endsWith('.v8cache'));
  return { bundle, record, caches, cacheOfNow: () => `${bundle}.${record().sha256.slice(0, 16)}.v8cache` };
};

test('an npm package is in the bundle; a changed file of it rebuilds the bundle, even with its size and mtime kept', () => {
  const pkg = join(dir, 'node_modules', 'fixture-pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{ "name": "fixture-pkg", "version": "1.0.0", "main": "index.js" }\n');
  // A package file with a "use strict" and its own __dirname, as cdktf's lib/private/fs.js.
  const source = (word: string) => `'use strict';\nexports.word = '${word}';\nexports.strict = (function () { return this === undefined; })();\nexports.dir = __dirname;\n`;
  writeFileSync(join(pkg, 'index.js'), source('one'));
  // As npm leaves a package's files: one fixed mtime (1985-10-26 08:15 UTC) for all.
  const NPM_MTIME = 499162500;
  utimesSync(join(pkg, 'index.js'), NPM_MTIME, NPM_MTIME);
  writeFileSync(join(dir, 'pkg-entry.ts'), "import { word, strict, dir } from 'fixture-pkg';\nprocess.stdout.write(JSON.stringify({ word, strict, dir }));\n");
  expect(JSON.parse(launch('pkg-entry.ts').stdout)).toEqual({ word: 'one', strict: true, dir: pkg });
  const out = outOf('pkg-entry.ts');
  const bundle = readFileSync(out.bundle, 'utf8');
  expect(bundle).toMatch(/exports2?\.word = "one"/);
  expect(bundle).not.toContain('require("fixture-pkg")');
  // Same size, same inode, same mtime: only the ctime moves, and the bundle is rebuilt.
  const before = statSync(join(pkg, 'index.js'));
  writeFileSync(join(pkg, 'index.js'), source('two'));
  utimesSync(join(pkg, 'index.js'), NPM_MTIME, NPM_MTIME);
  const after = statSync(join(pkg, 'index.js'));
  expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
  expect(JSON.parse(launch('pkg-entry.ts').stdout).word).toBe('two');
});

test('the code cache: made by a run that succeeds, used by the next, replaced when the bundle is; a broken one costs only a compile', () => {
  writeFileSync(join(dir, 'cached.ts'), "process.stdout.write('cached ' + (process.argv[2] ?? ''));\nif (process.argv[2] === 'fail') process.exitCode = 3;\n");
  const out = outOf('cached.ts');
  // A failed run leaves no cache (it compiled less than a run that does its work).
  expect(launch('cached.ts', 'fail').status).toBe(3);
  expect(out.caches()).toEqual([]);
  expect(launch('cached.ts').stdout).toBe('cached ');
  expect(out.caches()).toEqual([out.cacheOfNow().split('/').pop()]);
  const made = readFileSync(out.cacheOfNow());
  expect(launch('cached.ts').stdout).toBe('cached ');
  expect(readFileSync(out.cacheOfNow())).toEqual(made); // accepted: not made again
  // Garbage in place of the cache: V8 rejects it, the run is as before, and the cache is made again.
  writeFileSync(out.cacheOfNow(), Buffer.alloc(made.length, 7));
  const again = launch('cached.ts', 'x');
  expect([again.status, again.stdout, again.stderr]).toEqual([0, 'cached x', '']);
  expect(readFileSync(out.cacheOfNow())).not.toEqual(Buffer.alloc(made.length, 7));
  // Other Node options: a cache of their own (V8 would reject the other), the first one kept.
  const kept = readFileSync(out.cacheOfNow());
  const withFlag = spawnSync(process.execPath, ['--stack-size=900', join(REPO_ROOT, 'bin', 'launch.js'), 'cached.ts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(withFlag.stdout).toBe('cached ');
  expect(out.caches()).toHaveLength(2);
  expect(readFileSync(out.cacheOfNow())).toEqual(kept);
  // A rebuilt bundle gets its own cache; the old ones are removed.
  const old = out.cacheOfNow();
  writeFileSync(join(dir, 'cached.ts'), "process.stdout.write('rebuilt');\n");
  expect(launch('cached.ts').stdout).toBe('rebuilt');
  expect(existsSync(old)).toBe(false);
  expect(out.caches()).toEqual([out.cacheOfNow().split('/').pop()]);
});
