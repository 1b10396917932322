// cdktf loads `archiver` (and its tree: readable-stream, zip-stream, compress-commons, glob,
// lodash, ...) when cdktf itself loads, for assets of type ARCHIVE, which it zips in a child
// process of its own (lib/private/fs.js run as a CLI: that process loads archiver itself).
// This project's one asset is a FILE (the agent bundle), yet loading archiver took 0.1-0.3 s
// of every synth and plan (docs/bench.md). Imported before cdktf (src/synth/before-cdktf.ts),
// this puts a stand-in in Node's module cache that loads the real archiver the first time
// anything calls it or reads from it. When cdktf (and with it the real archiver) was loaded
// first, it does nothing.
import { standInModule } from './module-stand-in';
import { dirname } from 'node:path';

/** Where cdktf's `require("archiver")` resolves (cdktf bundles its own copy). */
export const ARCHIVER_PATH = require.resolve('archiver', { paths: [dirname(require.resolve('cdktf/package.json'))] });

standInModule(ARCHIVER_PATH, () => {
  let real: ((...args: unknown[]) => unknown) | undefined;
  const load = () => {
    if (!real) {
      delete require.cache[ARCHIVER_PATH];
      real = require(ARCHIVER_PATH) as (...args: unknown[]) => unknown;
    }
    return real;
  };
  return new Proxy(function archiver() {}, {
    apply: (_target, self, args) => Reflect.apply(load(), self, args),
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
  });
});
