// The `workstations` stack: the cluster facet of every person (Kubernetes RBAC, Vault
// identity, Authentik groups). Applied from the homelab's CI like any Tier-1 Stack.
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
// Deep imports: the providers' root index loads every resource class (BRIEF section 7).
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
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
  constructor(scope: Construct, id: string, props: WorkstationsStackProps) {
    super(scope, id);
    tier1Backend(this, WORKSTATIONS_STACK);

    // No credentials here: the kubernetes provider reads KUBE_CONFIG_PATH (or the
    // KUBE_* variables) and the vault provider VAULT_TOKEN from the environment.
    new KubernetesProvider(this, 'kubernetes', {});
    new VaultProvider(this, 'vault', { address: props.site.vault.address });
  }
}
