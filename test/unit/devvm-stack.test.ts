// The synthesized workstations-devvm stack: the Terraform semantics offboarding relies on
// (every account in a for_each shard block that is always written, destroy-time provisioner
// reading only self, replace triggers of the account limited to identity), the pinned
// connection, and a readable snapshot.
import { DEVVM_SHARDS, devvmShard } from '../../src/desired/devvm-addresses';
import { AccountSpec } from '../../src/desired/host-specs';
import { WorkstationState } from '../../src/desired/types';
import { buildAgentBundle } from '../../src/devvm/agent-bundle';
import { renderLayer } from '../../src/claude-layer/render';
import { exampleInputs } from '../support/inputs';
import { synthDevvm } from '../support/synth';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const inputs = exampleInputs();
const tf = synthDevvm(inputs);
/**
 * The 16 shard blocks of a kind are the same block but for their for_each (checked here on
 * every synth): `account` and `profile` stand for them, with `for_each = local.<kind>s_<h>`.
 */
const SHARD_MARK = '<h>';
function folded(stack: Record<string, unknown>): Record<string, Resource> {
  const all = (stack.resource as { terraform_data: Record<string, Resource> }).terraform_data;
  const out: Record<string, Resource> = {};
  for (const [name, r] of Object.entries(all)) {
    const m = /^(account|profile)_([0-9a-f])$/.exec(name);
    if (!m) {
      out[name] = r;
      continue;
    }
    const generic = JSON.parse(JSON.stringify(r).split(`local.${m[1]}s_${m[2]}}`).join(`local.${m[1]}s_${SHARD_MARK}}`));
    if (out[m[1]] === undefined) out[m[1]] = generic;
    else expect(generic).toEqual(out[m[1]]);
  }
  for (const kind of ['account', 'profile']) expect(DEVVM_SHARDS.filter((h) => all[`${kind}_${h}`])).toEqual(DEVVM_SHARDS);
  return out;
}
const data = folded(tf);
/** The stack's locals maps, each entry (the JSON text the resources keep) decoded; the shards' maps merged into `accounts` and `profiles`. */
function decodedLocals(stack: Record<string, unknown>): Record<string, Record<string, Resource>> {
  const raw = stack.locals as Record<string, Record<string, string>>;
  const out: Record<string, Record<string, Resource>> = {};
  for (const [name, map] of Object.entries(raw)) {
    const m = /^(accounts|profiles)_([0-9a-f])$/.exec(name);
    for (const [k, v] of Object.entries(map)) {
      if (m) expect(devvmShard(k)).toBe(m[2]);
      const merged = m ? m[1] : name;
      out[merged] = { ...(out[merged] ?? {}), [k]: JSON.parse(v) };
    }
  }
  return out;
}
const locals = decodedLocals(tf);

/** The snapshot's view: shard blocks folded (above), the locals as synthesized (empty shards too). */
function snapshotView(stack: Record<string, unknown>): Record<string, unknown> {
  return { ...stack, resource: { terraform_data: folded(stack) } };
}
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
  expect(readable(snapshotView(tf))).toMatchSnapshot();
});

test('only terraform_data: no provider to download', () => {
  expect(Object.keys(tf.resource)).toEqual(['terraform_data']);
  expect(tf.provider).toBeUndefined();
  expect((tf.terraform as Resource).backend).toEqual({ pg: { schema_name: 'workstations-devvm' } });
});

test('accounts are for_each instances keyed by os_user, for people with a workstation, in the shard of their os_user', () => {
  expect(Object.keys(locals.accounts).sort()).toEqual(['ancamilea', 'emo', 'wizard']);
  expect(Object.keys(locals.profiles).sort()).toEqual(['ancamilea', 'emo', 'wizard']);
});

test('every for_each iterates a `locals` map, never an inline literal (plan time would grow with the square of the roster)', () => {
  const all = tf.resource.terraform_data as Record<string, Resource>;
  const forEach = Object.fromEntries(Object.entries(all).filter(([, r]) => 'for_each' in r).map(([name, r]) => [name, r.for_each]));
  expect(forEach).toEqual(Object.fromEntries(['account', 'profile'].flatMap((k) => DEVVM_SHARDS.map((h) => [`${k}_${h}`, `\${local.${k}s_${h}}`]))));
});

