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
import { WorkstationProfiles } from '../constructs/workstation-profile';
import type { DesiredState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { tier1Backend } from './backend';

export const WORKSTATIONS_STACK = 'workstations';

export interface WorkstationsStackProps {
  /** Derived desired state of every person and tier. */
  readonly desired: DesiredState;
  readonly site: Site;
}

export class WorkstationsStack extends TerraformStack {
  /** Cluster-side profiles of every person (for_each blocks keyed by os_user). */
  readonly profiles: WorkstationProfiles;
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

    for (const tier of desired.tiers) new TierBinding(this, `tier-${tier.tier}`, { tier, site });

    this.profiles = new WorkstationProfiles(this, 'profiles', { people: desired.people, site, oidcMountAccessor: oidc.accessor });

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
