// Every roster rule, each with an invalid roster and the exact line it must produce.
import { derive } from '../../src/desired/derive';
import { parseRoster } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { exampleSite, rosterProblems, yaml } from '../support/inputs';

// Line numbers below are those of BASE; each case edits one spot.
const BASE = yaml`
  version: 1
  people:
    wizard:
      email: wizard@example.com
      authentik_user: vbarzin
      tier: admin
      uid: 1000
      workstation: {}
    emo:
      email: emo@example.com
      authentik_user: emil.barzin
      tier: power-user
      uid: 1001
      workstation:
        parked: false
    anca:
      email: anca@example.com
      authentik_user: ancaelena98
      tier: namespace-owner
      namespaces: [plotting-book]
  retired_uids: [1500]
`;

const edit = (from: string, to: string, text = BASE) => {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return text.replace(from, to);
};

test('the base fixture is valid', () => {
  expect(rosterProblems(BASE)).toEqual([]);
});

describe('schema rules', () => {
  test('tier must be one of the three RBAC tiers', () => {
    expect(rosterProblems(edit('tier: power-user', 'tier: poweruser'))).toEqual([
      'roster/roster.yaml:12:11 people.emo.tier: expected one of admin, power-user, namespace-owner, got "poweruser"',
    ]);
  });

  test('os_user must be a Unix account name', () => {
    expect(rosterProblems(edit('  emo:\n', '  Emo:\n'))).toEqual([
      "roster/roster.yaml:9:3 people.Emo: invalid key \"Emo\": must be a Unix account name that is also a Kubernetes label value: a lowercase letter, then at most 31 lowercase letters, digits, '_' or '-', ending with a letter or digit",
    ]);
  });

  test.each(['root', 'sshd', 'www-data', 'nobody', 'systemd-network'])('os_user %s is a system account', (name) => {
    expect(rosterProblems(edit('  emo:\n', `  ${name}:\n`))).toEqual([
      `roster/roster.yaml:9:3 people.${name}: invalid key "${name}": is a system account name, not a person`,
    ]);
  });

  test('namespaces are DNS-1123 labels', () => {
    expect(rosterProblems(edit('[plotting-book]', '[Plotting_Book]'))).toEqual([
      'roster/roster.yaml:20:18 people.anca.namespaces.0: must be a DNS-1123 label (lowercase letters, digits and "-", at most 63, alphanumeric at both ends), got "Plotting_Book"',
    ]);
  });

  test.each([['default', 'default'], ['kube-system', 'kube-*'], ['kube-public', 'kube-*']])('namespace %s is refused', (ns, pattern) => {
    expect(rosterProblems(edit('[plotting-book]', `[plotting-book, ${ns}]`))).toEqual([
      `roster/roster.yaml:20:33 people.anca.namespaces.1: namespace "${ns}" is reserved: it matches "${pattern}", Kubernetes' own namespaces (reserved whatever kubernetes.reserved_namespaces says)`,
    ]);
  });

  test.each(['emo_', 'emo-', 'e-'])('os_user %s is refused: it is also a Kubernetes label value', (name) => {
    expect(rosterProblems(edit('  emo:\n', `  ${name}:\n`))).toEqual([
      `roster/roster.yaml:9:3 people.${name}: invalid key "${name}": must be a Unix account name that is also a Kubernetes label value: a lowercase letter, then at most 31 lowercase letters, digits, '_' or '-', ending with a letter or digit`,
    ]);
  });

  test.each(['e', 'e9', 'emo_2', `e${'x'.repeat(31)}`])('os_user %s is still valid', (name) => {
    expect(rosterProblems(edit('  emo:\n', `  ${name}:\n`))).toEqual([]);
  });

  test('os_user __proto__ is refused in words, not silently dropped', () => {
    // Before: the YAML-to-object copy set the prototype and the person vanished, valid.
    expect(rosterProblems(edit('  emo:\n', '  __proto__:\n'))).toEqual([
      `roster/roster.yaml:9:3 people.__proto__: key "__proto__" is not allowed: JavaScript treats it as the object's prototype, so this entry would be silently dropped`,
    ]);
  });

  test('booleans are real booleans', () => {
    expect(rosterProblems(edit('parked: false', 'parked: "yes"'))).toEqual([
      'roster/roster.yaml:15:15 people.emo.workstation.parked: expected boolean, got "yes"',
    ]);
    // YAML 1.1 spellings are plain strings in YAML 1.2 and are refused too.
    expect(rosterProblems(edit('parked: false', 'parked: yes'))).toEqual([
      'roster/roster.yaml:15:15 people.emo.workstation.parked: expected boolean, got "yes"',
    ]);
  });

  test('unknown keys are errors with a did-you-mean suggestion', () => {
    expect(rosterProblems(edit('    tier: power-user\n', '    tier: power-user\n    teir: admin\n'))).toEqual([
      'roster/roster.yaml:13:5 people.emo.teir: unknown key "teir" (did you mean "tier"?)',
    ]);
    expect(rosterProblems(edit('      parked: false', '      parked: false\n      memory: 12G'))).toEqual([
      'roster/roster.yaml:16:7 people.emo.workstation.memory: unknown key "memory" (did you mean "memory_max"?)',
    ]);
  });

  test('a misspelt required key is one line at the misspelling, not also "is required"', () => {
    expect(rosterProblems(edit('    email: emo@example.com\n', '    emial: emo@example.com\n'))).toEqual([
      'roster/roster.yaml:10:5 people.emo.emial: unknown key "emial" (did you mean "email"?)',
    ]);
    expect(rosterProblems(edit('    namespaces: [plotting-book]\n', '    namspaces: [plotting-book]\n'))).toEqual([
      'roster/roster.yaml:20:5 people.anca.namspaces: unknown key "namspaces" (did you mean "namespaces"?)',
    ]);
  });

  test('an unknown key far from every known key lists the known keys', () => {
    expect(rosterProblems(edit('version: 1\n', 'version: 1\nzzzzzz: 1\n'))).toEqual([
      'roster/roster.yaml:2:1 zzzzzz: unknown key "zzzzzz" (known keys: version, people, retired_uids)',
    ]);
  });

  test('duplicate YAML keys are errors naming the first occurrence', () => {
    expect(rosterProblems(edit('    uid: 1001\n', '    uid: 1001\n    tier: admin\n'))).toEqual([
      'roster/roster.yaml:14:5 people.emo.tier: duplicate key "tier" (first defined at roster/roster.yaml:12:5)',
    ]);
  });

  test('a duplicated person is an error, not a silent override', () => {
    const twice = edit('  anca:\n', '  emo:\n    email: x@example.com\n    authentik_user: x\n    tier: admin\n  anca:\n');
    expect(rosterProblems(twice)).toEqual([
      'roster/roster.yaml:16:3 people.emo: duplicate key "emo" (first defined at roster/roster.yaml:9:3)',
    ]);
  });

  test('YAML alias expansion is bounded', () => {
    const bomb = [
      'version: 1',
      'people: {}',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const problems = rosterProblems(bomb);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^roster\/roster\.yaml:1:1 \(document\): YAML aliases: .* \(at most 50 alias expansions\)$/);
  });

  test('a required field that is missing points at the person', () => {
    expect(rosterProblems(edit('    email: emo@example.com\n', ''))).toEqual([
      'roster/roster.yaml:9:3 people.emo.email: is required (string)',
    ]);
  });

  test('email must be an address', () => {
    expect(rosterProblems(edit('emo@example.com', 'emo at example'))).toEqual([
      'roster/roster.yaml:10:12 people.emo.email: must be an email address (the OIDC email claim), got "emo at example"',
    ]);
  });

  test('repository names are restricted and never "infra"', () => {
    const ws = edit('      parked: false', '      code_layout: workspace\n      repos: [infra, "-x", ok.repo]');
    expect(rosterProblems(ws)).toEqual([
      'roster/roster.yaml:16:15 people.emo.workstation.repos.0: "infra" is the infra clone itself and cannot be listed again, got "infra"',
      `roster/roster.yaml:16:22 people.emo.workstation.repos.1: must start with a letter or digit and contain only letters, digits, '.', '_' and '-', got "-x"`,
    ]);
  });

  test('memory_max is a systemd size', () => {
    expect(rosterProblems(edit('parked: false', 'memory_max: 12GB'))).toEqual([
      'roster/roster.yaml:15:19 people.emo.workstation.memory_max: must be a size like 512M, 12G or 1T (integer with K, M, G or T), got "12GB"',
    ]);
  });

  test('version must be 1', () => {
    expect(rosterProblems(edit('version: 1', 'version: 2'))).toEqual([
      'roster/roster.yaml:1:10 version: expected one of 1, got number 2',
    ]);
  });

  test('a YAML syntax error is one line and stops validation', () => {
    // The parser's later errors are echoes of the first: only the first is reported.
    expect(rosterProblems(edit('    email: emo@example.com\n', '    email: emo@example.com\n   uid: 5\n'))).toEqual([
      'roster/roster.yaml:11:1 (document): YAML syntax: All mapping items must start at the same column',
    ]);
  });

  test.each([
    ['quote', 'email: emo@example.com', 'email: "emo@example.com', '10:12 (document): YAML syntax: the quote (") opened here is never closed'],
    ['[', '[plotting-book]', '[plotting-book', '20:17 (document): YAML syntax: the "[" opened here is never closed with "]"'],
    ['{', 'workstation: {}', 'workstation: {', '8:18 (document): YAML syntax: the "{" opened here is never closed with "}"'],
  ])('an unclosed %s is reported where it opens, not where the file ends', (_name, from, to, line) => {
    expect(rosterProblems(edit(from, to))).toEqual([`roster/roster.yaml:${line}`]);
  });

  test.each([
    ['a key', '    email: emo@example.com\n', '\temail: emo@example.com\n', '10:1'],
    ['after spaces', '    tier: power-user\n', '  \ttier: power-user\n', '12:3'],
    ['a nested key', '      parked: false\n', '\t  parked: false\n', '15:1'],
  ])('a TAB indenting %s is one line at the tab', (_name, from, to, at) => {
    expect(rosterProblems(edit(from, to))).toEqual([
      `roster/roster.yaml:${at} (document): tabs are not allowed for indentation in YAML; use spaces`,
    ]);
  });

  test('a TAB after a key is plain YAML whitespace, not an error', () => {
    expect(rosterProblems(edit('uid: 1001', 'uid:\t1001'))).toEqual([]);
  });

  test.each([
    ['empty', ''],
    ['blank lines', '\n\n'],
    ['comments only', '# yaml-language-server: $schema=./roster.schema.json\n# nobody yet\n'],
  ])('an %s file says so in words', (_name, text) => {
    expect(rosterProblems(text)).toEqual([
      'roster/roster.yaml:1:1 (document): the file is empty; expected a mapping with "version" and "people"',
    ]);
  });
});

