// The `workstations-devvm` stack: every Workstation's devvm facet. Separate from the
// `workstations` stack because the homelab's CI cannot reach the devvm: this one is
// applied by an admin from a machine that can. It uses only Terraform's built-in
// terraform_data, so `cdktf diff` needs no provider download and no SSH.
import { DataResource, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { LiteralBlock, LiteralStack } from '../constructs/literal-local';
import { DevvmHost } from '../constructs/devvm/devvm-host';
import { ManagedClaudeLayer } from '../constructs/devvm/managed-claude-layer';
import { WorkstationAccounts } from '../constructs/devvm/workstation-accounts';
import { WorkstationProfiles } from '../constructs/devvm/workstation-profiles';
import { accountSpec, hostSpec, preflightSpec } from '../src/desired/host-specs';
import type { DesiredState, WorkstationState } from '../src/desired/types';
import type { AgentBundle } from '../src/devvm/agent-bundle';
import { CONFIG_BASE_COMMIT_VAR, UNRESOLVED_COMMIT } from '../src/devvm/config-base-head';
import type { RenderedLayer } from '../src/claude-layer/render';
import type { Site } from '../src/roster/site-schema';
import { tier1Backend } from './backend';

export const DEVVM_STACK = 'workstations-devvm';

export interface WorkstationsDevvmStackProps {
  readonly desired: DesiredState;
  readonly site: Site;
  readonly agent: AgentBundle;
  /** The validated, rendered managed Claude Code layer. */
  readonly claudeLayer: RenderedLayer;
  /**
   * Default of the `config_base_commit` input variable (default: "unresolved"). Only tests
   * pin one; `npm run plan` passes the resolved head with `-var`, so synth stays hermetic.
   */
  readonly configBaseCommit?: string;
}

/** A LiteralStack: its literal locals and blocks are put in place after resolution (constructs/literal-local.ts). */
export class WorkstationsDevvmStack extends LiteralStack {
  readonly host: DevvmHost;
  readonly accounts: WorkstationAccounts;
  readonly profiles: WorkstationProfiles;
  /** The ordering barrier between the accounts and the profiles (see the constructor). */
  readonly accountsReady: DataResource;
  readonly claudeLayer: ManagedClaudeLayer;
  readonly configBaseCommit: TerraformVariable;

  constructor(scope: Construct, id: string, props: WorkstationsDevvmStackProps) {
    super(scope, id);
    const { desired, site, agent } = props;
    tier1Backend(this, DEVVM_STACK);

    const workstations = desired.people.flatMap((p): WorkstationState[] => (p.workstation ? [p.workstation] : []));
    this.host = new DevvmHost(this, 'host', { site, agent, spec: hostSpec(site) });
    this.configBaseCommit = new TerraformVariable(this, CONFIG_BASE_COMMIT_VAR, {
      type: 'string',
      nullable: false,
      default: props.configBaseCommit ?? UNRESOLVED_COMMIT,
      description: `Config base commit the managed Claude layer pins; "${UNRESOLVED_COMMIT}" when not resolved. npm run plan passes the head of the Config base branch.`,
    });
    this.configBaseCommit.overrideLogicalId(CONFIG_BASE_COMMIT_VAR);
    this.claudeLayer = new ManagedClaudeLayer(this, 'claude-layer', {
      site,
      layer: props.claudeLayer,
      agentSha256: agent.sha256,
      configBaseCommit: this.configBaseCommit.stringValue,
      host: this.host.resource,
    });
    this.accounts = new WorkstationAccounts(this, 'accounts', {
      site,
      accounts: workstations.map((ws) => accountSpec(ws, site)),
      preflight: preflightSpec(site),
      host: this.host.resource,
    });
    // Every account before any profile, through ONE resource in between: Terraform checks a
    // dependency on a for_each resource per instance against all of its instances, so
    // `profile` depending on `account` directly made plans grow with the square of the
    // roster (600 + 600 instances: 12.4 s against 2.6 s through this barrier). It has no
    // inputs, so it is created once and never changes; Terraform still orders every apply
    // through it (checked with real Terraform: new accounts' provisioners run first).
    this.accountsReady = new DataResource(this, 'accounts-ready', { dependsOn: [...this.accounts.resources] });
    this.accountsReady.overrideLogicalId('accounts_ready');
    this.profiles = new WorkstationProfiles(this, 'profiles', {
      site,
      workstations,
      agentSha256: agent.sha256,
      dependsOn: [this.accountsReady],
    });
    // A state from before the shards (2026-12-01) moves to them, person by person, with no
    // destroy and no create. A `moved` whose `from` is not in the state does nothing.
    const moved = workstations.flatMap((_, i) => [this.accounts.moved[i], this.profiles.moved[i]]);
    if (moved.length) new LiteralBlock(this, 'moved', moved);
  }
}
