// agent/steps/clone.ts's one look for a fast-forward: the mirror's branch tips (git
// ls-remote through the same upload-pack as a fetch) and the clone's HEAD (rev-parse,
// exec'd last), from a real git: a bare mirror with two branches and a clone of it, on a
// branch, detached, and with the mirror unreadable (no tips: nothing to fast-forward).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHeads } from '../../agent/steps/clone';
import { git, headsScript, makeMirror } from '../support/git-mirror';

const dir = mkdtempSync(join(tmpdir(), 'dw-clone-heads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mirror = join(dir, 'mirror.git');
const clone = join(dir, 'clone');
const look = (target: string, mirrorPath: string) => {
  const r = headsScript(target, mirrorPath);
  return { status: r.status, ...parseHeads(r.stdout) };
};

beforeAll(() => {
  makeMirror(dir);
  git('clone', '-q', mirror, clone);
});

test('on a branch: its commit and ref, and every branch tip of the mirror', () => {
  expect(look(clone, mirror)).toEqual({
    status: 0,
    local: git('-C', clone, 'rev-parse', 'HEAD'),
    ref: 'refs/heads/main',
    tips: new Map([
      ['refs/heads/main', git('-C', mirror, 'rev-parse', 'refs/heads/main')],
      ['refs/heads/other', git('-C', mirror, 'rev-parse', 'refs/heads/other')],
    ]),
  });
});

test('detached: the ref is "HEAD"', () => {
  git('-C', clone, 'checkout', '-q', '--detach', 'HEAD~1');
  const r = look(clone, mirror);
  expect([r.status, r.local, r.ref]).toEqual([0, git('-C', clone, 'rev-parse', 'HEAD'), 'HEAD']);
  git('-C', clone, 'checkout', '-q', 'main');
});

test('a mirror that cannot be read: no tips, the HEAD still answered', () => {
  const r = look(clone, join(dir, 'missing.git'));
  expect([r.status, r.ref, r.tips.size]).toEqual([0, 'refs/heads/main', 0]);
});

test('not a clone: rev-parse fails, and the exit status says so', () => {
  expect(look(join(dir, 'nothing'), mirror).status).not.toBe(0);
});
