// `npm run import` on fixture files (test/fixtures/import/): the roster written from sources
// that agree, one problem line per disagreement naming the source line, --allow-problems
// leaving the disputed people out, and the real command end to end (its output validated
// by the real `validate` command against the site with the adoption settings).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importRoster, ImportInputs } from '../../src/import/import';
import { renderSiteSnippet, withAdoptionSettings } from '../../src/import/render';
import { parseSite, parseRoster } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { EXAMPLE_SITE_TEXT, FIXTURE_SITE, REPO_ROOT } from '../support/inputs';
import { runBin } from '../support/run';
import { synthWorkstations } from '../support/synth';

const DIR = 'test/fixtures/import';
const SOURCES = ['shipped-roster.yaml', 'k8s_users.json', 'passwd', 'group', 'authentik-groups.json'];
const read = (rel: string) => readFileSync(join(REPO_ROOT, rel), 'utf8');
const source = (set: string, name: string) => ({ file: `${DIR}/${set}/${name}`, text: read(`${DIR}/${set}/${name}`) });

function inputs(set: string, change: Partial<ImportInputs> = {}): ImportInputs {
  return {
    shippedRoster: source(set, 'shipped-roster.yaml'),
    k8sUsers: source(set, 'k8s_users.json'),
    passwd: source(set, 'passwd'),
    group: source(set, 'group'),
    authentikGroups: source(set, 'authentik-groups.json'),
    site: { file: FIXTURE_SITE, text: EXAMPLE_SITE_TEXT },
    out: 'roster/roster.yaml',
    ...change,
  };
}

const lines = (r: ReturnType<typeof importRoster>) => r.problems.map(formatProblem);
const adoptedSite = () => {
  const s = parseSite(FIXTURE_SITE, withAdoptionSettings(EXAMPLE_SITE_TEXT));
  if (!s.ok) throw new Error(s.problems.map(formatProblem).join('\n'));
  return s.value;
};

describe('sources that agree', () => {
  test('give exactly the expected roster, with no problem', () => {
    const r = importRoster(inputs('clean'));
    expect(lines(r)).toEqual([]);
    expect(r.roster).toBe(read(`${DIR}/clean/expected-roster.yaml`));
    expect(r.written).toEqual(['ilse', 'mara', 'oskar', 'petra', 'tomas']);
  });

  test('the roster holds what each source says: pinned uids, legacy, tiers, namespaces, emails, usernames, web keys', () => {
    const r = importRoster(inputs('clean'));
    const parsed = parseRoster('roster/roster.yaml', r.roster!, adoptedSite());
    if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
    const { people } = parsed.value;
    expect(people.mara).toMatchObject({ uid: 1000, tier: 'admin', email: 'mara@example.org', authentik_user: 'mara@example.net', workstation: { legacy: true, login_shell: '/usr/bin/zsh' } });
    // The shipped authentik_user (t.berg) is the web key; it is not the Authentik username's local part.
    expect(people.tomas.workstation).toMatchObject({ legacy: true, web_key: 't.berg', code_layout: 'workspace', repos: ['notes'] });
    expect(people.mara.workstation!.web_key).toBeUndefined(); // mara@... -> mara: the default
    expect(people.ilse).toMatchObject({ k8s_user: 'ilsev', namespaces: ['garden'], workstation: { parked: true, claude_auth: false } });
    // k8s_users entries without an account: cluster access only (petra's row is commented out).
    expect(people.oskar).toEqual({ email: 'oskar@example.org', authentik_user: 'oskar@example.net', tier: 'namespace-owner', namespaces: ['forge'] });
    expect(people.petra.workstation).toBeUndefined();
  });

  test('is deterministic: the same sources give the same bytes', () => {
    expect(importRoster(inputs('clean')).roster).toBe(importRoster(inputs('clean')).roster);
  });

  test('without the Authentik export a k8s_users-only person has no username: a problem, not a guess', () => {
    const r = importRoster(inputs('clean', { authentikGroups: undefined }));
    expect(lines(r)).toEqual([
      'test/fixtures/import/clean/k8s_users.json:6:3 oskar: no Authentik username: oskar is only in test/fixtures/import/clean/k8s_users.json; give the Authentik export (--authentik-groups) or add a shipped row',
    ]);
    expect(r.roster).toBeUndefined();
    // The shipped rows keep their authentik_user as written.
    const allowed = importRoster(inputs('clean', { authentikGroups: undefined }), { allowProblems: true });
    expect(allowed.leftOut).toEqual(['oskar']);
    expect(allowed.roster).toContain('    authentik_user: t.berg\n');
  });
});