test('every shard block is written, an empty one too: removing a block would destroy its last person without the offboard', () => {
  const oneRow = structuredClone(inputs.roster);
  for (const u of Object.keys(oneRow.people)) if (u !== 'emo') delete oneRow.people[u];
  const small = synthDevvm({ roster: oneRow, site: inputs.site });
  const names = Object.keys(small.resource.terraform_data as Record<string, Resource>).filter((n) => /^(account|profile)_/.test(n));
  expect(names).toHaveLength(32);
  expect((small.locals as Record<string, Record<string, string>>)[`accounts_${devvmShard('emo')}`]).toHaveProperty('emo');
});

test('moved blocks carry a state from before the shards to them, person by person', () => {
  expect((tf as unknown as { moved: unknown }).moved).toEqual(
    // In the order of the derived people (sorted by os_user).
    ['ancamilea', 'emo', 'wizard'].flatMap((u) => [
        { from: `terraform_data.account["${u}"]`, to: `terraform_data.account_${devvmShard(u)}["${u}"]` },
        { from: `terraform_data.profile["${u}"]`, to: `terraform_data.profile_${devvmShard(u)}["${u}"]` },
      ]),
  );
});

test('the account is replaced only by its identity: os_user, uid, host', () => {
  expect(data.account.triggers_replace).toEqual({ host: '10.0.10.10', os_user: '${each.key}', uid: '${jsondecode(each.value).account.uid}' });
});

test('offboarding is a destroy-time provisioner that reads only self', () => {
  const [check, create, destroy] = data.account.provisioner.map((p: Resource) => p['remote-exec']);
  expect(check.when).toBeUndefined();
  expect(check.inline[0]).toMatch(/^node --min-semi-space-size=16 \/usr\/local\/lib\/workstations\/agent\.js preflight [A-Za-z0-9+/=]+$/);
  expect(create.when).toBeUndefined();
  expect(destroy.when).toBe('destroy');
  // `input` is ONE JSON text (the spec and the connection): the agent gets the spec's JSON, base64.
  expect(data.account.input).toBe('${each.value}');
  expect(create.inline).toEqual(['node --min-semi-space-size=16 /usr/local/lib/workstations/agent.js onboard ${base64encode(jsonencode(jsondecode(self.input).account))}']);
  // Fallbacks for an offboard planned in the same apply as an upgrade: a state from before
  // the text holds the spec as an object in `input.account`; older still, the base64 spec in `input.spec`.
  expect(destroy.inline).toEqual([
    'node --min-semi-space-size=16 /usr/local/lib/workstations/agent.js offboard ${try(base64encode(jsonencode(jsondecode(self.input).account)), base64encode(jsonencode(self.input.account)), self.input.spec)}',
  ]);
  for (const [key, value] of Object.entries(data.account.connection) as [string, string][]) {
    // Every reference is to self (the only one a destroy-time provisioner may make).
    if (String(value).includes('${')) expect(value).toBe(`\${try(jsondecode(self.input).${key}, self.input.${key})}`);
  }
  expect(locals.accounts.emo).toEqual({ account: expect.any(Object), host: '10.0.10.10', port: 22, user: 'root', host_key: expect.stringMatching(/^ecdsa-sha2-nistp256 /) });
  const spec = AccountSpec.parse((locals.accounts.emo as { account: unknown }).account);
  expect(spec).toEqual({ osUser: 'emo', uid: 1001, home: '/home/emo', shell: '/bin/bash', archiveDir: '/var/backups/workstations' });
});