describe('cross-field rules', () => {
  test('a namespace-owner needs at least one namespace', () => {
    expect(rosterProblems(edit('    namespaces: [plotting-book]\n', ''))).toEqual([
      'roster/roster.yaml:16:3 people.anca.namespaces: is required for tier namespace-owner (at least one namespace)',
    ]);
    expect(rosterProblems(edit('[plotting-book]', '[]'))).toEqual([
      'roster/roster.yaml:20:17 people.anca.namespaces: must list at least one namespace for tier namespace-owner',
    ]);
  });

  test('other tiers may not own namespaces', () => {
    expect(rosterProblems(edit('    tier: power-user\n', '    tier: power-user\n    namespaces: [emo-ns]\n'))).toEqual([
      'roster/roster.yaml:13:17 people.emo.namespaces: only namespace-owners own namespaces; remove it for tier power-user',
    ]);
  });

  test('a namespace listed twice is an error', () => {
    expect(rosterProblems(edit('[plotting-book]', '[plotting-book, plotting-book]'))).toEqual([
      'roster/roster.yaml:20:33 people.anca.namespaces.1: namespace "plotting-book" is listed twice (first at index 0)',
    ]);
  });

  test('a workstation needs a pinned uid', () => {
    expect(rosterProblems(edit('    uid: 1001\n', ''))).toEqual([
      'roster/roster.yaml:9:3 people.emo.uid: is required when the person has a workstation (pinned Unix uid)',
    ]);
  });

  test('uids stay inside the site uid range', () => {
    expect(rosterProblems(edit('uid: 1001', 'uid: 999'))).toEqual([
      'roster/roster.yaml:13:10 people.emo.uid: uid 999 is outside the site uid range 1000-59999',
    ]);
  });

  test('retired uids are never reused', () => {
    expect(rosterProblems(edit('uid: 1001', 'uid: 1500'))).toEqual([
      'roster/roster.yaml:13:10 people.emo.uid: uid 1500 is retired (listed at roster/roster.yaml:21:16); retired uids are never reused',
    ]);
  });

  test('uids are unique and the duplicate names the first', () => {
    expect(rosterProblems(edit('uid: 1001', 'uid: 1000'))).toEqual([
      'roster/roster.yaml:13:10 people.emo.uid: uid 1000 is already used by wizard (first at roster/roster.yaml:7:10)',
    ]);
  });

  test('emails are unique, case-insensitive', () => {
    expect(rosterProblems(edit('emo@example.com', 'Wizard@Example.com'))).toEqual([
      'roster/roster.yaml:10:12 people.emo.email: email "Wizard@Example.com" is already used by wizard (case-insensitive) (first at roster/roster.yaml:4:12)',
    ]);
  });

  test('authentik users are unique', () => {
    expect(rosterProblems(edit('authentik_user: emil.barzin', 'authentik_user: vbarzin'))).toEqual([
      'roster/roster.yaml:11:21 people.emo.authentik_user: authentik_user "vbarzin" is already used by wizard (first at roster/roster.yaml:5:21)',
    ]);
  });

  test('an explicit k8s_user may not collide with another person\'s default', () => {
    expect(rosterProblems(edit('    tier: namespace-owner\n', '    k8s_user: emo\n    tier: namespace-owner\n'))).toEqual([
      'roster/roster.yaml:19:15 people.anca.k8s_user: k8s_user "emo" is already used by emo (its default k8s_user) (first at roster/roster.yaml:9:3)',
    ]);
  });

  test('repos need the workspace layout', () => {
    expect(rosterProblems(edit('      parked: false', '      repos: [blog]'))).toEqual([
      'roster/roster.yaml:15:14 people.emo.workstation.repos: is only allowed with code_layout: workspace',
    ]);
  });

  test('the roster keeps at least one admin', () => {
    expect(rosterProblems(edit('tier: admin', 'tier: power-user'))).toEqual([
      'roster/roster.yaml:2:1 people: the roster must keep at least one admin (an admin-less roster would lock everyone out)',
    ]);
    expect(rosterProblems('version: 1\npeople: {}\n')).toEqual([
      'roster/roster.yaml:2:1 people: the roster must keep at least one admin (an admin-less roster would lock everyone out)',
    ]);
  });

  // Offboarding the last person of a tier is an everyday operation: the plan empties that
  // tier's access group; validation has nothing to say about it.
  test('a roster with one admin and nobody else is valid', () => {
    expect(rosterProblems(yaml`
      version: 1
      people:
        wizard:
          email: wizard@example.com
          authentik_user: vbarzin
          tier: admin
    `)).toEqual([]);
  });

  test.each([
    ['the last power-user', '  emo:\n    email: emo@example.com\n    authentik_user: emil.barzin\n    tier: power-user\n    uid: 1001\n    workstation:\n      parked: false\n'],
    ['the last namespace-owner', '  anca:\n    email: anca@example.com\n    authentik_user: ancaelena98\n    tier: namespace-owner\n    namespaces: [plotting-book]\n'],
  ])('offboarding %s validates', (_name, row) => {
    expect(rosterProblems(edit(row, ''))).toEqual([]);
  });

  test('a roster where nobody has a workstation is valid', () => {
    expect(rosterProblems(edit('    workstation:\n      parked: false\n', '', edit('    workstation: {}\n', '')))).toEqual([]);
  });

  test('every problem is reported at once, in file order', () => {
    const many = edit('tier: power-user', 'tier: poweruser', edit('uid: 1001', 'uid: 1000', edit('emo@example.com', 'bad')));
    expect(rosterProblems(many)).toEqual([
      'roster/roster.yaml:10:12 people.emo.email: must be an email address (the OIDC email claim), got "bad"',
      'roster/roster.yaml:12:11 people.emo.tier: expected one of admin, power-user, namespace-owner, got "poweruser"',
      'roster/roster.yaml:13:10 people.emo.uid: uid 1000 is already used by wizard (first at roster/roster.yaml:7:10)',
    ]);
  });
});