describe('sources that disagree', () => {
  test('every disagreement is one problem line at its source line; nothing is written', () => {
    const r = importRoster(inputs('conflicts'));
    expect(lines(r).map((l) => `${l}\n`).join('')).toBe(read(`${DIR}/conflicts/expected-problems.txt`));
    expect(r.roster).toBeUndefined();
    expect(r.written).toEqual([]);
  });

  test('each kind of conflict is there', () => {
    const text = lines(importRoster(inputs('conflicts'))).join('\n');
    for (const kind of [
      /shipped-roster\.yaml:7:3 users\.nils: in the shipped roster but .*passwd has no account nils/, // row without an account
      /passwd:8:9 bruno: uid clash: uid 1001 is also tomas's \(.*passwd:5\)/,
      /shipped-roster\.yaml:4:58 users\.mara\.tier: tier admin here, but .* gives mara role power-user \(.*k8s_users\.json:3\)/,
      /shipped-roster\.yaml:6:87 users\.ilse\.namespaces: namespaces \[garden\] here, but .* has \[garden, shed\]/,
      /group:3:25 tomas: tomas is in group docker, which tier power-user does not grant/,
      /passwd:11:1 \(line\): unparsable passwd line/,
      /passwd:5:37 tomas: the account's shell is \/usr\/sbin\/nologin \(no login\)/,
      /group:5:10 broken: unparsable group line: gid "notanumber"/,
      /shipped-roster\.yaml:9:3 users\.petra: this row is commented out .* still has the account/,
      /k8s_users\.json:8:3 oskar: oskar is in .* and has a devvm account .* but no row in the shipped roster/,
      /passwd:8:1 bruno: account bruno \(uid 1001, inside the uid_range\) is in neither/,
      /users\.nils\.k8s_user: k8s_user nils is not in /,
      /authentik-groups\.json:8:20 mara@example\.net: .* member of kubernetes-power-users \(tier power-user\), but mara's tier is admin/,
      /authentik-groups\.json:9:51 t\.berg@example\.net: Authentik has email tomas@example\.com .* but .* has tomas\.berg@example\.org/,
      /authentik-groups\.json:5:20 quinn@example\.net: .* in no other source/,
      /users\.lena\.authentik_user: matches several Authentik users/,
      /users\.tomas\.authentik_user: tomas has a devvm workstation, but t\.berg@example\.net is not a member of T3 Users/,
    ]) expect(text).toMatch(kind);
  });

  test('--allow-problems writes the roster without every disputed person', () => {
    const r = importRoster(inputs('conflicts'), { allowProblems: true });
    expect(r.roster).toBe(read(`${DIR}/conflicts/expected-roster.yaml`));
    expect(r.written).toEqual(['wanda']);
    expect(r.leftOut).toEqual(['ilse', 'lena', 'mara', 'nils', 'oskar', 'petra', 'tomas']);
    expect(lines(r)).toHaveLength(17); // still reported
  });

  test("the validator's findings point at the source line of the value, and dispute that person", () => {
    // A namespace the site reserves (kube-*): only the real validator knows the rule.
    const k8sUsers = source('clean', 'k8s_users.json');
    const r = importRoster(inputs('clean', { k8sUsers: { ...k8sUsers, text: k8sUsers.text.replace('"forge"', '"kube-forge"') } }));
    expect(lines(r)).toEqual([
      expect.stringMatching(/^test\/fixtures\/import\/clean\/k8s_users\.json:6:85 people\.oskar\.namespaces\.0: .*kube-\*.* \(in the imported roster\)$/),
    ]);
    expect(importRoster(inputs('clean', { k8sUsers: { ...k8sUsers, text: k8sUsers.text.replace('"forge"', '"kube-forge"') } }), { allowProblems: true }).leftOut).toEqual(['oskar']);
  });

  test('a roster left without an admin is refused even with --allow-problems', () => {
    const k8sUsers = source('clean', 'k8s_users.json');
    const r = importRoster(inputs('clean', { k8sUsers: { ...k8sUsers, text: k8sUsers.text.replace('"role": "admin"', '"role": "power-user"') } }), { allowProblems: true });
    expect(r.roster).toBeUndefined();
    expect(lines(r).some((l) => l.includes('admin') && l.includes('(in the imported roster)'))).toBe(true);
  });
});

