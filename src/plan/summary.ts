// The per-person change summary, derived from Terraform's own plan JSON of both stacks
// (never from the roster diff: the plan is what will actually happen).
import { devvmBlockKind } from '../desired/devvm-addresses';
import { decodeSpec } from '../desired/host-specs';
import { WorkstationState } from '../desired/types';
import { accountUid } from './account-uid';
import { legacyAccessNote, migrationReport, MigrationReport } from './migration-summary';
import { renderVaultObservations, VaultObservation, vaultObservations } from './vault-summary';
import { ChangeKind, destroysTainted, kindOf, managedChanges, PlanJson, ResourceChange, taintedAddresses } from './plan-json';

/** `retry`: the account was left tainted by a failed apply; this apply onboards it again (no offboard). */
export type PersonKind = 'onboard' | 'update' | 'offboard' | 'recreate' | 'retry';

export interface PersonChange {
  readonly osUser: string;
  readonly kind: PersonKind;
  /** Human details: tier, groups, namespaces, park/unpark, memory budget, ... */
  readonly details: readonly string[];
  /** Tier before and after, when known (undefined: absent on that side). */
  readonly tierBefore?: string;
  readonly tierAfter?: string;
  /** The uid this plan retires (account offboarded or recreated): add it to `retired_uids` afterwards. */
  readonly retiredUid?: number;
}

export interface OtherChange {
  readonly address: string;
  readonly kind: ChangeKind;
  /** The object was left tainted by a failed apply: this replace retries it. */
  readonly tainted?: boolean;
  /** A replacement's reason: the names of the replace triggers that changed. */
  readonly changedTriggers?: readonly string[];
  /** The import ID, when an import block brings the object under this state (migration adopt). */
  readonly imported?: string;
}

export interface PlanSummary {
  readonly people: readonly PersonChange[];
  readonly other: readonly OtherChange[];
  /** What the plan cannot do and the admin must (e.g. members an emptied Authentik group keeps). */
  readonly notes?: readonly string[];
  /** Planes not yet owned: per person, the roster against what exists (src/plan/migration-summary.ts). */
  readonly migration?: MigrationReport;
  /** What the Vault plane's lookups found per person (observe and adopt modes; src/plan/vault-summary.ts). */
  readonly vault?: readonly VaultObservation[];
}

/**
 * Resources that belong to one person, and whose. The per-person resources of both stacks
 * are for_each blocks keyed by os_user (namespace bindings by "<os_user>/<namespace>"), so
 * the instance key says whose (the devvm's are in shard blocks: `account_3`, `profile_3`).
 * A state from before issue 15 had one block per person (`vault_identity_entity.emo`): its
 * instances have no key, and the name or values say whose (seen when such a block is
 * destroyed because its person left in the same plan).
 */
export function personOf(rc: ResourceChange): string | undefined {
  const key = rc.index === undefined ? undefined : String(rc.index);
  if (rc.type === 'terraform_data') return devvmBlockKind(rc.name) ? key : undefined;
  if (['kubernetes_cluster_role_binding_v1', 'vault_identity_entity', 'vault_identity_entity_alias'].includes(rc.type)) return key ?? rc.name;
  if (rc.type === 'vault_identity_entity_policies' && key !== undefined) return key;
  if (rc.type === 'kubernetes_role_binding_v1' && key !== undefined) return key.split('/')[0];
  if (rc.type === 'vault_policy' && key !== undefined) return key;
  const values = (rc.change.before ?? rc.change.after) as Record<string, unknown> | null;
  if (rc.type === 'kubernetes_role_binding_v1') {
    const meta = (values?.metadata as { labels?: Record<string, string> }[] | undefined)?.[0];
    return meta?.labels?.['workstations/os-user'];
  }
  if (rc.type === 'vault_policy') {
    const m = /^workstations-user-(.+)$/.exec(String(values?.name ?? ''));
    return m?.[1];
  }
  return undefined;
}

/** Per-person resources whose destruction really costs something (profiles are re-converged, not lost). */
export function isPersonalResource(rc: ResourceChange): boolean {
  return personOf(rc) !== undefined && !(rc.type === 'terraform_data' && devvmBlockKind(rc.name) === 'profile');
}

