// What the host agent writes, checked without a host: kubeconfig, systemd drop-ins,
// generated host files, sticky ports, and input validation against hostile values.
import { parse } from 'yaml';
import { derive } from '../../src/desired/derive';
import { decodeSpec, encodeSpec, AccountSpec, HostSpec, hostSpec } from '../../src/desired/host-specs';
import { WorkstationState } from '../../src/desired/types';
import { emptyState, portOf } from '../../agent/host-state';
import { renderKubeconfig } from '../../agent/steps/kubeconfig';
import { sliceDropIn } from '../../agent/steps/systemd';
import { dispatchTable, tmuxConf, tmuxScopeDropIn, ttydUserMap } from '../../agent/steps/host';
import { expectedHostScripts, invalidReason } from '../../agent/steps/claude-layer';
import { hostScriptProblem } from '../../agent/steps/host-scripts';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs } from '../support/inputs';
import { parseRoster, parseSite } from '../../src/roster/load';
import { listedShells, shellProblem } from '../../agent/accounts';
import { formatProblem } from '../../src/roster/problems';

const { roster, site } = exampleInputs();
const desired = derive(roster, site);
const ws = (u: string) => desired.people.find((p) => p.osUser === u)!.workstation!;

/** The example inputs with site `oidc` keys replaced, through the real site parser. */
function withOidc(oidc: string, uidRange = '{ min: 1000, max: 59999 }') {
  const text = EXAMPLE_SITE_TEXT.replace(/^uid_range: .*$/m, `uid_range: ${uidRange}\noidc: ${oidc}`);
  const parsed = parseSite('site.yaml', text);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const d = derive(roster, parsed.value);
  return (u: string) => d.people.find((p) => p.osUser === u)!.workstation!;
}

const ISSUER_ARGS = [
  'get-token',
  '--oidc-issuer-url=https://authentik.viktorbarzin.me/application/o/kubernetes/',
  '--oidc-client-id=kubernetes',
  '--oidc-extra-scope=email', '--oidc-extra-scope=profile', '--oidc-extra-scope=groups',
];

