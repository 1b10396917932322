// WorkstationProfiles (devvm side of each Workstation profile): ONE `profile` block
// with for_each keyed by os_user. Replaced when the person's desired state or the agent
// changes; its create-time provisioner converges the person. No destroy-time action:
// replacing a profile never offboards anyone.
import { DataResource, Fn, TerraformIterator, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import type { WorkstationState } from '../../src/desired/types';
import type { Site } from '../../src/roster/site-schema';
import { AGENT_ON_HOST, agentArgFromSelf, connectionFromSelf, connectionInput } from './connection';
import { terraformJsonText } from './terraform-literal';

export interface WorkstationProfilesProps {
  readonly site: Site;
  /** Desired devvm state of every person with a workstation. */
  readonly workstations: readonly WorkstationState[];
  /** sha256 of the agent bundle: a new agent re-converges everyone. */
  readonly agentSha256: string;
  /** Resources that must exist first (the accounts). */
  readonly dependsOn: readonly DataResource[];
}

export class WorkstationProfiles extends Construct {
  readonly resource: DataResource;
  /** `local.profiles`: os_user -> WorkstationState as JSON text, the map the for_each iterates. */
  readonly local: TerraformLocal;

  constructor(scope: Construct, id: string, props: WorkstationProfilesProps) {
    super(scope, id);
    // In `locals`, evaluated once per plan (inline in for_each it would be evaluated per
    // instance: quadratic plan time). One JSON text per person (terraformJsonText: a map of
    // strings plans several times faster than a map of objects), decoded in the resource:
    // `triggers_replace.desired` holds the structured value, so the plan stays readable.
    this.local = new TerraformLocal(this, 'profiles', Object.fromEntries(props.workstations.map((ws) => [ws.osUser, terraformJsonText(ws)])));
    this.local.overrideLogicalId('profiles');
    const each = TerraformIterator.fromMap(this.local.asAnyMap);
    this.resource = new DataResource(this, 'profile', {
      forEach: each,
      // The structured desired state IS the replace trigger: the plan shows the attribute
      // that changed (`~ state = "active" -> "parked"`) under `triggers_replace`, marked
      // `# forces replacement`, and the plan JSON carries it for the summary and guards.
      triggersReplace: { desired: Fn.jsondecode(each.value), agent_sha256: props.agentSha256 },
      input: connectionInput(props.site),
      connection: connectionFromSelf(props.site),
      dependsOn: [...props.dependsOn],
      provisioners: [{ type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} converge ${agentArgFromSelf('triggers_replace.desired')}`] }],
    });
    this.resource.overrideLogicalId('profile');
  }
}
