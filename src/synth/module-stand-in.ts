// Puts a stand-in for one of cdktf's modules in Node's module cache, so that cdktf's own
// `require` of it gets the stand-in (src/synth/before-cdktf.ts lists them). Nothing happens
// when the module is loaded already: cdktf, loaded first, has the real one.
import Module from 'node:module';

/** Puts what `exports()` returns in the cache as the module at `path`, unless that module is loaded already. */
export function standInModule(path: string, exports: () => unknown): void {
  if (require.cache[path]) return;
  const entry = new Module(path);
  entry.filename = path;
  entry.loaded = true;
  entry.exports = exports();
  require.cache[path] = entry;
}
