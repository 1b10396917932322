// The site file has the same strictness and error format as the roster.
import { parseSite } from '../../src/roster/load';
import { EXAMPLE_SITE_TEXT, exampleSite, siteProblems, yaml } from '../support/inputs';

const MINIMAL = yaml`
  version: 1
  devvm:
    host_keys: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY
  kubernetes:
    api_server: https://10.0.20.100:6443
  infra_repo:
    url: https://github.com/ViktorBarzin/infra.git
  config_base:
    url: https://github.com/ViktorBarzin/dotfiles.git
`;

const edit = (from: string, to: string, text = MINIMAL) => {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return text.replace(from, to);
};

test('the example site is valid', () => {
  expect(siteProblems(EXAMPLE_SITE_TEXT)).toEqual([]);
});

test('unwritten keys take the homelab defaults', () => {
  const r = siteProblems(MINIMAL);
  expect(r).toEqual([]);
  const site = exampleSite();
  expect(site.devvm).toMatchObject({ host: '10.0.10.10', port: 22, user: 'root', ssh_agent: true });
  expect(site.oidc).toEqual({
    issuer_url: 'https://authentik.viktorbarzin.me/application/o/kubernetes/',
    client_id: 'kubernetes',
    username_prefix: '',
    groups_prefix: '',
    grant_type: 'authcode-keyboard',
    redirect_url: 'http://localhost:8000',
    authcode_port_base: 20000,
  });
  expect(site.vault).toMatchObject({ oidc_mount: 'oidc', kv_mount: 'secret' });
  expect(site.authentik.groups).toEqual({
    admin: 'kubernetes-admins',
    'power-user': 'kubernetes-power-users',
    'namespace-owner': 'kubernetes-namespace-owners',
    workstation: 'T3 Users',
  });
});

test('a site without the host keys is refused, naming ssh-keyscan', () => {
  expect(siteProblems(edit('  host_keys: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY\n', '  host: 10.0.10.10\n'))).toEqual([
    'roster/site.yaml:2:1 devvm.host_keys: is required: the devvm\'s public host keys, the output of `ssh-keyscan 10.0.10.10` (all its lines), as a block "host_keys: |"',
  ]);
});

test('a host key line that is no key is refused at its line', () => {
  expect(siteProblems(edit('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY', '"10.0.10.10 AAAA"'))).toEqual([
    'roster/site.yaml:3:14 devvm.host_keys: must be a line of ssh-keyscan output, "[<host>] <type> <base64>", got "10.0.10.10 AAAA"',
  ]);
});

test('ssh_agent cannot be turned off (no private key in config)', () => {
  expect(siteProblems(edit('  host_keys:', '  ssh_agent: false\n  host_keys:'))).toEqual([
    'roster/site.yaml:3:14 devvm.ssh_agent: must be true: the private key stays in your ssh-agent, got boolean false',
  ]);
});

test('unknown site keys get a did-you-mean suggestion', () => {
  expect(siteProblems(edit('  host_keys:', '  hostkey: x\n  host_keys:'))).toEqual([
    'roster/site.yaml:3:3 devvm.hostkey: unknown key "hostkey" (did you mean "host_key"?)',
  ]);
});

test('the uid range must be ordered', () => {
  expect(siteProblems(`${MINIMAL}uid_range: { min: 5000, max: 4000 }\n`)).toEqual([
    'roster/site.yaml:10:12 uid_range: min must not exceed max, got a mapping',
  ]);
});

test('a git URL carrying credentials is refused (no secrets in the site file)', () => {
  expect(siteProblems(edit('https://github.com/ViktorBarzin/infra.git', 'https://user:hunter2@github.com/ViktorBarzin/infra.git'))).toEqual([
    'roster/site.yaml:7:8 infra_repo.url: must not contain credentials, got "https://user:hunter2@github.com/ViktorBarzin/infra.git"',
  ]);
});

test('memory budgets are systemd sizes', () => {
  expect(siteProblems(`${MINIMAL}memory_budgets:\n  admin: lots\n`)).toEqual([
    'roster/site.yaml:11:10 memory_budgets.admin: must be a size like 512M, 12G or 1T (integer with K, M, G or T), got "lots"',
  ]);
});

