// The synthesized workstations-devvm stack: the Terraform semantics offboarding relies on
// (one for_each block, destroy-time provisioner reading only self, replace triggers of
// the account limited to identity), the pinned connection, and a readable snapshot.
import { AccountSpec } from '../../src/desired/host-specs';
import { WorkstationState } from '../../src/desired/types';
import { buildAgentBundle } from '../../src/devvm/agent-bundle';
import { renderLayer } from '../../src/claude-layer/render';
import { exampleInputs } from '../support/inputs';
import { synthDevvm } from '../support/synth';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const inputs = exampleInputs();
const tf = synthDevvm(inputs);
const data = tf.resource.terraform_data as Record<string, Resource>;
/** The stack's locals maps, each entry (JSON text the resources decode) decoded. */
function decodedLocals(stack: Record<string, unknown>): Record<string, Record<string, Resource>> {
  const raw = stack.locals as Record<string, Record<string, string>>;
  return Object.fromEntries(Object.entries(raw).map(([name, map]) => [name, Object.fromEntries(Object.entries(map).map(([k, v]) => [k, JSON.parse(v)]))]));
}
const locals = decodedLocals(tf);
const agentSha = buildAgentBundle().sha256;
const layerSha = renderLayer().sha256;

/** The stack with hashes masked and base64 specs and JSON texts decoded, so the snapshot reads (and diffs) well. */
function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  if (typeof value !== 'string') return value;
  // A locals entry is one JSON text: shown decoded, under a marker.
  if (value.startsWith('{"')) return { '<JSON text>': readable(JSON.parse(value)) };
  return value
    .split(agentSha).join('<agent-sha256>')
    .split(agentSha.slice(0, 16)).join('<agent-sha16>')
    .split(layerSha).join('<layer-sha256>')
    .replace(/^assets\/.*$/, '<asset: agent bundle>')
    .replace(/[A-Za-z0-9+/]{60,}={0,2}/g, (b64) => {
      const text = Buffer.from(b64, 'base64').toString('utf8');
      return text.startsWith('{') ? `<base64 ${text}>` : b64;
    });
}

test('synthesized workstations-devvm stack for the example roster', () => {
  expect(readable(tf)).toMatchSnapshot();
});

test('only terraform_data: no provider to download', () => {
  expect(Object.keys(tf.resource)).toEqual(['terraform_data']);
  expect(tf.provider).toBeUndefined();
  expect((tf.terraform as Resource).backend).toEqual({ pg: { schema_name: 'workstations-devvm' } });
});

test('accounts are ONE for_each block keyed by os_user, for people with a workstation', () => {
  expect(Object.keys(locals.accounts).sort()).toEqual(['ancamilea', 'emo', 'wizard']);
});

test('every for_each iterates a `locals` map, never an inline literal (plan time would grow with the square of the roster)', () => {
  const forEach = Object.fromEntries(Object.entries(data).filter(([, r]) => 'for_each' in r).map(([name, r]) => [name, r.for_each]));
  expect(forEach).toEqual({ account: '${local.accounts}', profile: '${local.profiles}' });
});

test('the account is replaced only by its identity: os_user, uid, host', () => {
  expect(data.account.triggers_replace).toEqual({ host: '10.0.10.10', os_user: '${each.key}', uid: '${jsondecode(each.value).uid}' });
});

test('offboarding is a destroy-time provisioner that reads only self', () => {
  const [check, create, destroy] = data.account.provisioner.map((p: Resource) => p['remote-exec']);
  expect(check.when).toBeUndefined();
  expect(check.inline[0]).toMatch(/^node \/usr\/local\/lib\/workstations\/agent\.js preflight [A-Za-z0-9+/=]+$/);
  expect(create.when).toBeUndefined();
  expect(destroy.when).toBe('destroy');
  expect(create.inline).toEqual(['node /usr/local/lib/workstations/agent.js onboard ${base64encode(jsonencode(self.input.account))}']);
  // `self.input.spec`: the base64 spec of state written before inputs were structured.
  expect(destroy.inline).toEqual(['node /usr/local/lib/workstations/agent.js offboard ${try(base64encode(jsonencode(self.input.account)), self.input.spec)}']);
  expect(data.account.input.account).toBe('${jsondecode(each.value)}');
  for (const value of Object.values(data.account.connection) as string[]) {
    for (const ref of String(value).match(/\$\{[^}]+\}/g) ?? []) expect(ref).toMatch(/^\$\{self\./);
  }
  const spec = AccountSpec.parse(locals.accounts.emo);
  expect(spec).toEqual({ osUser: 'emo', uid: 1001, home: '/home/emo', shell: '/bin/bash', archiveDir: '/var/backups/workstations' });
});

test('the connection pins the host key Terraform negotiates, uses the ssh-agent and fails fast; no private key anywhere', () => {
  const provisioned = Object.values(data).filter((r) => r.provisioner);
  expect(provisioned).toHaveLength(4); // host, claude_layer, account, profile
  for (const r of provisioned) {
    expect(r.connection).toEqual({
      agent: 'true', host: '${self.input.host}', host_key: '${self.input.host_key}', port: '${self.input.port}', type: 'ssh', user: '${self.input.user}',
      // Inline scripts go to root's own 0700 home, never to world-writable /tmp.
      script_path: '/root/terraform_%RAND%.sh',
      // A wrong pin or an unreachable devvm fails within seconds, not Terraform's default 5 minutes.
      timeout: '15s',
    });
    // The fixture pastes RSA, ECDSA and ed25519 keys: Terraform's client negotiates ECDSA.
    expect(r.input.host_key).toMatch(/^ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLE\S+=$/);
  }
  expect(JSON.stringify(tf)).not.toMatch(/private_key|PRIVATE KEY|password/i);
});