describe('unreadable sources', () => {
  test('invalid JSON, an unknown role, an unknown shipped key and a non-numeric uid name their line and column', () => {
    const clean = (name: string) => source('clean', name);
    const r = importRoster(
      inputs('clean', {
        k8sUsers: { ...clean('k8s_users.json'), text: clean('k8s_users.json').text.replace('"role": "power-user"', '"role": "poweruser"') },
        shippedRoster: { ...clean('shipped-roster.yaml'), text: clean('shipped-roster.yaml').text.replace('parked: true', 'parkd: true') },
        passwd: { ...clean('passwd'), text: clean('passwd').text.replace('tomas:x:1001', 'tomas:x:10O1') },
      }),
    );
    expect(lines(r)).toEqual(expect.arrayContaining([
      'test/fixtures/import/clean/k8s_users.json:3:21 tomas.role: unknown role "poweruser" (the site\'s vault.legacy_cross_check.roles: admin, power-user, namespace-owner)',
      expect.stringMatching(/^test\/fixtures\/import\/clean\/shipped-roster\.yaml:6:\d+ users\.ilse\.parkd: unknown key "parkd" in the shipped roster format/),
      'test/fixtures/import/clean/passwd:5:9 tomas: unparsable passwd line: uid "10O1" is not a number',
    ]));
    const bad = importRoster(inputs('clean', { authentikGroups: { file: 'ak.json', text: '{\n  "results": [\n    {"name": "x",}\n  ]\n}\n' } }));
    expect(lines(bad)).toContain('ak.json:3:18 (document): not valid JSON: Expected double-quoted property name');
  });
});

describe('the adoption settings', () => {
  test('the snippet and the merged site set every plane to observe and every host file to the reconciler', () => {
    const snippet = renderSiteSnippet();
    expect(snippet).toContain('migration:\n  authentik: observe\n  vault: observe\n  kubernetes: observe\n');
    expect(snippet).toContain('devvm:\n  writers:\n    user_maps: reconciler\n    managed_settings: reconciler\n    units: reconciler\n');
    const site = adoptedSite();
    expect(site.migration).toEqual({ authentik: 'observe', vault: 'observe', kubernetes: 'observe' });
    expect(site.devvm.writers).toEqual({ user_maps: 'reconciler', managed_settings: 'reconciler', units: 'reconciler' });
    // Nothing else of the site moves (the test site owns every plane; the rest is kept, comments too).
    expect(withAdoptionSettings(EXAMPLE_SITE_TEXT)).toContain('# EXAMPLE address: replace with the API server of the cluster');
  });

  // An observe plan manages nothing in any plane, so no resource of a plane's types remains
  // (what is left are data sources, checks and outputs: reads only).
  test('observe: the imported roster synthesizes no managed resource in any plane', () => {
    const r = importRoster(inputs('clean'));
    const site = adoptedSite();
    const roster = parseRoster('roster/roster.yaml', r.roster!, site);
    if (!roster.ok) throw new Error(roster.problems.map(formatProblem).join('\n'));
    const tf = synthWorkstations({ roster: roster.value, site });
    const managed = Object.keys(tf.resource ?? {}).filter((type) => /^(authentik_|vault_|kubernetes_)/.test(type));
    expect(managed).toEqual([]);
    expect(Object.keys(tf.data ?? {}).length).toBeGreaterThan(0);
  });
});