test('an empty site file says so and names the keys it must have', () => {
  expect(siteProblems('# nothing here yet\n')).toEqual([
    'roster/site.yaml:1:1 (document): the file is empty; expected a mapping with "version", "devvm", "kubernetes", "infra_repo" and "config_base"',
  ]);
});

test('pattern rules are stated in words', () => {
  expect(siteProblems(edit('kubernetes:\n', 'kubernetes:\n  cluster_name: -lab\n'))).toEqual([
    "roster/site.yaml:5:17 kubernetes.cluster_name: must start with a letter or digit and contain only letters, digits, '.', '_' and '-', got \"-lab\"",
  ]);
  expect(siteProblems(edit('https://github.com/ViktorBarzin/infra.git\n', 'https://github.com/ViktorBarzin/infra.git\n  default_branch: "feature branch"\n'))).toEqual([
    "roster/site.yaml:8:19 infra_repo.default_branch: must be a branch name: a letter or digit, then at most 99 letters, digits, '.', '_', '/' or '-', got \"feature branch\"",
  ]);
});

test('a TAB in the site file is one line at the tab', () => {
  expect(siteProblems(edit('  api_server:', '\tapi_server:'))).toEqual([
    'roster/site.yaml:5:1 (document): tabs are not allowed for indentation in YAML; use spaces',
  ]);
});

test('reserved namespaces and KV names default to the homelab platform\'s', () => {
  const site = exampleSite();
  expect(site.kubernetes.reserved_namespaces).toEqual([
    'default', 'kube-*', 'vault', 'authentik', 'cert-manager', 'longhorn-system', 'metallb-system', 'monitoring',
    'ingress-nginx', 'traefik', 'kyverno', 'dbaas', 'technitium', 'cloudflared', 'mailserver', 'workstations',
    '0-core-*', '1-cluster-*',
  ]);
  expect(site.vault.reserved_kv_names).toEqual(['platform', 'viktor', 'workstations', 'claude-users', 'workstation']);
});

test('reserved namespace and KV patterns are stated in words', () => {
  expect(siteProblems(edit('kubernetes:\n', 'kubernetes:\n  reserved_namespaces: [vault, "Kube_*"]\n'))).toEqual([
    "roster/site.yaml:5:32 kubernetes.reserved_namespaces.1: must be a namespace name or glob pattern: lowercase letters, digits, '-' and '*' (any run of characters), at most 63, got \"Kube_*\"",
  ]);
  expect(siteProblems(`${MINIMAL}vault:\n  reserved_kv_names: [platform, "a/b"]\n`)).toEqual([
    "roster/site.yaml:11:33 vault.reserved_kv_names.1: must be a KV name or glob pattern: letters, digits, '.', '_', '-' and '*' (any run of characters), starting with a letter, digit or '*', got \"a/b\"",
  ]);
});

test('memory budgets default to one 24G budget for everyone (the t3-serve@ cap)', () => {
  const r = parseSite('roster/site.yaml', MINIMAL);
  expect(r.ok && r.value.memory_budgets).toEqual({ admin: '24G', 'power-user': '24G', 'namespace-owner': '24G' });
  expect(r.ok && r.value.capacity.max_overcommit).toBe(4);
});

test('max_overcommit is a bounded number; max_concurrent_active is still accepted (deprecated)', () => {
  expect(siteProblems(`${MINIMAL}capacity:\n  max_overcommit: 0\n`)).toEqual([
    'roster/site.yaml:11:19 capacity.max_overcommit: must be at least 0.1, got number 0',
  ]);
  expect(siteProblems(`${MINIMAL}capacity:\n  max_overcommit: lots\n`)).toEqual([
    'roster/site.yaml:11:19 capacity.max_overcommit: expected number, got "lots"',
  ]);
  expect(siteProblems(`${MINIMAL}capacity:\n  max_concurrent_active: 4\n`)).toEqual([]);
});

test('a __proto__ key in the site is refused, not silently dropped', () => {
  expect(siteProblems(`${MINIMAL}__proto__: { x: 1 }\n`)).toEqual([
    'roster/site.yaml:10:1 __proto__: key "__proto__" is not allowed: JavaScript treats it as the object\'s prototype, so this entry would be silently dropped',
  ]);
});
