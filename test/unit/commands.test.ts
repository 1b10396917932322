// The commands as the npm scripts run them: exit codes, output, --help, the shared option
// spellings and environment overrides, a failed synth that leaves cdktf.out untouched, and
// a synth that needs only Node (no terraform on PATH, no network) and is byte-identical.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, REPO_ROOT } from '../support/inputs';
import { fileTree } from '../support/file-tree';
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

function workdir(roster = EXAMPLE_ROSTER_TEXT, configBase = CONFIG_BASE): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-cmd-'));
  mkdirSync(join(dir, 'roster'));
  writeFileSync(join(dir, 'roster/roster.yaml'), roster);
  writeFileSync(join(dir, 'roster/site.yaml'), EXAMPLE_SITE_TEXT.replace('https://github.com/ViktorBarzin/dotfiles.git', configBase));
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
    expect(r.stdout).toBe('');
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

  test('--roster=FILE and --site=FILE; a bare roster still works with a deprecation warning', () => {
    const dir = workdir(BROKEN);
    const valid = workdir(); // its roster/ holds the valid fixture (tests never read the live files)
    const r = runBin('validate', [`--roster=${join(dir, 'roster/roster.yaml')}`, '--site=roster/site.yaml'], { cwd: valid });
    expect(r.code).toBe(1);
    const bare = runBin('validate', ['roster/roster.yaml'], { cwd: valid });
    expect(bare.code).toBe(0);
    expect(bare.stderr).toBe('warning: a bare roster argument is deprecated: use --roster roster/roster.yaml\n');
  });
});

describe('--help', () => {
  test.each(COMMANDS.map((c) => c.name))('npm run %s -- --help: usage, every option, exit codes; exit 0', (name) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const r = runBin(name, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: npm run ${name} --`));
    for (const o of spec.options) expect(r.stdout).toContain(`--${o.name}`);
    expect(r.stdout).toContain('-h, --help');
    expect(r.stdout).toMatch(/\nExit codes:\n {2}0 {2}/);
  });

  test('-h is --help, and wins over options that would fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-help-'));
    const r = runBin('synth', ['--roster', 'missing.yaml', '-h'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(runBin('synth', ['--help']).stdout);
    expect(readdirSync(dir)).toEqual([]); // help writes nothing
  });

  test('an unknown option of plan, apply or schema exits 2 and points at --help, having run nothing', () => {
    for (const name of ['plan', 'apply', 'schema']) {
      const r = runBin(name, ['--bogus']);
      expect([name, r.code, r.stdout, r.stderr]).toEqual([name, 2, '', `error: unknown option --bogus; see \`npm run ${name} -- --help\`\n`]);
    }
  });

  test('the host agent: agent.js --help and <command> --help exit 0; a bad option exits 2 naming --help', () => {
    const agent = (...args: string[]) => spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(REPO_ROOT, 'agent/main.ts'), ...args], { encoding: 'utf8' });
    const all = agent('--help');
    expect(all.status).toBe(0);
    for (const c of ['host', 'claude-layer', 'preflight', 'onboard', 'converge', 'offboard', 'plan', 'status', 'purge', 'cutover', 'rollback']) expect(all.stdout).toContain(`  ${c} `);
    expect(all.stdout).toContain('Exit codes:');
    expect(agent('-h').stdout).toBe(all.stdout);
    const one = agent('cutover', '--help');
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^Usage: node agent\.js cutover <os_user> \[--force\] \[--break-links\]\n/);
    expect(one.stdout).toContain('--force');
    expect(one.stdout).toContain('--break-links');
    const bad = agent('status', '--bogus');
    expect([bad.status, bad.stderr]).toEqual([2, 'agent: status: unknown option --bogus; see agent.js status --help\n']);
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
        // resources: bindings, personal policy, entity, alias, policy attachment and the
        // Authentik user lookup (namespace-owners add one RoleBinding per owned namespace),
        // plus the devvm stack's account and profile instances for each workstation.
        'os_user    tier             namespaces     workstation  resources',
        'ancamilea  namespace-owner  plotting-book  parked       9',
        'emo        power-user       -              active       8',
        'gheorghe   namespace-owner  vabbit81       none         7',
        'wizard     admin            -              active       8',
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

  test('the committed example synthesizes byte-identically twice: every file, assets and manifest included', () => {
    const a = workdir();
    const b = workdir();
    expect(runBin('synth', [], { cwd: a }).code).toBe(0);
    expect(runBin('synth', [], { cwd: b }).code).toBe(0);
    const files = fileTree(join(a, 'cdktf.out'));
    expect([...files.keys()].filter((f) => f.endsWith('cdk.tf.json')).sort()).toEqual(['stacks/workstations-devvm/cdk.tf.json', 'stacks/workstations/cdk.tf.json']);
    expect(files).toEqual(fileTree(join(b, 'cdktf.out')));
  });

  test('needs only Node: no terraform or git on PATH, no network, and the same bytes as a normal synth', async () => {
    // A git:// Config base on loopback that accepts and never answers: a synth that tried to
    // resolve its head would hang on it, and its connection would be counted here.
    const connections: Socket[] = [];
    const server: Server = createServer((sock) => connections.push(sock));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `git://127.0.0.1:${(server.address() as { port: number }).port}/config-base.git`;
      const nodeOnly = mkdtempSync(join(tmpdir(), 'dw-node-only-'));
      symlinkSync(process.execPath, join(nodeOnly, 'node'));
      const hermetic = workdir(EXAMPLE_ROSTER_TEXT, url);
      const normal = workdir(EXAMPLE_ROSTER_TEXT, url);
      const r = runBin('synth', [], { cwd: hermetic, env: { PATH: nodeOnly } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(runBin('synth', [], { cwd: normal }).code).toBe(0);
      expect(fileTree(join(hermetic, 'cdktf.out'))).toEqual(fileTree(join(normal, 'cdktf.out')));
      // Connections made while the synths ran wait in the backlog; let them be accepted.
      for (let i = 0; i < 5; i++) await new Promise((done) => setImmediate(done));
      expect(connections.length).toBe(0);
    } finally {
      for (const c of connections) c.destroy();
      server.close();
    }
  });

  test('ROSTER, --roster=FILE and --site=FILE', () => {
    const dir = workdir(BROKEN);
    const viaEnv = runBin('synth', [], { cwd: dir, env: { ROSTER: join(workdir(), 'roster/roster.yaml') } });
    expect(viaEnv.code).toBe(0);
    const viaEq = runBin('synth', ['--roster=roster/roster.yaml', `--site=${join(dir, 'roster/site.yaml')}`], { cwd: dir });
    expect(viaEq.code).toBe(1);
    expect(viaEq.stderr).toContain('people.emo.tier');
  });
});