test.each(['platform', 'viktor', 'claude-users', 'workstation'])('namespace %s is a reserved Vault KV name (its Vault path holds shared secrets)', (ns) => {
  expect(rosterProblems(BASE.replace('[plotting-book]', `[${ns}]`))).toEqual([
    `roster/roster.yaml:20:18 people.anca.namespaces.0: namespace "${ns}" is reserved by the site rule vault.reserved_kv_names (it matches "${ns}"): a namespace-owner gets secret/${ns} in Vault, which holds platform secrets`,
  ]);
});

describe('site-reserved namespaces (kubernetes.reserved_namespaces)', () => {
  const reserved = (ns: string, pattern: string) =>
    `namespace "${ns}" is reserved by the site rule kubernetes.reserved_namespaces (it matches "${pattern}"): the platform's own namespaces are never owned by a namespace-owner`;

  test('the platform namespaces are refused, each at its own place in the list', () => {
    // Before: this validated and bound `admin` in each, plus Vault KV under those names.
    expect(rosterProblems(BASE.replace('[plotting-book]', '[vault, authentik, cert-manager, longhorn-system]'))).toEqual([
      `roster/roster.yaml:20:18 people.anca.namespaces.0: ${reserved('vault', 'vault')}`,
      `roster/roster.yaml:20:25 people.anca.namespaces.1: ${reserved('authentik', 'authentik')}`,
      `roster/roster.yaml:20:36 people.anca.namespaces.2: ${reserved('cert-manager', 'cert-manager')}`,
      `roster/roster.yaml:20:50 people.anca.namespaces.3: ${reserved('longhorn-system', 'longhorn-system')}`,
    ]);
  });

  test.each([
    ['workstations', 'workstations'], ['monitoring', 'monitoring'], ['0-core-dns', '0-core-*'], ['1-cluster-x', '1-cluster-*'],
  ])('%s matches %s', (ns, pattern) => {
    expect(rosterProblems(BASE.replace('[plotting-book]', `[${ns}]`))).toEqual([`roster/roster.yaml:20:18 people.anca.namespaces.0: ${reserved(ns, pattern)}`]);
  });

  test('names that only resemble a pattern are allowed', () => {
    expect(rosterProblems(BASE.replace('[plotting-book]', '[vaulty, kube, my-monitoring, 2-core-x]'))).toEqual([]);
  });

  test('the site list replaces the default, but default and kube-* stay reserved', () => {
    const site = exampleSite();
    const custom = { ...site, kubernetes: { ...site.kubernetes, reserved_namespaces: ['team-*'] }, vault: { ...site.vault, reserved_kv_names: ['shared'] } };
    expect(rosterProblems(BASE.replace('[plotting-book]', '[vault, team-a, shared, kube-system, platform]'), custom)).toEqual([
      `roster/roster.yaml:20:25 people.anca.namespaces.1: ${reserved('team-a', 'team-*')}`,
      'roster/roster.yaml:20:33 people.anca.namespaces.2: namespace "shared" is reserved by the site rule vault.reserved_kv_names (it matches "shared"): a namespace-owner gets secret/shared in Vault, which holds platform secrets',
      `roster/roster.yaml:20:41 people.anca.namespaces.3: namespace "kube-system" is reserved: it matches "kube-*", Kubernetes' own namespaces (reserved whatever kubernetes.reserved_namespaces says)`,
    ]);
  });
});

