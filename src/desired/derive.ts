// The pure heart of the product: (roster, site) -> desired state of every person and tier.
// No I/O, no cdktf types, no clock: the same input always gives the same output, and
// people and lists come out in a stable order. Constructs and the host agent only
// translate this into resources and host actions.
import type { Person, Roster } from '../roster/roster-schema';
import type { Site } from '../roster/site-schema';
import { defaultWebKey, Tier, TIER_NAMES } from '../roster/values';
import { TIER_PROFILES } from '../tiers/profiles';
import { claudeAuthSecret } from '../tiers/vault-policies';
import type { AuthentikGroupState, DesiredState, PersonState, TierState, WorkstationState } from './types';

/** Vault policy attached to every entity of a tier. */
export const tierPolicyName = (tier: Tier): string => `workstations-${tier}`;
/** Vault policy for one person's own KV path. */
export const personalPolicyName = (osUser: string): string => `workstations-user-${osUser}`;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function derive(roster: Roster, site: Site): DesiredState {
  const people = Object.keys(roster.people)
    .sort(byString)
    .map((osUser) => derivePerson(osUser, roster.people[osUser], site));

  return {
    people,
    tiers: TIER_NAMES.map((tier) => deriveTier(tier, people)),
    authentikGroups: deriveAuthentikGroups(people, site),
    retiredUids: [...(roster.retired_uids ?? [])].sort((a, b) => a - b),
  };
}

function derivePerson(osUser: string, person: Person, site: Site): PersonState {
  const profile = TIER_PROFILES[person.tier];
  const namespaces = [...(person.namespaces ?? [])];
  const kv = site.vault.kv_mount;
  const groups = site.authentik.groups;
  const workstation = person.workstation ? deriveWorkstation(osUser, person, site) : null;

  return {
    osUser,
    email: person.email,
    authentikUser: person.authentik_user,
    // Only a workstation has a web key (validated unique among them); the Authentik
    // username itself may be an email, the web terminal keys on its local part.
    ...(person.workstation ? { webKey: person.workstation.web_key ?? defaultWebKey(person.authentik_user) } : {}),
    k8sUser: person.k8s_user ?? osUser,
    tier: person.tier,
    namespaces,
    cluster: {
      subject: `${site.oidc.username_prefix}${person.email}`,
      clusterRole: profile.clusterRole,
      namespaceAdminIn: profile.namespaceRole ? namespaces : [],
    },
    vault: {
      entity: osUser,
      alias: person.email,
      aliasMount: site.vault.oidc_mount,
      // Admins also get the site's existing admin policy set (e.g. vault-admin).
      policies: [
        tierPolicyName(person.tier),
        ...(person.tier === 'admin' ? site.vault.admin_policies : []),
        personalPolicyName(osUser),
      ],
      personalPolicy: personalPolicyName(osUser),
      personalDataPath: `${kv}/data/workstations/${osUser}`,
      personalMetadataPath: `${kv}/metadata/workstations/${osUser}`,
    },
    authentikGroups: [groups[person.tier], ...(workstation ? [groups.workstation] : [])].sort(byString),
    workstation,
  };
}

function deriveWorkstation(osUser: string, person: Person, site: Site): WorkstationState {
  const ws = person.workstation!;
  const profile = TIER_PROFILES[person.tier];
  const parked = ws.parked;
  const claude = claudeAuthSecret(osUser, site);
  const repoBase = site.infra_repo.url.replace(/\/[^/]+$/, '');
  return {
    osUser,
    uid: person.uid!,
    tier: person.tier,
    email: person.email,
    authentikUser: person.authentik_user,
    webKey: ws.web_key ?? defaultWebKey(person.authentik_user),
    legacy: ws.legacy,
    state: parked ? 'parked' : 'active',
    home: `/home/${osUser}`,
    shell: ws.login_shell ?? site.devvm.login_shell,
    unixGroups: [...profile.unixGroups],
    codeLayout: ws.code_layout,
    infra: {
      url: site.infra_repo.url,
      branch: site.infra_repo.default_branch,
      path: ws.code_layout === 'single' ? 'code' : 'code/infra',
      unlocked: profile.infraUnlocked,
    },
    repos: (ws.repos ?? []).map((name) => ({ name, url: `${repoBase}/${name}.git`, path: `code/${name}` })),
    kubeconfig: {
      server: site.kubernetes.api_server,
      ...(site.kubernetes.certificate_authority_data
        ? { certificateAuthorityData: site.kubernetes.certificate_authority_data }
        : {}),
      clusterName: site.kubernetes.cluster_name,
      issuerUrl: site.oidc.issuer_url,
      clientId: site.oidc.client_id,
      ...(person.tier === 'namespace-owner' && person.namespaces?.length ? { defaultNamespace: person.namespaces[0] } : {}),
      ...kubeloginGrant(person.uid!, site),
    },
    memoryMax: ws.memory_max ?? site.memory_budgets[person.tier],
    units: {
      t3Serve: !parked,
      // Parking forces the auth sync off: a parked account holds no live credentials.
      claudeAuthSync: !parked && ws.claude_auth,
    },
    claudeAuth: { vaultAddress: site.vault.address, kvMount: claude.mount, secretPath: claude.path },
  };
}

/** The kubelogin grant and what it needs: a per-person port (authcode) or the redirect URI (keyboard). */
function kubeloginGrant(uid: number, site: Site): Pick<WorkstationState['kubeconfig'], 'grantType' | 'listenPort' | 'redirectUrl'> {
  const { grant_type, authcode_port_base, redirect_url } = site.oidc;
  if (grant_type === 'authcode') return { grantType: grant_type, listenPort: authcode_port_base + (uid - site.uid_range.min) };
  if (grant_type === 'authcode-keyboard') return { grantType: grant_type, redirectUrl: redirect_url };
  return { grantType: grant_type };
}

function deriveTier(tier: Tier, people: readonly PersonState[]): TierState {
  return {
    tier,
    vaultPolicy: tierPolicyName(tier),
    clusterRole: TIER_PROFILES[tier].clusterRole,
    members: people.filter((p) => p.tier === tier).map((p) => p.osUser),
  };
}

function deriveAuthentikGroups(people: readonly PersonState[], site: Site): AuthentikGroupState[] {
  const names = [...TIER_NAMES.map((t) => site.authentik.groups[t]), site.authentik.groups.workstation];
  return names.map((name) => ({
    name,
    members: people
      .filter((p) => p.authentikGroups.includes(name))
      .map((p) => p.authentikUser)
      .sort(byString),
  }));
}
