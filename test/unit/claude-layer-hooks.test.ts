// The hook scripts the managed layer ships run in every session of every person: they must be
// fail-open (exit 0 whatever happens) and say only what they are sure of.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLayer } from '../../src/claude-layer';
import { LAYER_SOURCE_DIR } from '../../src/claude-layer/layout';

const SCRIPT = path.join(LAYER_SOURCE_DIR, 'hooks', 'session-start-git-crypt');
const LOCKED = /git-crypt files .* are LOCKED/;
const UNLOCKED = /git-crypt files .* are UNLOCKED/;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-layer-hooks-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the hook as Claude Code would for a session in `projectDir`, with hook JSON on stdin. */
function runHook(projectDir: string) {
  const r = spawnSync('sh', [SCRIPT], {
    cwd: tmp,
    env: { PATH: process.env.PATH, HOME: tmp, CLAUDE_PROJECT_DIR: projectDir },
    input: JSON.stringify({ hook_event_name: 'SessionStart', source: 'startup' }),
    encoding: 'utf8',
    timeout: 8000,
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

function repo(name: string, gitattributes?: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  expect(spawnSync('git', ['init', '-q', dir]).status).toBe(0);
  if (gitattributes !== undefined) fs.writeFileSync(path.join(dir, '.gitattributes'), gitattributes);
  return dir;
}

const GIT_CRYPT_ATTRS = 'terraform.tfvars filter=git-crypt diff=git-crypt\nsecrets/** filter=git-crypt diff=git-crypt\n';

test('a locked git-crypt clone gets the LOCKED note, also from a subdirectory', () => {
  const dir = repo('infra', GIT_CRYPT_ATTRS);
  fs.mkdirSync(path.join(dir, 'stacks'));
  for (const project of [dir, path.join(dir, 'stacks')]) {
    const r = runHook(project);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(LOCKED);
    expect(r.stdout.split('\n')).toHaveLength(1);
  }
});

test('an unlocked clone (git-crypt key present) gets the UNLOCKED note', () => {
  const dir = repo('infra', GIT_CRYPT_ATTRS);
  fs.mkdirSync(path.join(dir, '.git', 'git-crypt', 'keys'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.git', 'git-crypt', 'keys', 'default'), 'not a real key');
  expect(runHook(dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(UNLOCKED) });
});

test.each([
  ['a repo without git-crypt', () => repo('plain', '*.png binary\n')],
  ['a repo without .gitattributes', () => repo('bare')],
  ['a directory outside any repo', () => fs.mkdtempSync(path.join(tmp, 'nogit-'))],
  ['a project directory that does not exist', () => path.join(tmp, 'gone')],
])('fail-open and silent for %s', (_what, project) => {
  expect(runHook(project())).toEqual({ code: 0, stdout: '', stderr: '' });
});

test('every shipped hook script has a shebang, so the host can run it directly', () => {
  for (const script of loadLayer().hookScripts) expect(script.text).toMatch(/^#!\/\S+\n/);
});
