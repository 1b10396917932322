// agent/person-look.ts: the layout look and the claude look in one sh run give the answers
// the two separate looks give. The script runs in a real sh here (as the test's own user,
// without runuser), over a directory holding every kind of entry, with stand-in login
// shells that find claude, find nothing, or print profile noise first.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERSON_LOOK, parsePersonLook } from '../../agent/person-look';
import { CLAUDE_LOOK, claudeLookArgs, parseClaudeLook } from '../../agent/steps/claude-install';
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
    const one = sh(PERSON_LOOK, [String(paths.length), ...paths, ...claudeLookArgs(p)]);
    expect(parsePersonLook(p, paths.length, one.stdout, one.status ?? 128)).toEqual({
      layout: separateKinds,
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
  const one = sh(PERSON_LOOK, [String(paths.length), ...paths, ...claudeLookArgs(p)]);
  expect(parsePersonLook(p, paths.length, one.stdout, one.status ?? 128).claude).toEqual({ found: { path: join(home, '.local/bin/claude'), onPath: false } });
});

test('an output without the layout part answers nothing, so each step looks itself', () => {
  const p = { osUser: 'x', home: '/nonexistent', shell: '/bin/sh' };
  expect(parsePersonLook(p, 4, '', 127)).toEqual({});
  expect(parsePersonLook(p, 4, 'd\nd\n', 124)).toEqual({});
  expect(parsePersonLook(p, 4, 'd\n\nd\nf\n-\n', 0)).toEqual({});
});