describe('roster keys that are also names on Object.prototype', () => {
  // `constructor` is a valid Unix account name; every lookup keyed by os_user must
  // treat it as data (Map / own properties), never find Object.prototype.constructor.
  const CONSTRUCTOR = BASE.replace('  emo:\n', '  constructor:\n').replace('    email: anca@example.com\n', '    email: anca@example.com\n    k8s_user: constructor\n');

  test('an os_user named constructor validates like any other', () => {
    expect(rosterProblems(BASE.replace('  emo:\n', '  constructor:\n'))).toEqual([]);
  });

  test('its uniqueness rules see it as a person (its default k8s_user collides)', () => {
    expect(rosterProblems(CONSTRUCTOR)).toEqual([
      'roster/roster.yaml:18:15 people.anca.k8s_user: k8s_user "constructor" is already used by constructor (its default k8s_user) (first at roster/roster.yaml:9:3)',
    ]);
  });

  test('it derives a person and a workstation', () => {
    const site = exampleSite();
    const r = parseRoster('roster/roster.yaml', BASE.replace('  emo:\n', '  constructor:\n'), site);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const person = derive(r.value, site).people.find((p) => p.osUser === 'constructor');
    expect(person).toMatchObject({ osUser: 'constructor', email: 'emo@example.com', webKey: 'emil.barzin', workstation: { osUser: 'constructor', uid: 1001 } });
  });
});

