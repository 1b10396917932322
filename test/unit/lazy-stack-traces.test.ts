// src/synth/lazy-stack-traces.ts: cdktf's tokens get the stand-in capture (formatted on
// first read), with the same lines the real one gives, and cdktf's errors still say where a
// token was made. Each case runs in its own Node process (tsx compiles the TypeScript;
// `npm run synth` runs a bundle, bin/launch.js), so Node's own module cache is the one the
// stand-in lives in. That each bin command has it in place: before-cdktf.test.ts.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../support/inputs';

function node(script: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
}

test("cdktf's tokens get the stand-in, and an unresolvable token's error still names where it was made", () => {
  const report = node(`
    require('./src/app');
    const { STACK_TRACE_PATH } = require('./src/synth/lazy-stack-traces');
    const { App, TerraformStack, TerraformOutput, Lazy } = require('cdktf');
    function madeHere() { return Lazy.stringValue({ produce: () => { throw new Error('cannot produce'); } }); }
    const app = new App({ stackTraces: false, outdir: require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'dw-lazy-stack-')) });
    const stack = new TerraformStack(app, 's');
    new TerraformOutput(stack, 'o', { value: madeHere() });
    let message = '';
    try { app.synth(); } catch (err) { message = err.message; }
    console.log(JSON.stringify({ lazy: require.cache[STACK_TRACE_PATH].exports.lazy === true, message }));
  `) as { lazy: boolean; message: string };
  expect(report.lazy).toBe(true);
  expect(report.message).toMatch(/cannot produce/);
  // cdktf's own frames (LazyBase, LazyString, stringValue) come first, as with the real capture.
  expect(report.message).toMatch(/Object creation stack:\n( {2}at .*\n)* {2}at madeHere \(/);
});

test('gives the lines the real capture gives, as an array to every reader', () => {
  const report = node(`
    const Module = require('node:module');
    const fs = require('node:fs');
    const { STACK_TRACE_PATH, captureStackTrace } = require('./src/synth/lazy-stack-traces');
    // cdktf's own function, loaded beside the stand-in.
    const real = new Module(STACK_TRACE_PATH);
    real._compile(fs.readFileSync(STACK_TRACE_PATH, 'utf8'), STACK_TRACE_PATH);
    function outer() { return inner(); }
    function inner() { return [captureStackTrace(), real.exports.captureStackTrace()]; }
    const [lazy, eager] = outer();
    const same = (a, b) => a.map((l) => l.replace(/:\\d+:\\d+\\)?$/, '')).join('|') === b.map((l) => l.replace(/:\\d+:\\d+\\)?$/, '')).join('|');
    console.log(JSON.stringify({
      isArray: Array.isArray(lazy), length: lazy.length === eager.length, same: same([...lazy], eager),
      first: lazy[0].split(' ')[0], joined: lazy.join('\\n').includes('at ') === false && lazy.join('\\n').includes('outer'),
      json: JSON.parse(JSON.stringify(lazy)).length === eager.length, keys: Object.keys(lazy).length === eager.length,
    }));
  `);
  expect(report).toEqual({ isArray: true, length: true, same: true, first: 'inner', joined: true, json: true, keys: true });
});
