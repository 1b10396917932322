// The part of zod's classic API (node_modules/zod/v4/classic/external.js) the agent
// bundle exports as `z`: schemas, checks, errors, parse and the compat aliases. esbuild
// cannot see a `z.*` this lacks (it would be undefined at run time), so
// test/unit/agent-zod.test.ts checks every `z.<name>` in the bundle's sources is here.
export * from '../node_modules/zod/v4/classic/schemas.js';
export * from '../node_modules/zod/v4/classic/checks.js';
export * from '../node_modules/zod/v4/classic/errors.js';
export * from '../node_modules/zod/v4/classic/parse.js';
export * from '../node_modules/zod/v4/classic/compat.js';