describe('web key (ttyd map and t3 dispatch key)', () => {
  const EMAILS = BASE.replace('authentik_user: vbarzin', 'authentik_user: vbarzin@viktorbarzin.me')
    .replace('authentik_user: emil.barzin', 'authentik_user: emil.barzin@viktorbarzin.me');
  const webKeys = (text: string) => {
    const site = exampleSite();
    const r = parseRoster('roster/roster.yaml', text, site);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    return Object.fromEntries(derive(r.value, site).people.map((p) => [p.osUser, p.webKey]));
  };

  test('Authentik usernames that are emails validate, and the web key is their local part', () => {
    expect(rosterProblems(EMAILS)).toEqual([]);
    // anca has no workstation: no web key.
    expect(webKeys(EMAILS)).toEqual({ anca: undefined, emo: 'emil.barzin', wizard: 'vbarzin' });
  });

  test('workstation.web_key overrides the default', () => {
    expect(webKeys(EMAILS.replace('      parked: false\n', '      parked: false\n      web_key: emo\n'))).toMatchObject({ emo: 'emo' });
  });

  test('two local parts that differ only in case collide, at the later authentik_user', () => {
    const twice = EMAILS.replace('authentik_user: emil.barzin@viktorbarzin.me', 'authentik_user: VBarzin@example.com');
    expect(rosterProblems(twice)).toEqual([
      'roster/roster.yaml:11:21 people.emo.authentik_user: its web key "VBarzin" (the local part of authentik_user) is already used by wizard (the local part of its authentik_user) (case-insensitive; first at roster/roster.yaml:5:21): set workstation.web_key to tell them apart',
    ]);
    // Setting web_key resolves it.
    expect(rosterProblems(twice.replace('      parked: false\n', '      parked: false\n      web_key: emo\n'))).toEqual([]);
  });

  test('an explicit web_key may not take another person\'s default', () => {
    expect(rosterProblems(EMAILS.replace('      parked: false\n', '      parked: false\n      web_key: VBARZIN\n'))).toEqual([
      'roster/roster.yaml:16:16 people.emo.workstation.web_key: web key "VBARZIN" is already used by wizard (the local part of its authentik_user) (case-insensitive; first at roster/roster.yaml:5:21)',
    ]);
  });

  test('people without a workstation never collide (they have no web key)', () => {
    expect(rosterProblems(EMAILS.replace('authentik_user: ancaelena98', 'authentik_user: vbarzin@elsewhere.example'))).toEqual([]);
  });

  test.each(['emo=root', 'emo root', 'emo@x', '"emo\\n"'])('web_key %s is refused (it is one line of the ttyd map and a JSON key)', (value) => {
    const problems = rosterProblems(EMAILS.replace('      parked: false\n', `      parked: false\n      web_key: ${value}\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^roster\/roster\.yaml:16:16 people\.emo\.workstation\.web_key: must start with a letter or digit and contain only letters, digits, '\.', '_', '\+' and '-' \(at most 150 characters\), got /,
    );
  });
});
