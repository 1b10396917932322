// The validate and synth commands: exit codes, output, environment overrides, and a
// failed synth that leaves cdktf.out untouched.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT } from '../support/inputs';
import { runBin } from '../support/run';

/** A local config-base repository, so synth can resolve its head without a network. */
function configBaseRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-config-base-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'master');
  writeFileSync(join(dir, 'README.md'), 'config base\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  return dir;
}

function workdir(roster = EXAMPLE_ROSTER_TEXT): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-cmd-'));
  mkdirSync(join(dir, 'roster'));
  writeFileSync(join(dir, 'roster/roster.yaml'), roster);
  writeFileSync(join(dir, 'roster/site.yaml'), EXAMPLE_SITE_TEXT.replace('https://github.com/ViktorBarzin/dotfiles.git', CONFIG_BASE));
  return dir;
}

const CONFIG_BASE = configBaseRepo();
const BROKEN = EXAMPLE_ROSTER_TEXT.replace('tier: power-user', 'tier: poweruser');

describe('validate', () => {
  test('a valid roster exits 0 with one summary line', () => {
    const r = runBin('validate', [], { cwd: workdir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('roster/roster.yaml: valid: 4 people (1 admin, 1 power-user, 2 namespace-owner); workstations: 2 active, 1 parked\n');
  });

  test('an invalid roster exits 1 with the problem lines on stderr', () => {
    const dir = workdir(BROKEN);
    const r = runBin('validate', [], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^roster\/roster\.yaml:\d+:11 people\.emo\.tier: expected one of admin, power-user, namespace-owner, got "poweruser"\n$/);
  });

  test('a missing file exits 2 with a clear message', () => {
    const r = runBin('validate', ['--roster', 'nope.yaml'], { cwd: workdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: cannot read nope.yaml: no such file\n');
  });

  test('an unknown option exits 2', () => {
    const r = runBin('validate', ['--sight', 'x'], { cwd: workdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown option --sight; see `npm run validate -- --help`\n');
  });

  test('ROSTER and SITE override the default paths; arguments override the environment', () => {
    const dir = workdir(BROKEN);
    const valid = workdir(); // the working directory: its roster/ holds the valid fixture
    const viaEnv = runBin('validate', [], { cwd: valid, env: { ROSTER: join(dir, 'roster/roster.yaml'), SITE: join(dir, 'roster/site.yaml') } });
    expect(viaEnv.code).toBe(1);
    const viaArgs = runBin('validate', ['--roster', 'roster/roster.yaml', '--site', 'roster/site.yaml'], { cwd: valid, env: { ROSTER: join(dir, 'roster/roster.yaml') } });
    expect(viaArgs.code).toBe(0);
    const missingSite = runBin('validate', [], { cwd: valid, env: { SITE: join(dir, 'missing.yaml') } });
    expect(missingSite.code).toBe(2);
    expect(missingSite.stderr).toContain('missing.yaml: no such file');
  });
});

describe('synth', () => {
  test('writes the workstations stack and prints the people table', () => {
    const dir = workdir();
    const r = runBin('synth', [], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      [
        // resources: bindings, personal policy, entity, alias and the Authentik user lookup
        // (namespace-owners add one RoleBinding per owned namespace), plus the devvm
        // stack's account and profile instances for each workstation.
        'os_user    tier             namespaces     workstation  resources',
        'ancamilea  namespace-owner  plotting-book  parked       8',
        'emo        power-user       -              active       7',
        'gheorghe   namespace-owner  vabbit81       none         6',
        'wizard     admin            -              active       7',
      ].join('\n'),
    );
    const stack = JSON.parse(readFileSync(join(dir, 'cdktf.out/stacks/workstations/cdk.tf.json'), 'utf8'));
    expect(stack.terraform.backend).toEqual({ pg: { schema_name: 'workstations' } });
    const devvm = JSON.parse(readFileSync(join(dir, 'cdktf.out/stacks/workstations-devvm/cdk.tf.json'), 'utf8'));
    expect(devvm.terraform.backend).toEqual({ pg: { schema_name: 'workstations-devvm' } });
    // No leftover staging directories next to cdktf.out.
    expect(readdirSync(dir).sort()).toEqual(['cdktf.out', 'roster']);
  });

  test('an invalid roster prints the problems, exits 1 and leaves cdktf.out untouched', () => {
    const dir = workdir();
    expect(runBin('synth', [], { cwd: dir }).code).toBe(0);
    const stackFile = join(dir, 'cdktf.out/stacks/workstations/cdk.tf.json');
    writeFileSync(stackFile, '{"marker": "previous synth"}');
    writeFileSync(join(dir, 'roster/roster.yaml'), BROKEN);
    const r = runBin('synth', [], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('people.emo.tier: expected one of admin, power-user, namespace-owner, got "poweruser"');
    expect(readFileSync(stackFile, 'utf8')).toBe('{"marker": "previous synth"}');
    expect(readdirSync(dir).sort()).toEqual(['cdktf.out', 'roster']);
  });

  test('the committed example synthesizes byte-identically twice', () => {
    const a = workdir();
    const b = workdir();
    runBin('synth', [], { cwd: a });
    runBin('synth', [], { cwd: b });
    for (const stack of ['workstations', 'workstations-devvm']) {
      const file = `cdktf.out/stacks/${stack}/cdk.tf.json`;
      expect(existsSync(join(a, file))).toBe(true);
      expect(readFileSync(join(a, file), 'utf8')).toBe(readFileSync(join(b, file), 'utf8'));
    }
  });
});

