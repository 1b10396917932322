// src/synth/before-cdktf.ts: every bin command that loads cdktf has its stand-ins in place
// before cdktf loads (its other modules may load cdktf before src/app.ts): cdktf's archiver
// tree is never loaded (lazy-archiver.ts) and its tokens get the lazy stack-trace capture
// (lazy-stack-traces.ts), and its JSON is written by the quick stable stringify
// (fast-stable-json.ts). Each command runs with --help in its own Node process, as npm runs
// it (bin/launch.js), with a preloaded probe that reports Node's module cache at exit. The
// launcher bundles cdktf: each command's bundle must require the three modules from outside
// (Node's module cache, where the stand-ins are), never carry its own copy of them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/inputs';
import { launchArgs } from '../support/run';
import { ARCHIVER_PATH } from '../../src/synth/lazy-archiver';
import { STACK_TRACE_PATH } from '../../src/synth/lazy-stack-traces';
import { STABLE_STRINGIFY_PATH } from '../../src/synth/fast-stable-json';

const PROBE = `process.on('exit', () => {
  const keys = Object.keys(require.cache);
  const trace = keys.find((k) => k.endsWith('/cdktf/lib/tokens/private/stack-trace.js'));
  const json = keys.find((k) => k.endsWith('/cdktf/node_modules/json-stable-stringify/index.js'));
  require('fs').writeFileSync(process.env.PROBE_REPORT, JSON.stringify({
    archiverTree: keys.some((k) => k.includes('/node_modules/zip-stream/')),
    lazyStackTrace: trace ? require.cache[trace].exports.lazy === true : 'not loaded',
    quickStableJson: json ? require.cache[json].exports.quick === true : 'not loaded',
  }));
});
`;

test.each(['synth', 'plan', 'apply', 'validate', 'import'])('npm run %s: no archiver tree, the lazy stack-trace capture, the quick stable JSON (its modules, with --help)', (command) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-before-cdktf-'));
  const probe = join(dir, 'probe.js');
  const report = join(dir, 'report.json');
  writeFileSync(probe, PROBE);
  execFileSync(process.execPath, ['--require', probe, ...launchArgs(`bin/${command}.ts`, ['--help'])], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', PROBE_REPORT: report },
  });
  expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ archiverTree: false, lazyStackTrace: true, quickStableJson: true });
  const bundle = readFileSync(join(REPO_ROOT, 'dist', 'launch', 'bin', `${command}.js`), 'utf8');
  for (const target of [ARCHIVER_PATH, STACK_TRACE_PATH, STABLE_STRINGIFY_PATH]) {
    expect(bundle).toContain(`require(${JSON.stringify(target)})`);
    // esbuild heads each module it bundles with a comment of its path.
    expect(bundle).not.toContain(`// ${relative(REPO_ROOT, target)}\n`);
  }
});
