#!/usr/bin/env node
// node bin/launch.js <entry.ts> [args...]   (what the npm scripts and cdktf.json run)
//
// Runs one of the project's TypeScript entry points (bin/*.ts, main.ts) from ONE cached
// esbuild bundle: the project's own sources and the npm packages they load (cdktf, its
// providers, zod, js-yaml...), run with a V8 code cache. Why: resolving, reading and
// compiling the 250 package files a command loads one by one, as Node's require does, was
// 0.27 s of every command, 0.12 s with the bundle and its cache (docs/bench.md, 2026-12-02).
// Why not a per-file TypeScript loader (tsx): it hooks every require and lexes each file
// for ESM syntax: 0.6 s of every synth.
//
// Outside the bundle, loaded by Node itself: esbuild (a native binary, also used at synth
// for the agent bundle), and the cdktf modules this project puts stand-ins for in Node's
// module cache before cdktf loads (src/synth/before-cdktf.ts; standInTargets() below):
// bundled, cdktf would call its own inlined copy and never see the stand-in.
//
// The bundle is rebuilt when any file it was built from changes (sha256 of each source, the
// inode, size and times of each npm package file, recorded beside it), when esbuild or this
// file changes, or when the checkout moves. Each module keeps its own __dirname and
// __filename. A .ts file required at run time (the Claude layer's settings files) is
// compiled on its own by the hook at the end of this file.
//
// The code cache (`<bundle>.<sha16>[.<options tag>].v8cache`, beside the bundle) is V8's
// bytecode of the bundle's functions as a successful run left them, made once per bundle
// and Node options: V8 rejects a cache made under other flags, and checks only the source's
// length, so the bundle's sha256 is in the name. It is as trusted as the bundle beside it
// (whoever can write one can write the other). A missing or rejected cache costs a normal
// compile, never a failure.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { Script } = require('node:vm');

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

/**
 * How a file under node_modules is known unchanged: inode, size, mtime and ctime (as git's
 * index knows a work-tree file). Reading and hashing the 400 package files of a bundle took
 * 20-30 ms of every run; stat takes 3-5 ms. ctime cannot be set back by anyone: an npm
 * install or an edit changes it even where the package keeps its files' mtimes.
 */
const fileStamp = (file) => {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return undefined;
  }
};
const isPackageFile = (input) => input.startsWith('node_modules/') || input.includes('/node_modules/');

/** The bundle for `entry` ({ file, content, sha256 }) if every input it was built from is unchanged. */
function reusable(recordFile, esbuildVersion) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (record.root !== ROOT || record.esbuild !== esbuildVersion || record.launcher !== sha(fs.readFileSync(__filename))) return undefined;
  if (!record.stamp || fileStamp(record.bundle) !== record.stamp) return undefined;
  for (const [input, digest] of Object.entries(record.inputs)) {
    const data = readOr(path.join(ROOT, input));
    if (!data || sha(data) !== digest) return undefined;
  }
  for (const [input, stamp] of Object.entries(record.packageFiles ?? {})) {
    if (fileStamp(path.join(ROOT, input)) !== stamp) return undefined;
  }
  const content = readOr(record.bundle);
  return content && { file: record.bundle, content, sha256: record.sha256 };
}

/**
 * The modules of cdktf that src/synth/before-cdktf.ts stands in for (json-stable-stringify,
 * archiver, lib/tokens/private/stack-trace.js), as Node resolves them from cdktf's files.
 * test/unit/before-cdktf.test.ts checks that each command's bundle requires them from outside.
 */
function standInTargets() {
  const cdktfDir = path.dirname(require.resolve('cdktf/package.json', { paths: [ROOT] }));
  return new Set([
    require.resolve('json-stable-stringify', { paths: [cdktfDir] }),
    require.resolve('archiver', { paths: [cdktfDir] }),
    path.join(cdktfDir, 'lib', 'tokens', 'private', 'stack-trace.js'),
  ]);
}

/** esbuild plugin: what stays outside the bundle (see the top of this file). */
const outside = {
  name: 'outside',
  setup(build) {
    const targets = standInTargets();
    build.onResolve({ filter: /^esbuild$/ }, () => ({ external: true }));
    // `require.resolve('cdktf/package.json')` (the stand-ins find cdktf's files with it) runs as written.
    build.onResolve({ filter: /\/package\.json$/, namespace: 'file' }, (args) => (args.kind === 'require-resolve' ? { external: true } : undefined));
    build.onResolve({ filter: /^(json-stable-stringify|archiver|\..*\/stack-trace)$/ }, (args) => {
      let resolved;
      try {
        resolved = require.resolve(args.path, { paths: [args.resolveDir] });
      } catch {
        return undefined;
      }
      return targets.has(resolved) ? { path: resolved, external: true } : undefined;
    });
  },
};

