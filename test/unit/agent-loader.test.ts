// agent/loader.ts: the V8 code cache of the agent. Each case runs the real loader in its own
// Node process (the cache is written when the process exits) on a small CommonJS payload,
// in a directory this test owns. Runs as root, like the agent (a root-owned directory is
// what the loader trusts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFileName } from '../../agent/loader';
import { AGENT_NODE_OPTIONS } from '../../agent/paths';

const LOADER = join(__dirname, '..', '..', 'agent', 'loader.ts');
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

// Enough code that V8 has something to cache, and a visible effect of running it.
const PAYLOAD = `const path = require('node:path');
function square(n) { return n * n; }
module.exports.total = [1, 2, 3].map(square).reduce((a, b) => a + b, 0);
process.stdout.write('payload ran ' + module.exports.total + ' ' + path.basename(__filename) + ' ' + process.argv.slice(2).join(' ') + '\\n');
`;
const SHA = createHash('sha256').update(PAYLOAD).digest('hex');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-loader-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the loader on `payload` in a fresh process; prints what it did with the cache.
 * `nodeOptions`: V8 flags the process really runs with, and the options its cache is named
 * after (the test's own --require and -e are not: they are how the test starts it).
 */
function load(payload = PAYLOAD, sha = SHA, command = 'converge', nodeOptions: readonly string[] = []) {
  const driver = `const { runWithCodeCache } = require(${JSON.stringify(LOADER)});
const use = runWithCodeCache(${JSON.stringify(sha)}, ${JSON.stringify(payload)}, '/usr/local/lib/workstations/agent.js', { dir: ${JSON.stringify(dir)}, command: ${JSON.stringify(command)}, execArgv: ${JSON.stringify(nodeOptions)} });
process.stdout.write('cache ' + use + '\\n');`;
  const r = spawnSync(process.execPath, [...nodeOptions, '--require', require.resolve('tsx/cjs'), '-e', driver, 'x', 'converge', 'arg'], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cacheFile = () => join(dir, cacheFileName(SHA, 'converge', []));

describe('cache file names', () => {
  it('carry the bundle hash and the command; anything odd is "other"', () => {
    expect(cacheFileName(SHA, 'converge', [])).toBe(`${SHA.slice(0, 16)}.converge.v8cache`);
    expect(cacheFileName(SHA, 'claude-layer', [])).toBe(`${SHA.slice(0, 16)}.claude-layer.v8cache`);
    for (const odd of [undefined, '--help', '../../etc/passwd', 'Converge', 'x'.repeat(30), '']) expect(cacheFileName(SHA, odd, [])).toBe(`${SHA.slice(0, 16)}.other.v8cache`);
  });

  it("carry a tag of Node's options when there are any: one per set of options", () => {
    const tagged = cacheFileName(SHA, 'converge', AGENT_NODE_OPTIONS);
    expect(tagged).toMatch(new RegExp(`^${SHA.slice(0, 16)}\\.converge\\.[0-9a-f]{8}\\.v8cache$`));
    expect(cacheFileName(SHA, 'converge', [...AGENT_NODE_OPTIONS])).toBe(tagged);
    expect(cacheFileName(SHA, 'converge', ['--min-semi-space-size=8'])).not.toBe(tagged);
    expect(cacheFileName(SHA, 'converge', ['--min-semi-space-size=1', '6'])).not.toBe(cacheFileName(SHA, 'converge', ['--min-semi-space-size=16']));
  });
});

asRoot('the code cache', () => {
  it('is made by the first run (root-only, 0600) and used by the next; the payload runs the same', () => {
    const first = load();
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toBe('payload ran 14 agent.js converge arg\ncache made\n');
    const st = lstatSync(cacheFile());
    expect([st.isFile(), st.uid, st.mode & 0o777]).toEqual([true, 0, 0o600]);
    const second = load();
    expect(second.stdout).toBe('payload ran 14 agent.js converge arg\ncache used\n');
    expect(readdirSync(dir)).toEqual([cacheFileName(SHA, 'converge', [])]);
  });

  it('is one per command', () => {
    load();
    expect(load(PAYLOAD, SHA, 'onboard').stdout).toMatch(/cache made\n$/);
    expect(readdirSync(dir).sort()).toEqual([cacheFileName(SHA, 'converge', []), cacheFileName(SHA, 'onboard', [])].sort());
  });

  it("is one per set of Node's options: runs with and without the agent's options each keep theirs", () => {
    // V8 rejects a cache made under other flags: one shared file would be remade on every switch.
    expect(load().stdout).toMatch(/cache made\n$/);
    expect(load(PAYLOAD, SHA, 'converge', AGENT_NODE_OPTIONS).stdout).toMatch(/cache made\n$/);
    expect(load().stdout).toMatch(/cache used\n$/);
    expect(load(PAYLOAD, SHA, 'converge', AGENT_NODE_OPTIONS).stdout).toBe('payload ran 14 agent.js converge arg\ncache used\n');
    expect(readdirSync(dir).sort()).toEqual([cacheFileName(SHA, 'converge', []), cacheFileName(SHA, 'converge', AGENT_NODE_OPTIONS)].sort());
  });

  it('a corrupt cache is rejected by V8, the payload still runs, and the cache is made again', () => {
    load();
    writeFileSync(cacheFile(), Buffer.alloc(4096, 7), { mode: 0o600 });
    const r = load();
    expect(r.stdout).toBe('payload ran 14 agent.js converge arg\ncache remade\n');
    expect(load().stdout).toMatch(/cache used\n$/);
  });

  it('another bundle never reads it: the hash is in the name', () => {
    load();
    const other = PAYLOAD.replaceAll('square', 'sqr');
    const otherSha = createHash('sha256').update(other).digest('hex');
    expect(load(other, otherSha).stdout).toMatch(/cache made\n$/);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('a directory others can write is not trusted: nothing is read or written there', () => {
    load();
    const before = readFileSync(cacheFile());
    chmodSync(dir, 0o777);
    const r = load();
    expect(r.stdout).toBe('payload ran 14 agent.js converge arg\ncache none\n');
    expect(readFileSync(cacheFile())).toEqual(before);
    expect(readdirSync(dir)).toEqual([cacheFileName(SHA, 'converge', [])]);
  });

  it('a cache file that is not root-only, or is a link, is not read; it is replaced by a real one', () => {
    load();
    const good = readFileSync(cacheFile());
    chownSync(cacheFile(), 1234, 1234);
    expect(load().stdout).toMatch(/cache made\n$/);
    expect(lstatSync(cacheFile()).uid).toBe(0);

    writeFileSync(join(dir, 'elsewhere'), good, { mode: 0o600 });
    rmSync(cacheFile());
    symlinkSync(join(dir, 'elsewhere'), cacheFile());
    expect(load().stdout).toMatch(/cache made\n$/);
    expect(lstatSync(cacheFile()).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'elsewhere'))).toEqual(good); // the link's target is untouched
  });

  it("a payload's exception is the agent's, with the installed file name in its stack", () => {
    const r = load("function fails() { throw new Error('boom'); }\nfails();\n", SHA);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: boom\n\s+at fails \(\/usr\/local\/lib\/workstations\/agent\.js:1:/);
  });
});
