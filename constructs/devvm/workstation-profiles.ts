// WorkstationProfiles (devvm side of each Workstation profile): ONE `profile` block
// with for_each keyed by os_user. Replaced when the person's desired state or the agent
// changes; its create-time provisioner converges the person. No destroy-time action:
// replacing a profile never offboards anyone.
import { DataResource, TerraformIterator } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { encodeSpec } from '../../src/desired/host-specs';
import type { WorkstationState } from '../../src/desired/types';
import type { Site } from '../../src/roster/site-schema';
import { AGENT_ON_HOST, connectionFromSelf, connectionInput } from './connection';

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

  constructor(scope: Construct, id: string, props: WorkstationProfilesProps) {
    super(scope, id);
    const each = TerraformIterator.fromMap(
      Object.fromEntries(
        props.workstations.map((ws) => {
          const spec = encodeSpec(ws);
          return [ws.osUser, { spec, sha256: createHash('sha256').update(spec).digest('hex') }];
        }),
      ),
    );
    this.resource = new DataResource(this, 'profile', {
      forEach: each,
      triggersReplace: { desired_sha256: each.getString('sha256'), agent_sha256: props.agentSha256 },
      // The desired state rides in `input` too, so plan JSON shows before/after per person
      // (the apply summary and guards read it). Input alone never forces a replacement.
      input: { ...connectionInput(props.site), desired: each.getString('spec') },
      connection: connectionFromSelf(),
      dependsOn: [...props.dependsOn],
      provisioners: [{ type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} converge ${each.getString('spec')}`] }],
    });
    this.resource.overrideLogicalId('profile');
  }
}
