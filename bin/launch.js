#!/usr/bin/env node
// node bin/launch.js <entry.ts> [args...]   (what the npm scripts and cdktf.json run)
//
// Runs one of the project's TypeScript entry points (bin/*.ts, main.ts) from ONE cached
// esbuild bundle of the project's own sources. npm packages stay outside the bundle and load
// with Node's own require, untouched. Why not a per-file TypeScript loader (tsx): it hooks
// every require, including the thousand cdktf files, and lexes each of them for ESM syntax:
// 0.6 s of every synth (docs/bench.md, 2026-12-02).
//
// The bundle is rebuilt when any file it was built from changes (sha256 of each, recorded
// beside it), when esbuild or this file changes, or when the checkout moves. Each module
// keeps its own __dirname and __filename. A .ts file required at run time (the Claude layer's
// settings files) is compiled on its own by the hook at the end of this file.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'dist', 'launch');
const HELP = `usage: node bin/launch.js <entry.ts> [args...]

Runs a TypeScript entry point of this repository (bin/*.ts, main.ts) from a bundle that
esbuild builds into dist/launch/ and rebuilds when a source file changes. Arguments after
the entry are the entry's own (try: node bin/launch.js bin/synth.ts --help).
`;

const sha = (data) => createHash('sha256').update(data).digest('hex');
const readOr = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

/** The bundle for `entry` if every input it was built from is unchanged. */
function reusable(recordFile, esbuildVersion) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (record.root !== ROOT || record.esbuild !== esbuildVersion || record.launcher !== sha(fs.readFileSync(__filename))) return undefined;
  const bundle = readOr(record.bundle);
  if (!bundle || sha(bundle) !== record.sha256) return undefined;
  for (const [input, digest] of Object.entries(record.inputs)) {
    const content = readOr(path.join(ROOT, input));
    if (!content || sha(content) !== digest) return undefined;
  }
  return record.bundle;
}

/** esbuild plugin: a module's __dirname and __filename are its source's, not the bundle's. */
const ownPaths = {
  name: 'own-paths',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const prelude = `const __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n`;
      return { contents: prelude + source, loader: 'ts' };
    });
  },
};

/** Builds the bundle (asynchronously: esbuild runs plugins only in its asynchronous API). */
async function build(esbuild, entry, bundleFile, recordFile) {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: bundleFile, // not written (write: false); places the source map's paths
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    // Beside the bundle, read only with NODE_OPTIONS=--enable-source-maps: turning maps on
    // costs every run about 60 ms (Node then reads the map of each module it loads).
    sourcemap: 'linked',
    sourcesContent: false,
    charset: 'utf8',
    logLevel: 'error',
    plugins: [ownPaths],
  });
  await esbuild.stop();
  const content = result.outputFiles.find((f) => f.path === bundleFile).contents;
  const map = result.outputFiles.find((f) => f.path === `${bundleFile}.map`).contents;
  const inputs = { 'tsconfig.json': sha(fs.readFileSync(path.join(ROOT, 'tsconfig.json'))) };
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = sha(fs.readFileSync(path.join(ROOT, input)));
  fs.mkdirSync(path.dirname(bundleFile), { recursive: true });
  writeAtomically(`${bundleFile}.map`, map);
  writeAtomically(bundleFile, content);
  const record = { root: ROOT, esbuild: esbuild.version, launcher: sha(fs.readFileSync(__filename)), bundle: bundleFile, sha256: sha(content), inputs };
  writeAtomically(recordFile, `${JSON.stringify(record, null, 2)}\n`);
}

/** Parallel runs (test workers) share dist/launch: a reader never sees a half-written file. */
function writeAtomically(file, content) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Compiles a .ts file that is not in the bundle when something requires it. The JavaScript
 * is kept in dist/launch/compiled/, named by the sha256 of the source and its path, so an
 * unchanged file costs one read and one hash, not an esbuild start.
 */
function compileTypeScriptOnRequire(esbuild) {
  const dir = path.join(OUT_DIR, 'compiled');
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const cachedFile = path.join(dir, `${sha(`${esbuild.version}\0${filename}\0${source}`)}.js`);
    let code = readOr(cachedFile)?.toString('utf8');
    if (code === undefined) {
      code = esbuild.transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline', sourcesContent: false }).code;
      fs.mkdirSync(dir, { recursive: true });
      writeAtomically(cachedFile, code);
    }
    module._compile(code, filename);
  };
}

async function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (!entryArg || entryArg === '--help' || entryArg === '-h') {
    process.stdout.write(HELP);
    process.exitCode = entryArg ? 0 : 2;
    return;
  }
  // Real path: ROOT is this file's real directory (Node resolves the main module's links).
  let entry = path.resolve(entryArg);
  try {
    entry = fs.realpathSync(entry);
  } catch {
    // missing: refused below
  }
  const rel = path.relative(ROOT, entry);
  if (!rel.endsWith('.ts') || rel.startsWith('..') || !fs.existsSync(entry)) {
    process.stderr.write(`error: ${entryArg}: not a TypeScript file of this repository\n`);
    process.exitCode = 2;
    return;
  }
  const esbuild = require('esbuild');
  const bundleFile = path.join(OUT_DIR, rel.replace(/\.ts$/, '.js'));
  const recordFile = `${bundleFile}.json`;
  if (!reusable(recordFile, esbuild.version)) await build(esbuild, rel, bundleFile, recordFile);
  compileTypeScriptOnRequire(esbuild);
  // The entry sees the argv it would see when run directly: [node, entry, ...args].
  process.argv = [process.argv[0], entry, ...args];
  require(bundleFile);
}

main().catch((err) => {
  // esbuild has printed each error at its file, line and column (logLevel 'error').
  const bundling = err && Array.isArray(err.errors) && err.errors.length > 0;
  process.stderr.write(bundling ? `error: ${process.argv[2]}: not bundled (${err.errors.length} error(s) above)\n` : `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
});