test('the connection pins the host key Terraform negotiates, uses the ssh-agent and fails fast; no private key anywhere', () => {
  const provisioned = Object.values(data).filter((r) => r.provisioner);
  expect(provisioned).toHaveLength(4); // host, claude_layer, account, profile
  // The fixture pastes RSA, ECDSA and ed25519 keys: Terraform's client negotiates ECDSA.
  const pinned = /^ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLE\S+=$/;
  const common = {
    agent: 'true', type: 'ssh',
    // Inline scripts go to root's own 0700 home, never to world-writable /tmp.
    script_path: '/root/terraform_%RAND%.sh',
    // A wrong pin or an unreachable devvm fails within seconds, not Terraform's default 5 minutes.
    timeout: '15s',
  };
  for (const r of [data.host, data.claude_layer]) {
    expect(r.connection).toEqual({ ...common, host: '${self.input.host}', host_key: '${self.input.host_key}', port: '${self.input.port}', user: '${self.input.user}' });
    expect(r.input.host_key).toMatch(pinned);
  }
  // An account's input is one JSON text that holds the connection (a state from before it: `input.<field>`).
  const fromText = (k: string) => `\${try(jsondecode(self.input).${k}, self.input.${k})}`;
  expect(data.account.connection).toEqual({ ...common, host: fromText('host'), host_key: fromText('host_key'), port: fromText('port'), user: fromText('user') });
  expect((locals.accounts.emo as { host_key: string }).host_key).toMatch(pinned);
  // A profile has no destroy-time provisioner: its connection is the site's literals, and it keeps no `input`.
  expect(data.profile.connection).toEqual({ ...common, host: '10.0.10.10', host_key: data.host.input.host_key, port: 22, user: 'root' });
  expect(data.profile.input).toBeUndefined();
  expect(JSON.stringify(tf)).not.toMatch(/private_key|PRIVATE KEY|password/i);
});

test('profiles converge each person and are replaced by their desired state (JSON text) or the agent', () => {
  expect(data.profile.triggers_replace).toEqual({ agent_sha256: agentSha, desired: '${each.value}' });
  expect(data.profile.provisioner).toEqual([
    { 'remote-exec': { inline: ['node --min-semi-space-size=16 /usr/local/lib/workstations/agent.js converge ${base64encode(self.triggers_replace.desired)}'] } },
  ]);
  const emo = WorkstationState.parse(locals.profiles.emo);
  expect(emo).toMatchObject({ osUser: 'emo', uid: 1001, tier: 'power-user', legacy: true, infra: { unlocked: false } });
  // Ordered after every account through one barrier resource (a direct dependency between
  // two for_each blocks makes Terraform's plan quadratic in the roster).
  expect(data.profile.depends_on).toEqual(['terraform_data.accounts_ready']);
  expect(data.accounts_ready).toEqual({ depends_on: DEVVM_SHARDS.map((h) => `terraform_data.account_${h}`) });
});

test('a tier change changes the profile, never the account', () => {
  const promoted = structuredClone(inputs.roster);
  promoted.people.ancamilea = { ...promoted.people.ancamilea, tier: 'power-user', namespaces: undefined };
  promoted.people.emo = { ...promoted.people.emo, tier: 'namespace-owner', namespaces: ['emo-apps'] };
  const afterTf = synthDevvm({ roster: promoted, site: inputs.site });
  const after = folded(afterTf);
  expect(after.account).toEqual(data.account);
  expect(decodedLocals(afterTf)).toMatchObject({ accounts: locals.accounts });
  expect(decodedLocals(afterTf).profiles.ancamilea).toMatchObject({ tier: 'power-user' });
  expect(after.host).toEqual(data.host);
});

test('parking one person changes only their profile: never the host, never an account', () => {
  const parked = structuredClone(inputs.roster);
  parked.people.emo = { ...parked.people.emo, workstation: { ...parked.people.emo.workstation!, parked: true } };
  const afterTf = synthDevvm({ roster: parked, site: inputs.site });
  const after = folded(afterTf);
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
    `node --min-semi-space-size=16 /var/lib/workstations/upload/agent-${agentSha.slice(0, 16)}.js host \${base64encode(jsonencode(self.input.spec))}`,
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
  const after = folded(afterTf);
  expect(after.host.triggers_replace.writers).toEqual({ userMaps: 'reconciler', managedSettings: 'reconciler', units: 'reconciler' });
  expect(after.host.input.spec.writers).toEqual(after.host.triggers_replace.writers);
  expect(after.claude_layer.triggers_replace).toEqual({ ...data.claude_layer.triggers_replace, managed_settings_writer: 'reconciler' });
  expect(after.account).toEqual(data.account);
  expect(after.profile).toEqual(data.profile);
  expect(afterTf.locals).toEqual(tf.locals);
});
