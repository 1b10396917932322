// agent/managed-files.ts, root-owned files (no person): a file is written when absent, left
// alone when it already holds the content (ok, ledger unchanged), rewritten when the ledger
// says we wrote what is there, and kept when someone else wrote it or edited ours; `reclaim`
// replaces a hand edit of ours, `takeOver` a file we never wrote. Real files in a temp
// directory, the ledger in a temp state file. Run as root (CI is), else skipped.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeContext } from '../../agent/context';
import { emptyState } from '../../agent/host-state';
import { ownership, writeManaged } from '../../agent/managed-files';
import { sha256 } from '../../agent/atomic';

const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'dw-managed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OPTS = { mode: 0o644, uid: 0, gid: 0 };
const newCtx = () => makeContext(emptyState(), false, join(dir, `state-${Math.random().toString(16).slice(2)}.json`));

(root ? test : test.skip)('absent -> created; same content -> ok; ours -> rewritten; edited -> kept; reclaim -> replaced', () => {
  const ctx = newCtx();
  const file = join(dir, 'a.conf');
  expect(writeManaged(ctx, file, 'one\n', OPTS)).toEqual({ kind: 'changed', detail: 'created' });
  expect(ctx.state.files[file]).toEqual({ sha256: sha256('one\n') });
  expect(statSync(file).mode & 0o777).toBe(0o644);
  expect(writeManaged(ctx, file, 'one\n', OPTS)).toEqual({ kind: 'ok', detail: undefined });
  expect(writeManaged(ctx, file, 'two\n', OPTS)).toEqual({ kind: 'changed', detail: 'rewritten' });
  expect(readFileSync(file, 'utf8')).toBe('two\n');
  writeFileSync(file, 'hand edit\n');
  expect(ownership(ctx, file)).toBe('foreign');
  expect(writeManaged(ctx, file, 'three\n', OPTS)).toEqual({ kind: 'skipped', why: `${file} was not written by the agent: kept as is` });
  expect(readFileSync(file, 'utf8')).toBe('hand edit\n');
  expect(writeManaged(ctx, file, 'three\n', { ...OPTS, reclaim: true })).toEqual({ kind: 'changed', detail: 'hand edit (drift) replaced' });
  expect(readFileSync(file, 'utf8')).toBe('three\n');
});

(root ? test : test.skip)('a file we never wrote: kept, or taken over (recorded as ours when it already holds the content)', () => {
  const ctx = newCtx();
  const file = join(dir, 'b.map');
  writeFileSync(file, 'theirs\n');
  expect(writeManaged(ctx, file, 'ours\n', OPTS).kind).toBe('skipped');
  expect(writeManaged(ctx, file, 'theirs\n', { ...OPTS, takeOver: true })).toEqual({ kind: 'ok', detail: undefined });
  expect(ctx.state.files[file]).toEqual({ sha256: sha256('theirs\n') });
  const other = join(dir, 'c.map');
  writeFileSync(other, 'theirs\n');
  expect(writeManaged(ctx, other, 'ours\n', { ...OPTS, takeOver: true })).toEqual({ kind: 'changed', detail: 'rewritten' });
  expect(readFileSync(other, 'utf8')).toBe('ours\n');
});

(root ? test : test.skip)('the previous content of an interrupted rewrite is still ours', () => {
  const ctx = newCtx();
  const file = join(dir, 'd.conf');
  writeManaged(ctx, file, 'old\n', OPTS);
  // As if killed between the ledger write and the rename: the ledger names both.
  ctx.state.files[file] = { sha256: sha256('new\n'), previous: sha256('old\n') };
  expect(ownership(ctx, file)).toBe('ours');
  expect(writeManaged(ctx, file, 'new\n', OPTS)).toEqual({ kind: 'changed', detail: 'rewritten' });
  expect(ctx.state.files[file]).toEqual({ sha256: sha256('new\n') });
});
