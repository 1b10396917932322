// The zod the agent bundle is built with (src/devvm/agent-bundle.ts aliases `zod` to this
// file; synth, tests and tools use the package as is). It is zod's classic API, the same
// `z.*` the shared schemas call, without what the agent never uses: zod re-exports 40
// locales, the JSON Schema tools and the core API from one namespace, which esbuild cannot
// shake, and they were half of the bundle that Node compiles on every provisioner call.
// English error messages stay: classic/schemas registers them on first construction.
//
// `jitless`: zod otherwise compiles a fast path for an object schema with `new Function` on
// its first parse. The agent parses each input once per process, so the compile is pure
// cost (docs/bench.md, converge).
import { config } from '../node_modules/zod/v4/core/index.js';
import * as api from './zod-api';

config({ jitless: true });

export { api as z };
