// The `workstations` stack: the cluster facet of every person (Kubernetes RBAC, Vault
// identity, Authentik groups). Applied from the homelab's CI like any Tier-1 Stack.
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
// Deep imports: the providers' root index loads every resource class (BRIEF section 7).
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { DataVaultAuthBackend } from '@cdktf/provider-vault/lib/data-vault-auth-backend';
import { AccessGroups } from '../constructs/authentik/access-groups';
import { AuthentikProvider } from '../constructs/authentik/authentik-provider-binding';
import { LegacyCrossCheck } from '../constructs/legacy-cross-check';
import { TierBinding } from '../constructs/tier-binding';
import { MovedAddress, WorkstationProfiles } from '../constructs/workstation-profile';
import { VaultIdentities } from '../constructs/vault/vault-identities';
import type { VaultAdoption } from '../src/roster/adoption-vault';
import type { DesiredState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { tier1Backend } from './backend';

export const WORKSTATIONS_STACK = 'workstations';

export interface WorkstationsStackProps {
  /** Derived desired state of every person and tier. */
  readonly desired: DesiredState;
  readonly site: Site;
  /** The adoption file's `vault:` section: existing identities to look up (observe, adopt). */
  readonly vaultAdoption?: VaultAdoption;
}

export class WorkstationsStack extends TerraformStack {
  /** Cluster-side profiles of every person (for_each blocks keyed by os_user). */
  readonly profiles: WorkstationProfiles;
  /** Vault identities of every person, in the site's Vault migration mode. */
  readonly vault: VaultIdentities;
  /** Tier against legacy role check, present only when the site enables it. */
  readonly legacyCrossCheck?: LegacyCrossCheck;

  constructor(scope: Construct, id: string, props: WorkstationsStackProps) {
    super(scope, id);
    const { desired, site } = props;
    tier1Backend(this, WORKSTATIONS_STACK);

    // No credentials here: the kubernetes provider reads KUBE_CONFIG_PATH (or KUBE_*),
    // the vault provider VAULT_TOKEN and the authentik provider AUTHENTIK_TOKEN.
    new KubernetesProvider(this, 'kubernetes', {});
    new VaultProvider(this, 'vault', { address: site.vault.address });
    new AuthentikProvider(this, 'authentik', { url: site.authentik.url });

    const oidc = new DataVaultAuthBackend(this, 'oidc-mount', { path: site.vault.oidc_mount });
    oidc.overrideLogicalId('oidc');

    const vaultMode = site.migration.vault;
    for (const tier of desired.tiers) {
      const binding = new TierBinding(this, `tier-${tier.tier}`, { tier, site });
      // observe manages nothing in Vault, not even the tier policies. (Until TierBinding
      // itself leaves the Vault plane to VaultIdentities: the merge of issue 14 decides.)
      if (vaultMode === 'observe') binding.node.tryRemoveChild('vault-policy');
    }

    this.profiles = new WorkstationProfiles(this, 'profiles', { people: desired.people, site });
    this.vault = new VaultIdentities(this, 'vault-identities', {
      people: desired.people,
      site,
      mode: vaultMode,
      adoption: props.vaultAdoption,
      oidcMountAccessor: oidc.accessor,
    });
    const moved = byPerson(desired.people.map((p) => p.osUser), [...this.profiles.moved, ...this.vault.moved]);
    if (moved.length) this.addOverride('moved', moved);

    const userPks = new Map(desired.people.map((p) => [p.authentikUser, WorkstationProfiles.authentikUserPk(p.osUser)]));
    new AccessGroups(this, 'authentik-groups', { groups: desired.authentikGroups, userPks });

    // Incremental migration: read (never write) the legacy k8s_users map and fail the plan
    // when a person's tier differs from their legacy role.
    const legacy = site.vault.legacy_cross_check;
    if (legacy.enabled) {
      this.legacyCrossCheck = new LegacyCrossCheck(this, 'legacy-cross-check', { people: desired.people, config: legacy });
    }
  }
}

/** Moved blocks grouped by the person their `to` address is keyed by, in roster order. */
function byPerson(osUsers: readonly string[], moved: readonly MovedAddress[]): MovedAddress[] {
  const owner = (m: MovedAddress) => {
    const key = /\["([^"/]+)(?:\/[^"]*)?"\]$/.exec(m.to)?.[1];
    return key === undefined ? -1 : osUsers.indexOf(key);
  };
  return osUsers.flatMap((_, i) => moved.filter((m) => owner(m) === i));
}
