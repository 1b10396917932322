// Tests own their fixtures (test/fixtures/): they never read the live roster/roster.yaml
// or roster/site.yaml, so an admin's real roster change (onboard, offboard, park, promote)
// cannot turn the suite red. Requiring this file makes every read of those two files in
// this process throw. jest loads it for both projects (jest.config.js, setupFiles); the
// unit project also loads it into the commands the tests start (test/setup/guard-children.js),
// so `bin/validate` run from the repository root with its default paths fails too.
// Plain CommonJS: it must load with `node --require` before any TypeScript loader.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The live inputs, relative to the repository root. */
const LIVE_INPUTS = ['roster/roster.yaml', 'roster/site.yaml'];
const LIVE = new Set(LIVE_INPUTS.map((f) => path.join(REPO_ROOT, f)));

// Installed once per process: jest runs setupFiles again for every test file in a worker,
// and the originals must be the real fs functions, not an earlier wrapper.
const KEY = Symbol.for('devvm-workstations.live-inputs-guard');
if (!fs[KEY]) {
  const originals = {};
  const wrap = (obj, name, prefix) => {
    const original = obj[name];
    if (typeof original !== 'function') return;
    originals[prefix + name] = original;
    obj[name] =
      prefix === 'promises.'
        ? async function guarded(file, ...rest) {
            refuseLive(file); // a rejected promise, as the real API fails
            return original.call(this, file, ...rest);
          }
        : function guarded(file, ...rest) {
            refuseLive(file);
            return original.call(this, file, ...rest);
          };
  };
  for (const name of ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']) wrap(fs, name, '');
  for (const name of ['readFile', 'open']) wrap(fs.promises, name, 'promises.');
  Object.defineProperty(fs, KEY, { value: originals });
}

function refuseLive(file) {
  let p;
  if (typeof file === 'string') p = file;
  else if (file instanceof URL && file.protocol === 'file:') p = fileURLToPath(file);
  else if (Buffer.isBuffer(file)) p = file.toString();
  else return; // a file descriptor or handle: opened through a path we already checked
  const abs = path.resolve(p);
  if (!LIVE.has(abs)) return;
  const err = new Error(
    `tests must not read the live ${path.relative(REPO_ROOT, abs)}: use the fixtures in test/fixtures/ (README.md, section "Tests")`,
  );
  err.code = 'ELIVEINPUT';
  throw err;
}

/**
 * Reads a live input past the guard. Only for checks of the live files themselves that
 * no roster edit can break (the schema modeline on line 1); never for roster content.
 */
function readLiveInput(rel) {
  if (!LIVE_INPUTS.includes(rel)) throw new Error(`not a live input: ${rel}`);
  return fs[KEY].readFileSync(path.join(REPO_ROOT, rel), 'utf8');
}

module.exports = { LIVE_INPUTS, readLiveInput, GUARD_FILE: __filename };
