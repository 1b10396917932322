// The commands a unit test starts (test/support/run.ts: node bin/*.ts) inherit the
// environment: load the live-inputs guard into them too, so a command run with its
// default paths from the repository root cannot read the live roster either.
'use strict';
const { GUARD_FILE } = require('../support/live-inputs-guard');

const flag = `--require ${JSON.stringify(GUARD_FILE)}`;
const current = process.env.NODE_OPTIONS ?? '';
if (!current.includes(flag)) process.env.NODE_OPTIONS = `${current} ${flag}`.trim();
