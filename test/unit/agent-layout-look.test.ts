// agent/steps/layout.ts's look in a real sh: one line per path, kinds with lstat semantics,
// and device numbers only when asked (the filesystem check before a move; every other look
// runs no `stat` child). /proc stands in for "another filesystem".
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindsLook, parseKinds } from '../../agent/steps/layout';

const dir = mkdtempSync(join(tmpdir(), 'dw-layout-look-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const look = (withDev: boolean, paths: string[]) => parseKinds(spawnSync('sh', ['-c', kindsLook(withDev), 'sh', ...paths], { encoding: 'utf8' }).stdout.split('\n'), paths.length);

beforeAll(() => {
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'f'), '');
  symlinkSync(join(dir, 'd'), join(dir, 'l'));
});

test('kinds: directory, file, link (not followed), absent', () => {
  const paths = ['d', 'f', 'l', 'missing'].map((n) => join(dir, n));
  expect(look(false, paths)).toEqual([{ kind: 'dir' }, { kind: 'file' }, { kind: 'link' }, { kind: 'absent' }].map((k) => ({ ...k, dev: undefined })));
});

test('with device numbers: each directory has its own, as stat gives it', () => {
  const [d, f, p] = look(true, [join(dir, 'd'), join(dir, 'f'), '/proc']);
  expect(d).toEqual({ kind: 'dir', dev: String(statSync(join(dir, 'd')).dev) });
  expect(f).toEqual({ kind: 'file', dev: undefined });
  expect(p.kind).toBe('dir');
  expect(p.dev).not.toBe(d.dev);
});
