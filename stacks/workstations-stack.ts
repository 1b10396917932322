// The `workstations` stack: the cluster facet of every person (Kubernetes RBAC, Vault
// identity, Authentik groups). Applied from the homelab's CI like any Tier-1 Stack.
import { Construct } from 'constructs';
import { LiteralBlock, LiteralStack } from '../constructs/literal-local';
// Deep imports: the providers' root index loads every resource class (BRIEF section 7).
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { DataVaultAuthBackend } from '@cdktf/provider-vault/lib/data-vault-auth-backend';
import { AccessGroups } from '../constructs/authentik/access-groups';
import { AuthentikProvider } from '../constructs/authentik/authentik-provider-binding';
import { groupLogicalId, ObservedGroups } from '../constructs/authentik/observed-groups';
import { ObservedRbac } from '../constructs/kubernetes/observed-rbac';
import { rbacForget, rbacImports } from '../constructs/kubernetes/rbac-migration';
import { forget, ImportBlock, RemovedBlock } from '../constructs/migration/blocks';
import { MigrationExpectations } from '../constructs/migration/roster-expectations';
import type { Adoption } from '../src/roster/adoption-schema';
import { tfName } from '../constructs/labels';
import { LegacyCrossCheck } from '../constructs/legacy-cross-check';
import { TierBinding } from '../constructs/tier-binding';
import { MovedAddress, WorkstationProfiles } from '../constructs/workstation-profile';
import { VaultIdentities } from '../constructs/vault/vault-identities';
import type { DesiredState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { tier1Backend } from './backend';

export const WORKSTATIONS_STACK = 'workstations';

export interface WorkstationsStackProps {
  /** Derived desired state of every person and tier. */
  readonly desired: DesiredState;
  readonly site: Site;
  /** The site's adoption file, when it names one (IDs for the planes in adopt). */
  readonly adoption?: Adoption;
}

/** A LiteralStack: its literal locals and blocks are put in place after resolution (constructs/literal-local.ts). */
export class WorkstationsStack extends LiteralStack {
  /** Cluster-side profiles of every person (for_each blocks keyed by os_user). */
  readonly profiles: WorkstationProfiles;
  /** Vault identities of every person, in the site's Vault migration mode. */
  readonly vault: VaultIdentities;
  /** Tier against legacy role check, present only when the site enables it. */
  readonly legacyCrossCheck?: LegacyCrossCheck;
  /** Import blocks of the planes in adopt (written as the stack's `import`). */
  readonly imports: readonly ImportBlock[];
  /** Removed blocks of the planes in observe (written as the stack's `removed`). */
  readonly removed: readonly RemovedBlock[];

  constructor(scope: Construct, id: string, props: WorkstationsStackProps) {
    super(scope, id);
    const { desired, site } = props;
    // Per plane (site `migration`): observe reads and manages nothing, adopt imports the
    // existing objects, own (the tests' site) is the product's full behaviour. Every
    // plane's import and removed blocks are collected here and written once each.
    const mode = site.migration;
    const imports: ImportBlock[] = [];
    const removed: RemovedBlock[] = [];
    tier1Backend(this, WORKSTATIONS_STACK);

    // No credentials here: the kubernetes provider reads KUBE_CONFIG_PATH (or KUBE_*),
    // the vault provider VAULT_TOKEN and the authentik provider AUTHENTIK_TOKEN.
    new KubernetesProvider(this, 'kubernetes', {});
    new VaultProvider(this, 'vault', { address: site.vault.address });
    new AuthentikProvider(this, 'authentik', { url: site.authentik.url });

    const oidc = new DataVaultAuthBackend(this, 'oidc-mount', { path: site.vault.oidc_mount });
    oidc.overrideLogicalId('oidc');

    const manageRbac = mode.kubernetes !== 'observe';
    // observe manages nothing in its plane, not even the tier's ClusterRole or Vault policy.
    for (const tier of desired.tiers) {
      new TierBinding(this, `tier-${tier.tier}`, { tier, site, manageClusterRole: manageRbac, manageVaultPolicy: mode.vault !== 'observe' });
    }

    this.profiles = new WorkstationProfiles(this, 'profiles', {
      people: desired.people,
      site,
      manageRbac,
      lookupAuthentikUsers: mode.authentik !== 'observe',
    });
    this.vault = new VaultIdentities(this, 'vault-identities', {
      people: desired.people,
      site,
      mode: mode.vault,
      adoption: props.adoption?.vault,
      oidcMountAccessor: oidc.accessor,
    });
    imports.push(...this.vault.importBlocks);
    const moved = byPerson(desired.people.map((p) => p.osUser), [...this.profiles.moved, ...this.vault.moved]);
    if (moved.length) new LiteralBlock(this, 'moved', moved);

    if (mode.kubernetes !== 'own') new ObservedRbac(this, 'observed-rbac');
    if (mode.kubernetes === 'adopt') imports.push(...rbacImports(desired.tiers));
    if (mode.kubernetes === 'observe') {
      const oldLayout = desired.people.flatMap((p) => [
        `kubernetes_cluster_role_binding_v1.${tfName(p.osUser)}`,
        ...p.cluster.namespaceAdminIn.map((ns) => `kubernetes_role_binding_v1.${tfName(p.osUser, ns)}`),
      ]);
      removed.push(...rbacForget(desired.tiers, oldLayout));
    }

    const groupNames = desired.authentikGroups.map((g) => g.name);
    if (mode.authentik !== 'own') new ObservedGroups(this, 'observed-groups', { names: groupNames, pks: props.adoption?.authentik?.groups });
    if (mode.authentik === 'observe') {
      removed.push(...groupNames.map((g) => forget(`authentik_group.${groupLogicalId(g)}`)));
    } else {
      const userPks = new Map(desired.people.map((p) => [p.authentikUser, WorkstationProfiles.authentikUserPk(p.osUser)]));
      const groups = new AccessGroups(this, 'authentik-groups', { groups: desired.authentikGroups, userPks, mode: mode.authentik });
      imports.push(...groups.imports);
    }

    if (mode.authentik !== 'own' || mode.kubernetes !== 'own') new MigrationExpectations(this, 'migration', { desired, site });
    this.imports = imports;
    this.removed = removed;
    if (imports.length) this.addOverride('import', imports);
    if (removed.length) this.addOverride('removed', removed);

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
  // One pass over the moves (a filter per person made synth quadratic: 11 s at 1000 people).
  const byKey = new Map<string, MovedAddress[]>();
  for (const m of moved) {
    const key = /\["([^"/]+)(?:\/[^"]*)?"\]$/.exec(m.to)?.[1];
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), m]);
  }
  return osUsers.flatMap((u) => byKey.get(u) ?? []);
}