describe('kubeconfig', () => {
  test('namespace-owner: kubectl-oidc_login exec stanza, default authcode-keyboard grant, default namespace', () => {
    const cfg = parse(renderKubeconfig(ws('ancamilea')));
    expect(cfg['current-context']).toBe('homelab');
    expect(cfg.contexts).toEqual([{ name: 'homelab', context: { cluster: 'homelab', user: 'oidc-ancamilea', namespace: 'plotting-book' } }]);
    expect(cfg.clusters).toEqual([{ name: 'homelab', cluster: { server: 'https://10.0.20.100:6443' } }]);
    expect(cfg.users[0].user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: 'kubectl-oidc_login',
      args: [...ISSUER_ARGS, '--grant-type=authcode-keyboard', '--oidc-redirect-url=http://localhost:8000'],
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    });
  });

  test('other tiers get no default namespace', () => {
    expect(parse(renderKubeconfig(ws('wizard'))).contexts[0].context.namespace).toBeUndefined();
  });

  test('the context, cluster and user names do not change with the RBAC tier', () => {
    const names = (w: WorkstationState) => {
      const cfg = parse(renderKubeconfig(w));
      return { current: cfg['current-context'], contexts: cfg.contexts.map((c: { name: string }) => c.name), users: cfg.users.map((x: { name: string }) => x.name) };
    };
    const promoted: WorkstationState = { ...ws('emo'), tier: 'admin' };
    expect(names(promoted)).toEqual(names(ws('emo')));
    expect(names(ws('emo'))).toEqual({ current: 'homelab', contexts: ['homelab'], users: ['oidc-emo'] });
  });

  test('device-code grant: no port, no redirect URL', () => {
    const w = withOidc('{ grant_type: device-code }');
    expect(w('emo').kubeconfig).toMatchObject({ grantType: 'device-code' });
    expect(w('emo').kubeconfig.listenPort).toBeUndefined();
    expect(parse(renderKubeconfig(w('emo'))).users[0].user.exec.args).toEqual([...ISSUER_ARGS, '--grant-type=device-code']);
  });

  test('authcode-keyboard grant with a site redirect URL', () => {
    const w = withOidc('{ grant_type: authcode-keyboard, redirect_url: "urn:ietf:wg:oauth:2.0:oob" }');
    expect(parse(renderKubeconfig(w('wizard'))).users[0].user.exec.args).toEqual([
      ...ISSUER_ARGS, '--grant-type=authcode-keyboard', '--oidc-redirect-url=urn:ietf:wg:oauth:2.0:oob',
    ]);
  });

  test('authcode grant: each person listens on base + (uid - uid_range.min), on loopback, without a browser', () => {
    const w = withOidc('{ grant_type: authcode, authcode_port_base: 20000 }', '{ min: 1000, max: 1999 }');
    const args = (u: string) => parse(renderKubeconfig(w(u))).users[0].user.exec.args;
    expect(args('wizard')).toEqual([...ISSUER_ARGS, '--grant-type=authcode', '--listen-address=127.0.0.1:20000', '--skip-open-browser']);
    expect(args('emo')).toEqual([...ISSUER_ARGS, '--grant-type=authcode', '--listen-address=127.0.0.1:20001', '--skip-open-browser']);
    expect(w('ancamilea').kubeconfig).toMatchObject({ grantType: 'authcode', listenPort: 20002 });
  });

  test('authcode ports of the whole uid range must fit below 65536', () => {
    const text = EXAMPLE_SITE_TEXT.replace(/^uid_range: .*$/m, 'uid_range: { min: 1000, max: 59999 }\noidc: { grant_type: authcode, authcode_port_base: 18000 }');
    expect(parseSite('site.yaml', text).problems.map(formatProblem)).toEqual([
      'site.yaml:16:51 oidc.authcode_port_base: with uid_range 1000..59999 the authcode ports reach 76999, above 65535; lower the base to at most 6536 or narrow uid_range, got number 18000',
    ]);
  });

  test('the port base itself stays inside 1024..65535', () => {
    const text = EXAMPLE_SITE_TEXT.replace(/^uid_range: .*$/m, 'uid_range: { min: 1000, max: 59999 }\noidc: { authcode_port_base: 80 }');
    expect(parseSite('site.yaml', text).problems.map(formatProblem)).toEqual([
      'site.yaml:16:29 oidc.authcode_port_base: must be at least 1024, got number 80',
    ]);
  });

  test('desired state stored before the grant type existed still renders device-code', () => {
    const { grantType: _g, redirectUrl: _r, ...old } = ws('emo').kubeconfig;
    expect(parse(renderKubeconfig({ ...ws('emo'), kubeconfig: old })).users[0].user.exec.args).toEqual([...ISSUER_ARGS, '--grant-type=device-code']);
  });
});

test('the user slice drop-in carries the memory budget without swap and without MemoryHigh', () => {
  expect(sliceDropIn(ws('emo'))).toBe(
    '# Managed by devvm-workstations: memory budget of emo (RBAC tier power-user).\n[Slice]\nMemoryMax=8G\nMemorySwapMax=0\nMemoryHigh=infinity\n',
  );
});

test('each tmux pane scope is capped at 6G and survives an OOM kill of one process', () => {
  expect(tmuxScopeDropIn(hostSpec(site))).toBe('# Managed by devvm-workstations: memory cap of each tmux pane.\n[Scope]\nMemoryMax=6G\nOOMPolicy=continue\n');
});

test('tmux starts each pane in its own capped user scope when the user manager runs, else a plain login shell', () => {
  expect(tmuxConf(hostSpec(site))).toBe(
    '# Managed by devvm-workstations: each tmux pane runs in its own systemd user scope with a memory cap.\n' +
      `set-option -g default-command 'if [ -S "\${XDG_RUNTIME_DIR:-/nonexistent}/systemd/private" ]; then exec systemd-run --user --scope --quiet --unit="tmux-spawn-$$.scope" -p MemoryMax=6G -p OOMPolicy=continue -- "$SHELL" -l; fi; exec "$SHELL" -l'\n`,
  );
});

