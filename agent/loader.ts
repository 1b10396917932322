// The first code `node agent.js` runs. agent.js is this loader with the agent itself (the
// esbuild bundle of agent/main.ts) inside it as a string, so it is still one file to upload
// and install (src/devvm/agent-bundle.ts builds it). The loader compiles the agent with a
// V8 code cache: Node otherwise parses and compiles the same 330 KB on every provisioner
// call, and each apply calls the agent once per changed person (docs/bench.md, converge).
//
// The cache is V8 bytecode that root runs, so it is as trusted as agent.js itself. It lives
// only in AGENT_DIR (root's, 0755, never writable by anyone else) and is read and written
// only when that directory and the file are root's and writable by root alone, without
// following links. One file per command (`<sha16>.<command>.v8cache`): V8 stores the
// functions compiled before the cache was made, so a cache made by `host` would leave
// converge's code to compile. The bundle's sha256 is in the name: V8 itself checks only the
// source length, Node's version and its flags. Node's options are in the name too (a tag
// after the command) when there are any: V8 rejects a cache made under other flags, so
// runs with and without AGENT_NODE_OPTIONS would otherwise remake one shared cache in turn.
// A missing, foreign or rejected cache costs a normal compile, never a failure; `host`
// removes the caches of other bundles.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { AGENT_DIR } from './paths';

/** The command a cache is for; anything else (help, usage errors) shares one name. */
const COMMAND = /^[a-z][a-z-]{0,19}$/;

/** 8 hex digits of FNV-1a over `text`: a name tag, not a check (the directory is root's). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** `<sha16>.<command>[.<options tag>].v8cache`; `execArgv`: Node's options of this run. */
export const cacheFileName = (sha256: string, command: string | undefined, execArgv: readonly string[] = process.execArgv) =>
  `${sha256.slice(0, 16)}.${command !== undefined && COMMAND.test(command) ? command : 'other'}${execArgv.length > 0 ? `.${fnv1a(execArgv.join('\0'))}` : ''}.v8cache`;

/** Root's and writable by root alone (the directory: also a real directory, not a link). */
function rootOnly(st: { uid: number; mode: number }): boolean {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

function trustedDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && rootOnly(st);
  } catch {
    return false;
  }
}

function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    return st.isFile() && rootOnly(st) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A new file beside the cache, then rename: a concurrent run reads the old cache or the new one. */
function writeCache(file: string, data: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created
    }
  }
}

export interface LoadOptions {
  /** Where caches live (AGENT_DIR; a test passes its own root-owned directory). */
  readonly dir?: string;
  /** The command the cache is for (default: the agent's first argument). */
  readonly command?: string;
  /** Node's options of this run, for the cache name (default: process.execArgv). */
  readonly execArgv?: readonly string[];
}

/** How a run used the cache (returned for tests; the agent prints nothing about it). */
export type CacheUse = 'used' | 'made' | 'remade' | 'none';

/**
 * Compiles and runs `source` (a CommonJS bundle) as the module `file`, with the cache of
 * `command` when there is a trusted one; makes the cache when the process exits, when
 * there was none or V8 rejected it.
 */
export function runWithCodeCache(sha256: string, source: string, file: string, opts: LoadOptions = {}): CacheUse {
  const dir = opts.dir ?? AGENT_DIR;
  const usable = trustedDir(dir);
  const cacheFile = `${dir}/${cacheFileName(sha256, opts.command ?? process.argv[2], opts.execArgv)}`;
  const cachedData = usable ? readCache(cacheFile) : undefined;
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const use: CacheUse = !usable ? 'none' : cachedData === undefined ? 'made' : script.cachedDataRejected ? 'remade' : 'used';
  if (use === 'made' || use === 'remade') process.once('exit', () => writeCache(cacheFile, script.createCachedData()));
  const mod = new Module(file);
  mod.filename = file;
  mod.loaded = true;
  const wrapper = script.runInThisContext() as (exports: unknown, req: NodeRequire, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, require, mod, file, dirname(file));
  return use;
}
