// src/synth/lazy-archiver.ts: the synth no longer loads cdktf's `archiver` (0.1-0.3 s), an
// asset of type ARCHIVE still works, and a caller of the stand-in gets the real archiver. Each case runs in its own Node process
// (tsx compiles the TypeScript; `npm run synth` runs a bundle, bin/launch.js), so Node's own
// module cache is the one the stand-in lives in.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/inputs';
import { zipEntries } from '../support/zip-entries';

function node(script: string): string {
  return execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

/** Whether any module of archiver's own tree is in Node's cache (zip-stream is one). */
const LOADED = "Object.keys(require.cache).some((k) => k.includes('/node_modules/zip-stream/'))";

test("a synth of the example inputs never loads archiver's tree", () => {
  const out = mkdtempSync(join(tmpdir(), 'dw-lazy-archiver-'));
  const report = node(`
    const { buildApp } = require('./src/app');
    const { exampleInputs } = require('./test/support/inputs');
    buildApp(exampleInputs(), ${JSON.stringify(out)}, { configBaseCommit: false }).app.synth();
    console.log(JSON.stringify({ loaded: ${LOADED}, synthesized: require('fs').existsSync(${JSON.stringify(join(out, 'stacks', 'workstations-devvm', 'cdk.tf.json'))}) }));
  `);
  expect(JSON.parse(report)).toEqual({ loaded: false, synthesized: true });
});

test('an ARCHIVE asset still gets its zip (cdktf zips in a child process of its own, which loads the real archiver)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-lazy-archiver-'));
  const content = join(dir, 'content');
  mkdirSync(content);
  writeFileSync(join(content, 'hello.txt'), 'hello from an archive\n');
  const out = join(dir, 'out');
  const report = node(`
    require('./src/app');
    const before = ${LOADED};
    const { App, TerraformStack, TerraformAsset, AssetType } = require('cdktf');
    const app = new App({ outdir: ${JSON.stringify(out)} });
    const stack = new TerraformStack(app, 's');
    new TerraformAsset(stack, 'a', { path: ${JSON.stringify(content)}, type: AssetType.ARCHIVE });
    app.synth();
    console.log(JSON.stringify({ before, after: ${LOADED} }));
  `);
  expect(JSON.parse(report)).toEqual({ before: false, after: false });
  const assets = join(out, 'stacks', 's', 'assets', 'a');
  const [hash] = readdirSync(assets);
  const [zip] = readdirSync(join(assets, hash));
  const entries = zipEntries(readFileSync(join(assets, hash, zip)));
  expect(entries.map((e) => [e.name, e.data.toString('utf8')])).toEqual([['hello.txt', 'hello from an archive\n']]);
});

test('whoever calls the stand-in gets the real archiver, loaded then', () => {
  const report = node(`
    const { ARCHIVER_PATH } = require('./src/synth/lazy-archiver');
    require('cdktf');
    const before = ${LOADED};
    const archiver = require(ARCHIVER_PATH);
    const archive = archiver('zip', { zlib: { level: 9 } });
    console.log(JSON.stringify({ before, after: ${LOADED}, pipe: typeof archive.pipe, finalize: typeof archive.finalize, version: typeof archiver.create }));
  `);
  expect(JSON.parse(report)).toEqual({ before: false, after: true, pipe: 'function', finalize: 'function', version: 'function' });
});