test('the ttyd map and t3 dispatch table list active people only, keyed by web key', () => {
  // As the host reads them back from its desired-state store: in any order.
  const spec = ['wizard', 'emo', 'ancamilea'].map(ws);
  expect(ttydUserMap(spec)).toBe('# Generated by devvm-workstations from the roster. Do not edit: apply the roster instead.\nemil.barzin=emo\nvbarzin=wizard\n');
  // ancamilea (parked) keeps her port, but has no entry while her unit is disabled.
  expect(JSON.parse(dispatchTable(spec, { ancamilea: 3773, emo: 3774, wizard: 3775 }))).toEqual({ 'emil.barzin': { os_user: 'emo', port: 3774 }, vbarzin: { os_user: 'wizard', port: 3775 } });
});

test('ports are never handed to another person, even after offboarding', () => {
  const state = emptyState();
  expect(portOf(state, 'a', 3773)).toBe(3773);
  expect(portOf(state, 'b', 3773)).toBe(3774);
  // "a" leaves the roster: the port table keeps the entry, so "c" gets a fresh port.
  expect(portOf(state, 'c', 3773)).toBe(3775);
  expect(portOf(state, 'a', 3773)).toBe(3773);
});

describe('hostile values never reach a command', () => {
  const hostile = ['x$(touch /pwned)', 'x;reboot', 'x\nroot', 'x`id`', "x' || true"];

  test.each(hostile)('the agent refuses osUser %j', (osUser) => {
    const b64 = Buffer.from(JSON.stringify({ osUser, uid: 1001, home: '/home/x', shell: '/bin/bash', archiveDir: '/var/backups/w' })).toString('base64');
    expect(() => decodeSpec(AccountSpec, b64)).toThrow(/invalid input: osUser/);
  });

  test('the agent refuses a home path with shell syntax', () => {
    const b64 = encodeSpec({ osUser: 'emo', uid: 1001, home: '/home/$(id)', shell: '/bin/bash', archiveDir: '/var/backups/w' });
    expect(() => decodeSpec(AccountSpec, b64)).toThrow(/invalid input: home/);
  });

  test('the agent refuses an argument that is not base64', () => {
    expect(() => decodeSpec(HostSpec, 'eyJ; rm -rf /')).toThrow('argument is not base64');
  });

  test('the host spec holds nothing per person', () => {
    expect(() => decodeSpec(HostSpec, encodeSpec({ ...hostSpec(site), people: [] }))).toThrow(/invalid input: \(root\): Unrecognized key/);
  });

  test('a valid spec round-trips', () => {
    expect(decodeSpec(WorkstationState, encodeSpec(ws('emo')))).toEqual(ws('emo'));
  });
});

describe('managed layer files are validated before install', () => {
  test('invalid JSON is refused', () => {
    expect(invalidReason('managed-settings.json', '{"permissions": ')).toMatch(/^invalid JSON/);
  });
  test('unknown settings keys are refused', () => {
    expect(invalidReason('managed-settings.d/30-x.json', '{"permisions": {}}')).toMatch(/^invalid settings/);
  });
  test('a valid settings file passes', () => {
    expect(invalidReason('managed-settings.json', '{"cleanupPeriodDays": 30}')).toBeUndefined();
  });
});

test('the kubeconfig the agent writes is YAML a real parser reads back exactly', () => {
  for (const u of ['wizard', 'emo', 'ancamilea']) {
    const text = renderKubeconfig(ws(u));
    const doc = parse(text);
    expect(doc.apiVersion).toBe('v1');
    expect(doc.kind).toBe('Config');
    expect(doc.preferences).toEqual({});
    expect(doc.users[0].user.exec.args).toContain('--grant-type=authcode-keyboard');
  }
});