test('profiles converge each person and are replaced by their structured desired state or the agent', () => {
  expect(data.profile.triggers_replace).toEqual({ agent_sha256: agentSha, desired: '${jsondecode(each.value)}' });
  expect(data.profile.provisioner).toEqual([
    { 'remote-exec': { inline: ['node /usr/local/lib/workstations/agent.js converge ${base64encode(jsonencode(self.triggers_replace.desired))}'] } },
  ]);
  const emo = WorkstationState.parse(locals.profiles.emo);
  expect(emo).toMatchObject({ osUser: 'emo', uid: 1001, tier: 'power-user', legacy: true, infra: { unlocked: false } });
  // Ordered after every account through one barrier resource (a direct dependency between
  // two for_each blocks makes Terraform's plan quadratic in the roster).
  expect(data.profile.depends_on).toEqual(['terraform_data.accounts_ready']);
  expect(data.accounts_ready).toEqual({ depends_on: ['terraform_data.account'] });
});

test('a tier change changes the profile, never the account', () => {
  const promoted = structuredClone(inputs.roster);
  promoted.people.ancamilea = { ...promoted.people.ancamilea, tier: 'power-user', namespaces: undefined };
  promoted.people.emo = { ...promoted.people.emo, tier: 'namespace-owner', namespaces: ['emo-apps'] };
  const after = synthDevvm({ roster: promoted, site: inputs.site }).resource.terraform_data as Record<string, Resource>;
  const afterTf = synthDevvm({ roster: promoted, site: inputs.site });
  expect(after.account).toEqual(data.account);
  expect(decodedLocals(afterTf)).toMatchObject({ accounts: locals.accounts });
  expect(decodedLocals(afterTf).profiles.ancamilea).toMatchObject({ tier: 'power-user' });
  expect(after.host).toEqual(data.host);
});

test('parking one person changes only their profile: never the host, never an account', () => {
  const parked = structuredClone(inputs.roster);
  parked.people.emo = { ...parked.people.emo, workstation: { ...parked.people.emo.workstation!, parked: true } };
  const afterTf = synthDevvm({ roster: parked, site: inputs.site });
  const after = afterTf.resource.terraform_data as Record<string, Resource>;
  expect(after.host).toEqual(data.host);
  expect(after.account).toEqual(data.account);
  const profiles = decodedLocals(afterTf).profiles;
  expect(profiles.emo).toMatchObject({ state: 'parked', units: { t3Serve: false, claudeAuthSync: false } });
  expect({ ...profiles, emo: undefined }).toEqual({ ...locals.profiles, emo: undefined });
});

test('the host resource uploads the agent and installs host-wide content only, under named triggers', () => {
  const writers = { userMaps: 'workstations', managedSettings: 'workstations', units: 'workstations' };
  expect(data.host.triggers_replace).toEqual({ agent_sha256: agentSha, pane_memory_max: '6G', writers });
  expect(data.host.input.spec).toEqual({ paneMemoryMax: '6G', writers });
  expect(data.host.provisioner[2]['remote-exec'].inline).toEqual([
    `node /var/lib/workstations/upload/agent-${agentSha.slice(0, 16)}.js host \${base64encode(jsonencode(self.input.spec))}`,
  ]);
  // Nobody's name is in it: a roster change cannot replace it.
  for (const u of ['emo', 'wizard', 'ancamilea', 'vbarzin']) expect(JSON.stringify(data.host)).not.toMatch(new RegExp(`\\b${u}\\b`));
});

test('the managed Claude layer is replaced by its content hash', () => {
  // The Config base commit is an input variable: `npm run plan` passes the resolved head.
  expect(data.claude_layer.triggers_replace).toEqual({ agent_sha256: agentSha, config_base_commit: '${var.config_base_commit}', layer_sha256: layerSha });
  expect((tf as unknown as { variable: Record<string, unknown> }).variable.config_base_commit).toMatchObject({ type: 'string', default: 'unresolved', nullable: false });
  expect(data.claude_layer.depends_on).toEqual(['terraform_data.host']);
});

test('a hand-over step (site devvm.writers) replaces the host and, for managed settings, the layer; never a profile or account', () => {
  const site = structuredClone(inputs.site);
  site.devvm.writers = { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'reconciler' };
  const afterTf = synthDevvm({ roster: inputs.roster, site });
  const after = afterTf.resource.terraform_data as Record<string, Resource>;
  expect(after.host.triggers_replace.writers).toEqual({ userMaps: 'reconciler', managedSettings: 'reconciler', units: 'reconciler' });
  expect(after.host.input.spec.writers).toEqual(after.host.triggers_replace.writers);
  expect(after.claude_layer.triggers_replace).toEqual({ ...data.claude_layer.triggers_replace, managed_settings_writer: 'reconciler' });
  expect(after.account).toEqual(data.account);
  expect(after.profile).toEqual(data.profile);
  expect(afterTf.locals).toEqual(tf.locals);
});
