// agent/person-look.ts: the layout look, the clones' heads look and the claude look in one
// sh run give the answers the separate looks give. The script runs in a real sh here (as the
// test's own user, without runuser), over a directory holding every kind of entry, with
// stand-in login shells that find claude, find nothing, or print profile noise first, and
// with real git clones (on a branch, detached, missing, mirror unreadable).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERSON_LOOK, parsePersonLook, personLookArgs } from '../../agent/person-look';
import { CLAUDE_LOOK, claudeLookArgs, parseClaudeLook } from '../../agent/steps/claude-install';
import { CloneAt, parseHeads } from '../../agent/steps/clone';
import { git, headsScript, makeMirror } from '../support/git-mirror';
import { kindsLook, layoutLookPaths, parseKinds } from '../../agent/steps/layout';

const homes: string[] = [];
const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'dw-person-look-'));
  homes.push(h);
  return h;
};
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

const sh = (script: string, args: string[]) => spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', input: '' });

/** A stand-in login shell in `home`: prints `lines`, exits with `status`. */
function loginShell(home: string, name: string, lines: string[], status: number): string {
  const file = join(home, name);
  writeFileSync(file, `#!/bin/sh\n${lines.map((l) => `echo '${l}'`).join('\n')}\nexit ${status}\n`);
  chmodSync(file, 0o755);
  return file;
}

const layouts: [string, (home: string) => void][] = [
  ['no ~/code', () => undefined],
  ['a single-layout clone', (home) => {
    mkdirSync(join(home, 'code/.git'), { recursive: true });
    writeFileSync(join(home, 'code/.git/workstations-clone'), 'p\n');
  }],
  ['~/code a link, infra marker a directory', (home) => {
    mkdirSync(join(home, 'elsewhere/infra/.git/workstations-clone'), { recursive: true });
    symlinkSync(join(home, 'elsewhere'), join(home, 'code'));
  }],
];

describe.each(layouts)('%s', (_name, make) => {
  const home = newHome();
  beforeAll(() => make(home));

  test.each([
    ['finds claude on PATH after profile noise', ['hello from .profile', '/opt/claude/bin/claude'], 0],
    ['finds nothing', [], 1],
    ['a profile that prints a path-like line and fails', ['/not/claude'], 1],
  ])('the one run answers as the two looks: %s', (_what, lines, status) => {
    const p = { osUser: 'nobody-here', home, shell: loginShell(home, `shell-${status}-${lines.length}`, lines, status) };
    const paths = layoutLookPaths(p);
    const separateKinds = parseKinds(sh(kindsLook(false), paths).stdout.split('\n'), paths.length);
    const claude = sh(CLAUDE_LOOK, claudeLookArgs(p));
    const one = sh(PERSON_LOOK, personLookArgs(p, paths, []));
    expect(parsePersonLook(p, paths.length, [], one.stdout, one.status ?? 128)).toEqual({
      layout: separateKinds,
      heads: new Map(),
      claude: { found: parseClaudeLook(p, claude.stdout, claude.status ?? 128) },
    });
  });
});

test('~/.local/bin/claude executable but not on PATH: found, not on PATH', () => {
  const home = newHome();
  mkdirSync(join(home, '.local/bin'), { recursive: true });
  writeFileSync(join(home, '.local/bin/claude'), '#!/bin/sh\n');
  chmodSync(join(home, '.local/bin/claude'), 0o755);
  const p = { osUser: 'nobody-here', home, shell: loginShell(home, 'shell-none', [], 1) };
  const paths = layoutLookPaths(p);
  const one = sh(PERSON_LOOK, personLookArgs(p, paths, []));
  expect(parsePersonLook(p, paths.length, [], one.stdout, one.status ?? 128).claude).toEqual({ found: { path: join(home, '.local/bin/claude'), onPath: false } });
});

test('an output without the layout part answers nothing, so each step looks itself', () => {
  const p = { osUser: 'x', home: '/nonexistent', shell: '/bin/sh' };
  expect(parsePersonLook(p, 4, [], '', 127)).toEqual({});
  expect(parsePersonLook(p, 4, [], 'd\nd\n', 124)).toEqual({});
  expect(parsePersonLook(p, 4, [], 'd\n\nd\nf\n-\n', 0)).toEqual({});
});

describe('with clones: each one answers as HEADS_SCRIPT does on its own', () => {
  const home = newHome();
  const mirror = join(home, 'mirror.git');
  const onBranch: CloneAt = { target: join(home, 'code'), mirror };
  const detached: CloneAt = { target: join(home, 'detached'), mirror };
  const missing: CloneAt = { target: join(home, 'not-cloned'), mirror };
  const unreadable: CloneAt = { target: join(home, 'code'), mirror: join(home, 'no-such-mirror.git') };
  const p = () => ({ osUser: 'nobody-here', home, shell: loginShell(home, 'shell-found', ['/opt/claude/bin/claude'], 0) });
  const alone = (c: CloneAt) => {
    const r = headsScript(c.target, c.mirror);
    return r.status === 0 ? parseHeads(r.stdout) : undefined;
  };
  beforeAll(() => {
    makeMirror(home);
    git('clone', '-q', mirror, onBranch.target);
    git('clone', '-q', mirror, detached.target);
    git('-C', detached.target, 'checkout', '-q', '--detach', 'HEAD~1');
  });

  test('on a branch, detached, a mirror it cannot read: answered; not a clone: left to the step', () => {
    const person = p();
    const paths = layoutLookPaths(person);
    for (const clones of [[onBranch], [detached, missing, onBranch], [missing], [unreadable, detached]]) {
      const one = sh(PERSON_LOOK, personLookArgs(person, paths, clones));
      const look = parsePersonLook(person, paths.length, clones, one.stdout, one.status ?? 128);
      const expected = new Map(clones.flatMap((c) => (alone(c) ? [[c.target, alone(c)!] as const] : [])));
      expect(look.heads).toEqual(expected);
      expect(look.claude).toEqual({ found: { path: '/opt/claude/bin/claude', onPath: true } });
      expect(look.layout).toEqual(parseKinds(sh(kindsLook(false), paths).stdout.split('\n'), paths.length));
    }
    // The separate look agrees with what git itself says.
    expect(alone(detached)).toMatchObject({ local: git('-C', detached.target, 'rev-parse', 'HEAD'), ref: 'HEAD' });
    expect(alone(onBranch)?.tips.get('refs/heads/other')).toBe(git('-C', mirror, 'rev-parse', 'refs/heads/other'));
    expect(alone(missing)).toBeUndefined();
  });

  test('a run cut short in the heads part answers the layout only: the steps look themselves', () => {
    const person = p();
    const paths = layoutLookPaths(person);
    const one = sh(PERSON_LOOK, personLookArgs(person, paths, [onBranch, detached]));
    const lines = one.stdout.split('\n');
    // Everything up to, not including, the second clone's rc= line, as a killed run leaves it.
    const cut = lines.slice(0, lines.findIndex((l, i) => l.startsWith('rc=') && lines.slice(0, i).some((m) => m.startsWith('rc='))));
    const look = parsePersonLook(person, paths.length, [onBranch, detached], cut.join('\n'), 124);
    expect(look).toEqual({ layout: parseKinds(lines, paths.length) });
  });
});
