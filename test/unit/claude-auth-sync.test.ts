// Per-person Claude auth (issue 14 item 4): the non-secret env file the agent writes for
// `claude-auth-sync@<os_user>`, its values from the site, the agent's validation of them,
// and that nothing secret-like reaches the devvm stack.
import { claudeAuthEnv, claudeAuthEnvFile } from '../../agent/steps/claude-auth-sync';
import { derive } from '../../src/desired/derive';
import { WorkstationState } from '../../src/desired/types';
import { parseSite } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { EXAMPLE_SITE_TEXT, exampleInputs } from '../support/inputs';
import { synthDevvm } from '../support/synth';

const { roster, site } = exampleInputs();
const ws = (u: string, s = site) => derive(roster, s).people.find((p) => p.osUser === u)!.workstation!;

test('the env file names the Vault address, the person\'s own KV entry and token file, and nothing secret', () => {
  expect(claudeAuthEnvFile('emo')).toBe('/etc/claude-auth-sync/emo.env');
  expect(claudeAuthEnv(ws('emo'))).toBe(
    [
      "# Managed by devvm-workstations: where claude-auth-sync@emo finds emo's Claude credentials.",
      "# No secret here: the unit uses the token of the person's own `vault login -method=oidc`.",
      'VAULT_ADDR=https://vault.viktorbarzin.me',
      'CLAUDE_AUTH_KV_MOUNT=secret',
      'CLAUDE_AUTH_PATH=workstation/claude-users/emo',
      'CLAUDE_AUTH_VAULT_PATH=secret/workstation/claude-users/emo',
      'CLAUDE_AUTH_TOKEN_FILE=/home/emo/.vault-token',
      '',
    ].join('\n'),
  );
});

/** The fixture site plus a `vault:` block (the fixture has none: homelab defaults). */
const siteWithVault = (block: string) => parseSite('site.yaml', `${EXAMPLE_SITE_TEXT.replace(/\s*$/, '\n')}vault:\n${block}`);

test('the path is the site\'s vault.claude_auth_path under kv_mount', () => {
  expect(site.vault.claude_auth_path).toBe('workstation/claude-users');
  const parsed = siteWithVault('  claude_auth_path: team/claude\n  kv_mount: kv\n');
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  expect(ws('wizard', parsed.value).claudeAuth).toEqual({ vaultAddress: parsed.value.vault.address, kvMount: 'kv', secretPath: 'team/claude/wizard' });
});

test('a bad claude_auth_path is refused at its line', () => {
  for (const bad of ['../x', '/abs', 'a//b', 'trailing/']) {
    const parsed = siteWithVault(`  claude_auth_path: "${bad}"\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map(formatProblem).join('\n')).toMatch(/site\.yaml:\d+:\d+ vault\.claude_auth_path: must be a KV path/);
  }
});

test('the agent refuses hostile values (a newline would add an env line)', () => {
  const good = ws('emo');
  expect(WorkstationState.safeParse(good).success).toBe(true);
  for (const claudeAuth of [
    { ...good.claudeAuth, secretPath: 'workstation/claude-users/emo\nVAULT_TOKEN=x' },
    { ...good.claudeAuth, secretPath: '/abs' },
    { ...good.claudeAuth, secretPath: 'a//b' },
    { ...good.claudeAuth, kvMount: 'secret\n' },
    { ...good.claudeAuth, vaultAddress: 'https://vault.example\nX=1' },
    { ...good.claudeAuth, token: 'hvs.x' },
  ]) {
    expect([claudeAuth, WorkstationState.safeParse({ ...good, claudeAuth }).success]).toEqual([claudeAuth, false]);
  }
});

test('no token or credential for the auth sync reaches the devvm stack', () => {
  const text = JSON.stringify(synthDevvm(exampleInputs()));
  expect(text).toContain('workstation/claude-users/emo');
  expect(text).not.toMatch(/\bhv[sb]\.[A-Za-z0-9_-]{10,}|VAULT_TOKEN|sk-ant-/);
});