describe('login shell', () => {
  /** The example roster with wizard's `workstation: {}` given a login_shell. */
  const withShell = (_u: 'wizard', shell: string) =>
    EXAMPLE_ROSTER_TEXT.replace('    workstation: {}\n  emo:', `    workstation:\n      login_shell: ${shell}\n  emo:`);

  test('the site default, and a person\'s workstation.login_shell overrides it', () => {
    expect(ws('wizard').shell).toBe('/bin/bash');
    const r = parseRoster('roster.yaml', withShell('wizard', '/usr/bin/zsh'), site);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const d = derive(r.value, site);
    expect(d.people.find((p) => p.osUser === 'wizard')!.workstation!.shell).toBe('/usr/bin/zsh');
    expect(d.people.find((p) => p.osUser === 'emo')!.workstation!.shell).toBe('/bin/bash');
  });

  test('workstation.login_shell is validated like devvm.login_shell', () => {
    const r = parseRoster('roster.yaml', withShell('wizard', '"zsh -c id"'), site);
    expect(r.problems.map(formatProblem).map((l) => l.replace(/^roster\.yaml:\d+:\d+ /, ''))).toEqual([
      'people.wizard.workstation.login_shell: must be an absolute path: \'/\' followed by letters, digits, \'.\', \'_\', \'-\' and \'/\' only, got "zsh -c id"',
    ]);
  });

  test('/etc/shells decides which shells the host allows', () => {
    const listed = ['/bin/sh', '/bin/bash', '/usr/bin/zsh'];
    expect(shellProblem('/usr/bin/zsh', listed)).toBeUndefined();
    expect(shellProblem('/usr/bin/fish', listed)).toBe(
      'login shell /usr/bin/fish is not listed in /etc/shells on the devvm: install it there (e.g. apt-get install zsh) or set another workstation.login_shell',
    );
  });

  test('/etc/shells lines: paths only, comments and blanks ignored; an unreadable file lists nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shells-'));
    const file = join(dir, 'shells');
    writeFileSync(file, '# /etc/shells: valid login shells\n/bin/sh\n\n  /usr/bin/zsh  \nnot-a-path\n');
    expect(listedShells(file)).toEqual(['/bin/sh', '/usr/bin/zsh']);
    expect(listedShells(join(dir, 'missing'))).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});

describe('host hook scripts are checked before the layer is installed', () => {
  test('a missing script, a symlink and a directory are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-script-'));
    symlinkSync('/usr/bin/env', join(dir, 'link'));
    expect(hostScriptProblem(join(dir, 'missing'))).toBe('does not exist on the host: install it (root-owned, mode 0755) before the layer that runs it');
    expect(hostScriptProblem(join(dir, 'link'))).toBe('is a symlink: point the hook at the real file');
    expect(hostScriptProblem(dir)).toBe('is not a regular file');
    rmSync(dir, { recursive: true });
  });

  test('a script owned by someone else than root, or under a world-writable directory, is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-script-'));
    const file = join(dir, 'hook');
    writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const uid = process.getuid!();
    // As root the file passes its own checks and the world-writable temp dir above it is what fails.
    expect(hostScriptProblem(file)).toMatch(
      uid === 0 ? /^parent .* is (writable by group or others \(mode 0\d+\)|owned by uid \d+, not root)$/ : new RegExp(`^is owned by uid ${uid}, not root`),
    );
    rmSync(dir, { recursive: true });
  });

  test('a root-owned program of the system passes', () => {
    expect(hostScriptProblem('/usr/bin/env')).toBeUndefined();
  });

  test('the expected host scripts are read from the settings files of the spec, shipped ones left out', () => {
    const settings = (command: string) => JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command, timeout: 5 }] }] } });
    const spec = {
      files: [
        { path: 'managed-settings.json', content: settings('/usr/local/lib/workstations/hooks/shipped'), mode: 0o644 },
        { path: 'managed-settings.d/40-x.json', content: settings('/usr/local/lib/t3/session-state-hook idle'), mode: 0o644 },
        { path: 'CLAUDE.md', content: '# x\n', mode: 0o644 },
      ],
      hookScripts: [{ path: 'shipped', content: '#!/bin/sh\n', mode: 0o755 }],
      configBase: { url: 'file:///srv/git/c.git', branch: 'main', path: '/opt/c', dir: 'dot_claude' },
    };
    expect(expectedHostScripts(spec)).toEqual(['/usr/local/lib/t3/session-state-hook']);
  });
});
