// agent/stdout-line.ts: the report's lines reach stdout whole and in order through a pipe
// and a file; through a full non-blocking pipe (EAGAIN: the rest goes through the stream);
// and a reader that has gone (EPIPE) does not stop the run. Real processes, real pipes:
// perl (perl-base, Essential in Debian) sets O_NONBLOCK on the pipe before node starts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'dw-stdout-line-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 3000 lines of about 100 bytes, not all ASCII: 300 KB, far more than a pipe holds (64 KB). */
const line = (i: number) => `alice: step-${i}: changed (${'x'.repeat(80)} é ${i})`;
const LINES = Array.from({ length: 3000 }, (_, i) => line(i));
const WRITER = `const { stdoutLine } = require(${JSON.stringify(join(__dirname, '../../agent/stdout-line.ts'))});
const line = ${line.toString()};
for (let i = 0; i < 3000; i++) stdoutLine(line(i));
process.stderr.write('finished\\n');`;
const node = [process.execPath, '--require', require.resolve('tsx/cjs'), '-e', WRITER];
const quoted = node.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
const expected = LINES.map((l) => `${l}\n`).join('');

test('through a pipe: every line, whole and in order', () => {
  const r = spawnSync(node[0], node.slice(1), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  expect([r.status, r.stderr]).toEqual([0, 'finished\n']);
  expect(r.stdout).toBe(expected);
});

test('into a file: the same bytes', () => {
  const file = join(dir, 'out.txt');
  const r = spawnSync('sh', ['-c', `${quoted} > '${file}'`], { encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, 'finished\n']);
  expect(readFileSync(file, 'utf8')).toBe(expected);
});

test('a full pipe someone set non-blocking: EAGAIN, and the stream writes the rest in order', () => {
  const nonblock = `perl -MFcntl -e 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die; exec @ARGV or die' --`;
  // The reader waits a second first: the pipe fills and write(2) answers EAGAIN.
  const r = spawnSync('sh', ['-c', `${nonblock} ${quoted} | (sleep 1; cat)`], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  expect([r.status, r.stderr]).toEqual([0, 'finished\n']);
  expect(r.stdout).toBe(expected);
});

test('a reader that has gone (EPIPE): the run goes on to its end', () => {
  const r = spawnSync('sh', ['-c', `${quoted} | head -c 100 > /dev/null`], { encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, 'finished\n']);
});