/** esbuild plugin: a module's __dirname and __filename are its source's, not the bundle's. */
const ownPaths = {
  name: 'own-paths',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|cjs)$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const prelude = `const __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n`;
      // After a leading "use strict" (cdktf's files have one), which must stay first to count.
      const head = /^(?:#![^\n]*\n)?\s*(?:(['"])use strict\1;?[^\S\n]*\n?)?/.exec(source)[0];
      return { contents: head + prelude + source.slice(head.length), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
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
    plugins: [outside, ownPaths],
  });
  await esbuild.stop();
  const content = result.outputFiles.find((f) => f.path === bundleFile).contents;
  const map = result.outputFiles.find((f) => f.path === `${bundleFile}.map`).contents;
  const inputs = { 'tsconfig.json': sha(fs.readFileSync(path.join(ROOT, 'tsconfig.json'))) };
  const packageFiles = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (isPackageFile(input)) packageFiles[input] = fileStamp(path.join(ROOT, input));
    else inputs[input] = sha(fs.readFileSync(path.join(ROOT, input)));
  }
  fs.mkdirSync(path.dirname(bundleFile), { recursive: true });
  writeAtomically(`${bundleFile}.map`, map);
  writeAtomically(bundleFile, content);
  const record = { root: ROOT, esbuild: esbuild.version, launcher: sha(fs.readFileSync(__filename)), bundle: bundleFile, stamp: fileStamp(bundleFile), sha256: sha(content), inputs, packageFiles };
  writeAtomically(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  return { file: bundleFile, content: Buffer.from(content), sha256: record.sha256 };
}

/** 8 hex digits of FNV-1a over `text`: a name tag for Node's options, not a check. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Where the code cache of `bundle` under this run's Node options (its flags and NODE_OPTIONS) lives. */
function cacheFileOf(bundle) {
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ? [`NODE_OPTIONS=${process.env.NODE_OPTIONS}`] : [])];
  return `${bundle.file}.${bundle.sha256.slice(0, 16)}${options.length > 0 ? `.${fnv1a(options.join('\0'))}` : ''}.v8cache`;
}

/**
 * Runs the bundle as the CommonJS module `bundle.file`, compiled with its code cache when
 * there is one V8 accepts. Without one, the cache is made when the run ends with exit code 0
 * (V8 then stores every function the run compiled), and the caches of the entry's other
 * bundles are removed.
 */
function runBundle(bundle) {
  const cacheFile = cacheFileOf(bundle);
  const cachedData = readOr(cacheFile);
  const script = new Script(Module.wrap(bundle.content.toString('utf8')), { filename: bundle.file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        writeAtomically(cacheFile, script.createCachedData());
        removeOtherCaches(bundle);
      } catch {
        // a cache is an optimisation: the next run compiles again
      }
    });
  }
  const mod = new Module(bundle.file, module);
  mod.filename = bundle.file;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle.file));
  mod.loaded = true;
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle.file), mod, bundle.file, path.dirname(bundle.file));
}

/** The caches of the entry's other bundles (each rebuild leaves its old one). */
function removeOtherCaches(bundle) {
  const prefix = `${path.basename(bundle.file)}.`;
  const own = `${prefix}${bundle.sha256.slice(0, 16)}.`;
  for (const name of fs.readdirSync(path.dirname(bundle.file))) {
    if (name.startsWith(prefix) && name.endsWith('.v8cache') && !name.startsWith(own)) fs.rmSync(path.join(path.dirname(bundle.file), name), { force: true });
  }
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
function compileTypeScriptOnRequire(esbuildVersion) {
  const dir = path.join(OUT_DIR, 'compiled');
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const cachedFile = path.join(dir, `${sha(`${esbuildVersion}\0${filename}\0${source}`)}.js`);
    let code = readOr(cachedFile)?.toString('utf8');
    if (code === undefined) {
      code = require('esbuild').transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline', sourcesContent: false }).code;
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
  // esbuild itself (its JavaScript API: 12 ms to load) only when something is to be built.
  const esbuildVersion = require('esbuild/package.json').version;
  const bundleFile = path.join(OUT_DIR, rel.replace(/\.ts$/, '.js'));
  const recordFile = `${bundleFile}.json`;
  const bundle = reusable(recordFile, esbuildVersion) ?? (await build(require('esbuild'), rel, bundleFile, recordFile));
  compileTypeScriptOnRequire(esbuildVersion);
  // The entry sees the argv it would see when run directly: [node, entry, ...args].
  process.argv = [process.argv[0], entry, ...args];
  runBundle(bundle);
}

main().catch((err) => {
  // esbuild has printed each error at its file, line and column (logLevel 'error').
  const bundling = err && Array.isArray(err.errors) && err.errors.length > 0;
  process.stderr.write(bundling ? `error: ${process.argv[2]}: not bundled (${err.errors.length} error(s) above)\n` : `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
});