describe('npm run import, end to end', () => {
  function workdir(set: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'dw-import-'));
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'roster'));
    for (const name of SOURCES) copyFileSync(join(REPO_ROOT, DIR, set, name), join(dir, 'in', name));
    writeFileSync(join(dir, 'roster/site.yaml'), EXAMPLE_SITE_TEXT);
    return dir;
  }
  const args = (extra: string[] = []) => [
    '--shipped-roster', 'in/shipped-roster.yaml', '--k8s-users', 'in/k8s_users.json', '--passwd', 'in/passwd', '--group', 'in/group',
    '--authentik-groups', 'in/authentik-groups.json', '--out', 'roster/roster.yaml', ...extra,
  ];

  test('writes a roster that `validate` accepts with the adoption settings merged into the site', () => {
    const dir = workdir('clean');
    const r = runBin('import', args(['--site-snippet', 'roster/adoption.yaml']), { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'roster/roster.yaml: written: 5 people (1 admin, 1 power-user, 3 namespace-owner); workstations: 2 active, 1 parked\n' +
        'roster/adoption.yaml: the adoption settings to merge into the site\n',
    );
    expect(readFileSync(join(dir, 'roster/adoption.yaml'), 'utf8')).toBe(renderSiteSnippet());
    writeFileSync(join(dir, 'roster/site.yaml'), withAdoptionSettings(EXAMPLE_SITE_TEXT));
    const v = runBin('validate', [], { cwd: dir });
    expect([v.code, v.stderr]).toEqual([0, '']);
    expect(v.stdout).toBe('roster/roster.yaml: valid: 5 people (1 admin, 1 power-user, 3 namespace-owner); workstations: 2 active, 1 parked\n');
  });

  test('never overwrites without --force; --force does', () => {
    const dir = workdir('clean');
    writeFileSync(join(dir, 'roster/roster.yaml'), 'mine\n');
    const r = runBin('import', args(), { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, 'error: roster/roster.yaml exists: refusing to overwrite it without --force\n']);
    expect(readFileSync(join(dir, 'roster/roster.yaml'), 'utf8')).toBe('mine\n');
    const forced = runBin('import', args(['--force']), { cwd: dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('\nmigration:\n  authentik: observe\n'); // the snippet on stdout
    expect(readFileSync(join(dir, 'roster/roster.yaml'), 'utf8')).toContain('version: 1\npeople:\n');
  });

  test('problems: exit 1, the lines on stderr, nothing written; --allow-problems writes the undisputed', () => {
    const dir = workdir('conflicts');
    const r = runBin('import', args(), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const expected = read(`${DIR}/conflicts/expected-problems.txt`).replaceAll(`${DIR}/conflicts/`, 'in/');
    expect(r.stderr).toBe(`${expected}17 problems: nothing written (--allow-problems writes the roster without the disputed people)\n`);
    expect(readdirSync(join(dir, 'roster'))).toEqual(['site.yaml']);
    const allowed = runBin('import', args(['--allow-problems']), { cwd: dir });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toBe(expected);
    expect(allowed.stdout.split('\n')[0]).toBe('roster/roster.yaml: written: 1 people (1 admin, 0 power-user, 0 namespace-owner); workstations: 1 active, 0 parked; left out (disputed): ilse, lena, mara, nils, oskar, petra, tomas');
  });

  test('a missing required option or file is a usage error (exit 2)', () => {
    const dir = workdir('clean');
    expect(runBin('import', ['--out', 'x.yaml'], { cwd: dir })).toEqual({ code: 2, stdout: '', stderr: 'error: --shipped-roster FILE is required; see `npm run import -- --help`\n' });
    const missing = runBin('import', args().map((a) => (a === 'in/passwd' ? 'in/nope' : a)), { cwd: dir });
    expect([missing.code, missing.stderr]).toEqual([2, 'error: cannot read in/nope: no such file\n']);
  });
});

test("README's example problem lines are what the import prints for the conflicts fixture", () => {
  const readme = read('README.md');
  const start = readme.indexOf('### A first roster from what exists');
  const block = /```text\n([\s\S]*?)```/.exec(readme.slice(start))![1].trimEnd().split('\n');
  const printed = read(`${DIR}/conflicts/expected-problems.txt`).replaceAll(`${DIR}/conflicts/`, 'in/').trimEnd().split('\n');
  expect(block.slice(0, -1).filter((l) => !printed.includes(l))).toEqual([]);
  expect(block[block.length - 1]).toBe(`${printed.length} problems: nothing written (--allow-problems writes the roster without the disputed people)`);
});