/**
 * The desired state a `profile` carries in plan JSON, under `triggers_replace.desired`: a
 * JSON text (what the stack writes), or the object it decodes to (a state from before the
 * texts, seen on the `before` side once). Older still, state written before inputs were
 * structured holds base64 JSON under `input.desired`. All are validated with the agent's
 * schema.
 */
function desiredOf(values: Record<string, unknown> | null): WorkstationState | undefined {
  const carried = (values?.triggers_replace as { desired?: unknown } | undefined)?.desired;
  if (carried !== undefined) {
    const r = WorkstationState.safeParse(typeof carried === 'string' ? parseJson(carried) : carried);
    return r.success ? r.data : undefined;
  }
  const b64 = (values?.input as { desired?: unknown } | undefined)?.desired;
  if (typeof b64 !== 'string') return undefined;
  try {
    return decodeSpec(WorkstationState, b64);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A profile whose desired state changed form only: the object a state from before the
 * JSON texts holds, and today's text of the same content. Replacing it re-converges the
 * person once, and nothing on the devvm changes.
 */
function desiredFormOnly(profile: ResourceChange): boolean {
  const carried = (v: Record<string, unknown> | null) => (v?.triggers_replace as { desired?: unknown } | undefined)?.desired;
  return becameText(carried(profile.change.before), carried(profile.change.after));
}

/**
 * An account whose `input` changed form only: an object before (a state from before the
 * JSON text: `account`, `host`, `port`, `user`, `host_key`), the same content as one JSON
 * text after.
 */
function accountFormOnly(account: ResourceChange): boolean {
  return becameText(account.change.before?.input, account.change.after?.input);
}

/** An object before, a JSON text of the same content after. */
function becameText(before: unknown, after: unknown): boolean {
  return typeof before === 'object' && before !== null && typeof after === 'string' && canonical(before) === canonical(parseJson(after));
}

/** JSON with sorted keys: Terraform's state orders object keys, the stack's text does not. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Names of the `triggers_replace` entries that differ between before and after (added and removed ones too). */
export function changedTriggers(rc: ResourceChange): string[] {
  const triggers = (v: Record<string, unknown> | null) => (v?.triggers_replace ?? {}) as Record<string, unknown>;
  const before = triggers(rc.change.before);
  const after = triggers(rc.change.after);
  // An unknown after-value (computed at apply) is absent from `after` and listed in after_unknown: it changes.
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

function entityTier(values: Record<string, unknown> | null): string | undefined {
  return (values?.metadata as Record<string, string> | undefined)?.tier;
}

export function summarize(plans: readonly PlanJson[]): PlanSummary {
  const byPerson = new Map<string, ResourceChange[]>();
  const other: OtherChange[] = [];
  const tainted = taintedAddresses(plans);
  for (const plan of plans) {
    for (const rc of managedChanges(plan)) {
      const kind = kindOf(rc);
      const imported = rc.change.importing ? { imported: rc.change.importing.id ?? '?' } : {};
      // An import that changes nothing is still news: the object is this stack's from now on.
      if (kind === 'no-op' && rc.change.importing) {
        other.push({ address: rc.address, kind, ...imported });
        continue;
      }
      if (kind === 'no-op') continue;
      const person = personOf(rc);
      if (person === undefined || rc.change.importing) {
        const triggers = kind === 'replace' ? changedTriggers(rc) : [];
        other.push({ address: rc.address, kind, ...(destroysTainted(rc, tainted) ? { tainted: true } : {}), ...(triggers.length ? { changedTriggers: triggers } : {}), ...imported });
      }
      else byPerson.set(person, [...(byPerson.get(person) ?? []), rc]);
    }
  }
  const migration = migrationReport(plans);
  const leaving = new Set(migration.legacyAccess.filter((l) => l.leaving).map((l) => l.osUser));
  const people = [...byPerson.keys()].sort().map((u) => {
    const change = personChange(u, byPerson.get(u)!, tainted);
    // RBAC is additive: the legacy rbac stack's bindings stay until the legacy entry goes.
    if (!leaving.has(u)) return change;
    return { ...change, details: [...change.details, 'still in the legacy k8s_users map: the rbac stack\'s access stays until that entry is removed'] };
  });
  const notes = emptiedGroupNotes(plans);
  const legacy = legacyAccessNote(migration);
  if (legacy) notes.push(legacy);
  const showMigration = migration.modes !== undefined;
  const vault = vaultObservations(plans);
  return {
    people,
    other: other.sort((a, b) => a.address.localeCompare(b.address)),
    ...(notes.length ? { notes } : {}),
    ...(showMigration ? { migration } : {}),
    ...(vault.length ? { vault } : {}),
  };
}

/** The part of the plan JSON the emptied-group note reads besides resource_changes and prior_state. */
interface PlanWithConfiguration extends PlanJson {
  readonly configuration?: {
    readonly root_module?: { readonly resources?: readonly { address: string; expressions?: Record<string, { constant_value?: unknown }> }[] };
  };
}

/**
 * An Authentik group the roster empties keeps its members: the goauthentik provider's
 * `users` is Optional+Computed, so `users = []` counts as "not set" (constructs/authentik/
 * access-groups.ts). Read from the plan: a group whose configured `users` is the empty
 * list (or whose planned `users` is empty) while its current member list is not. Members
 * are named by os_user when this plan still looks them up (data.authentik_user.person),
 * by Authentik pk otherwise (a person removed from the roster in this very plan).
 */
export function emptiedGroupNotes(plans: readonly PlanJson[]): string[] {
  const notes: string[] = [];
  for (const plan of plans as readonly PlanWithConfiguration[]) {
    const osUserByPk = new Map<number, string>();
    for (const r of plan.prior_state?.values?.root_module?.resources ?? []) {
      if (r.mode === 'data' && r.type === 'authentik_user' && r.index !== undefined && typeof r.values?.pk === 'number') {
        osUserByPk.set(r.values.pk, String(r.index));
      }
    }
    const configured = new Map((plan.configuration?.root_module?.resources ?? []).map((r) => [r.address, r.expressions?.users?.constant_value]));
    for (const rc of managedChanges(plan)) {
      if (rc.type !== 'authentik_group' || kindOf(rc) === 'delete') continue;
      const before = rc.change.before?.users;
      const after = rc.change.after?.users;
      const emptied = isEmptyList(configured.get(rc.address)) || isEmptyList(after);
      if (!emptied || !Array.isArray(before) || before.length === 0) continue;
      const name = String(rc.change.after?.name ?? rc.change.before?.name ?? rc.address);
      const who = (before as unknown[]).map((pk) => osUserByPk.get(Number(pk)) ?? `Authentik user pk ${String(pk)}`);
      const verb = who.length === 1 ? 'stays a member' : 'stay members';
      notes.push(
        `Authentik group ${name}: the provider cannot empty a group; ${who.join(', ')} ${verb} until removed in the Authentik UI (Directory > Groups > ${name})`,
      );
    }
  }
  return notes.sort();
}

function isEmptyList(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0;
}

function personChange(osUser: string, changes: ResourceChange[], tainted: ReadonlySet<string>): PersonChange {
  const find = (type: string) => changes.find((rc) => rc.type === type);
  const devvm = (kind: 'account' | 'profile') => changes.find((rc) => rc.type === 'terraform_data' && devvmBlockKind(rc.name) === kind);
  const account = devvm('account');
  const profile = devvm('profile');
  const entity = find('vault_identity_entity');
  // An adopted identity is not managed here: its policy attachment says onboard or offboard.
  const attached = find('vault_identity_entity_policies');
  const before = desiredOf(profile?.change.before ?? null);
  const after = desiredOf(profile?.change.after ?? null);
  const tierBefore = before?.tier ?? entityTier(entity?.change.before ?? null);
  const tierAfter = after?.tier ?? entityTier(entity?.change.after ?? null);

  let kind: PersonKind = 'update';
  const accountKind = account ? kindOf(account) : undefined;
  const entityKind = entity ? kindOf(entity) : undefined;
  // A tainted account (its onboarding failed) is replaced without any destroy-time provisioner.
  const accountTainted = account !== undefined && destroysTainted(account, tainted);
  if (accountKind === 'replace') kind = accountTainted ? 'retry' : 'recreate';
  else if (accountKind === 'delete') kind = 'offboard';
  else if (accountKind === 'create' && tierBefore === undefined) kind = 'onboard';
  else if (!account && entityKind === 'create') kind = 'onboard';
  else if (!account && entityKind === 'delete') kind = 'offboard';
  else if (!account && !entity && attached && kindOf(attached) === 'create') kind = 'onboard';
  else if (!account && !entity && attached && kindOf(attached) === 'delete') kind = 'offboard';

  const details: string[] = [];
  // The uid Terraform's destroy-time offboard tombstones: it must never be reused.
  const retiredUid = (kind === 'offboard' || kind === 'recreate') && account && !accountTainted ? accountUid(account.change.before) : undefined;
  const retire = retiredUid !== undefined ? `; then add uid ${retiredUid} to retired_uids` : '';
  if (kind === 'retry') {
    details.push(`account ${osUser} was left half-onboarded by a failed apply (tainted): this apply retries the onboarding; nothing is offboarded`);
  }
  if (kind === 'onboard' || kind === 'retry') {
    const ws = after ? `, workstation ${after.state}${after.legacy ? ' (legacy: existing account adopted, additive only)' : ''}` : ', cluster access only';
    details.push(`${tierAfter ?? '?'}${ws}`);
  }
  if (kind === 'offboard' && accountTainted) {
    details.push('account was left half-onboarded by a failed apply (tainted): Terraform runs NO offboarding for it (nothing locked or archived); check `agent.js status` on the devvm');
  } else if (kind === 'offboard') details.push(account ? `account locked, home archived on the devvm${retire}` : 'cluster access removed');
  if (kind === 'recreate') {
    const why = account?.action_reason === 'replace_by_request' ? 'replacement requested (-replace)' : 'account identity (uid or host) changed';
    details.push(`${why}: OFFBOARD then ONBOARD${retire}`);
  }
  if (kind === 'update' || kind === 'recreate') {
    if (tierBefore && tierAfter && tierBefore !== tierAfter) details.push(`tier ${tierBefore} -> ${tierAfter}`);
    if (accountKind === 'create') details.push('workstation added');
    if (before && after) details.push(...workstationDetails(before, after));
    if (before && !after && profile && kindOf(profile) === 'delete' && accountKind !== 'delete') details.push('workstation removed');
    for (const rc of changes.filter((c) => c.type === 'kubernetes_role_binding_v1')) {
      const ns = ((rc.change.after ?? rc.change.before)?.metadata as { namespace?: string }[] | undefined)?.[0]?.namespace;
      const k = kindOf(rc);
      if (k === 'create') details.push(`namespace +${ns}`);
      else if (k === 'delete') details.push(`namespace -${ns}`);
    }
    if (profile && destroysTainted(profile, tainted)) details.push('converge retried (a failed apply left the profile tainted)');
    if (profile && details.length === 0) details.push(profileReason(profile, before, after));
    if (account && accountKind === 'update' && accountFormOnly(account)) details.push("account's input now stored as one JSON text (state only: nothing runs on the devvm)");
    if (details.length === 0) details.push(changes.map((c) => `${kindOf(c)} ${c.address}`).join(', '));
  }
  return { osUser, kind, details, tierBefore, tierAfter, ...(retiredUid !== undefined ? { retiredUid } : {}) };
}

/** Why a profile whose desired state did not change is in the plan. */
function profileReason(profile: ResourceChange, before?: WorkstationState, after?: WorkstationState): string {
  // The move to the shard blocks drops the profile's `input` in place: state only.
  if (profile.previous_address && kindOf(profile) === 'update') return `profile moved from ${profile.previous_address} (state only: nothing runs on the devvm)`;
  if (!before || !after || kindOf(profile) !== 'replace') return 'profile updated';
  const triggers = changedTriggers(profile);
  if (triggers.length === 1 && triggers[0] === 'agent_sha256') return 're-converge (agent changed)';
  if (triggers.length === 1 && triggers[0] === 'desired' && desiredFormOnly(profile)) {
    return 're-converge once (the desired state is now carried as JSON text; same content, nothing changes on the devvm)';
  }
  return `re-converge (changed: ${triggers.join(', ')})`;
}

function workstationDetails(b: WorkstationState, a: WorkstationState): string[] {
  const out: string[] = [];
  const added = a.unixGroups.filter((g) => !b.unixGroups.includes(g));
  const removed = b.unixGroups.filter((g) => !a.unixGroups.includes(g));
  if (added.length || removed.length) out.push(`groups ${[...added.map((g) => `+${g}`), ...removed.map((g) => `-${g}`)].join(' ')}`);
  // A running process keeps the groups it started with: the agent's converge ends the
  // person's sessions and restarts their units (agent/steps/converge.ts). Said before apply,
  // since it cuts off whatever they are doing. A legacy account's removals wait for cutover.
  if (removed.length && !a.legacy) out.push(`ENDS ${a.osUser}'s live sessions on the devvm and restarts their units (running processes would keep ${removed.join(', ')})`);
  if (b.state !== a.state) out.push(a.state === 'parked' ? 'park' : 'unpark');
  if (b.memoryMax !== a.memoryMax) out.push(`memory budget ${b.memoryMax} -> ${a.memoryMax}`);
  if (b.legacy !== a.legacy) out.push(a.legacy ? 'marked legacy' : 'legacy cleared (after cutover)');
  if (b.codeLayout !== a.codeLayout) out.push(`code layout ${b.codeLayout} -> ${a.codeLayout}`);
  if (b.infra.unlocked !== a.infra.unlocked) out.push(a.infra.unlocked ? 'infra clone may be unlocked' : 'infra clone locked');
  const repos = (w: WorkstationState) => w.repos.map((r) => r.name);
  const plusRepos = repos(a).filter((r) => !repos(b).includes(r));
  const minusRepos = repos(b).filter((r) => !repos(a).includes(r));
  if (plusRepos.length || minusRepos.length) out.push(`repos ${[...plusRepos.map((r) => `+${r}`), ...minusRepos.map((r) => `-${r}`)].join(' ')}`);
  if (b.kubeconfig.defaultNamespace !== a.kubeconfig.defaultNamespace) {
    out.push(`default namespace ${b.kubeconfig.defaultNamespace ?? '-'} -> ${a.kubeconfig.defaultNamespace ?? '-'}`);
  }
  return out;
}

const MARK: Record<PersonKind, string> = { onboard: '+ onboard ', update: '~ update  ', offboard: '- OFFBOARD', recreate: '! RECREATE', retry: '+ retry   ' };
const OTHER_MARK: Record<ChangeKind, string> = { create: '+', delete: '-', replace: '!', update: '~', 'no-op': ' ', read: '<' };

export function renderSummary(summary: PlanSummary): string {
  const lines: string[] = [];
  lines.push(summary.people.length ? 'People:' : 'People: no changes');
  const width = Math.max(0, ...summary.people.map((p) => p.osUser.length));
  for (const p of summary.people) lines.push(`  ${MARK[p.kind]}  ${p.osUser.padEnd(width)}  ${p.details.join('; ')}`);
  lines.push(summary.other.length ? 'Other changes:' : 'Other changes: none');
  for (const o of summary.other) {
    const why = o.tainted ? ' (retry: left tainted by a failed apply)' : o.changedTriggers?.length ? ` (changed: ${o.changedTriggers.join(', ')})` : '';
    const imported = o.imported !== undefined ? ` (import ${o.imported})` : '';
    if (o.imported !== undefined && o.kind === 'no-op') lines.push(`  = import   ${o.address}${imported}`);
    else lines.push(`  ${OTHER_MARK[o.kind]} ${o.kind.padEnd(7)}  ${o.address}${why}${imported}`);
  }
  const m = summary.migration;
  if (m?.modes) {
    const head = `Roster against what exists (${m.modes}; observe changes nothing, adopt imports and then applies the roster)`;
    lines.push(m.observed.length ? `${head}:` : `${head}: no differences`);
    const w = Math.max(0, ...m.observed.map((o) => (o.osUser ?? '(not in roster)').length));
    for (const o of m.observed) lines.push(`  ${(o.osUser ?? '(not in roster)').padEnd(w)}  ${o.details.join('; ')}`);
  }
  if (summary.notes?.length) lines.push('Notes:', ...summary.notes.map((n) => `  ! ${n}`));
  lines.push(...renderVaultObservations(summary.vault ?? []));
  return `${lines.join('\n')}\n`;
}
