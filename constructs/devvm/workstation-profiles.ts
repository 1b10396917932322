// WorkstationProfiles (devvm side of each Workstation profile): the `profile` instances,
// for_each keyed by os_user, in 16 shard blocks (`profile_<h>`, the same shard as the
// person's account: src/desired/devvm-addresses.ts). Replaced when the person's desired
// state or the agent changes; its create-time provisioner converges the person. No
// destroy-time action: replacing a profile never offboards anyone.
import { DataResource, TerraformIterator } from 'cdktf';
import { LiteralLocal } from '../literal-local';
import { Construct } from 'constructs';
import { byShard, devvmAddress, devvmBlockName, unshardedAddress } from '../../src/desired/devvm-addresses';
import type { WorkstationState } from '../../src/desired/types';
import type { Site } from '../../src/roster/site-schema';
import { agentArgFromSelfText, agentCommand, literalConnection } from './connection';
import { terraformJsonText } from './terraform-literal';
import type { MovedAddress } from '../workstation-profile';

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
  /** The shard blocks, `profile_0` .. `profile_f`, all of them always. */
  readonly resources: readonly DataResource[];
  /** Moves from the one unsharded `profile` block (a state from before 2026-12-01). */
  readonly moved: readonly MovedAddress[];

  constructor(scope: Construct, id: string, props: WorkstationProfilesProps) {
    super(scope, id);
    this.resources = byShard(props.workstations.map((ws) => [ws.osUser, ws] as const)).map(([shard, members]) =>
      this.shardBlock(devvmBlockName('profile', shard), members.map(([, ws]) => ws), props),
    );
    this.moved = props.workstations.map((ws) => ({ from: unshardedAddress('profile', ws.osUser), to: devvmAddress('profile', ws.osUser) }));
  }

  private shardBlock(name: string, workstations: readonly WorkstationState[], props: WorkstationProfilesProps): DataResource {
    // In `locals` (`local.profiles_<h>`), evaluated once per plan (inline in for_each it
    // would be evaluated per instance: quadratic plan time). One JSON text per person
    // (terraformJsonText), kept as text in `triggers_replace.desired`: Terraform plans a
    // string about twice as fast as the object it decodes to (docs/bench.md), and renders
    // a changed JSON text attribute by attribute, so the plan stays readable.
    const local = new LiteralLocal(this, `${name}-map`, Object.fromEntries(workstations.map((ws) => [ws.osUser, terraformJsonText(ws)])));
    local.overrideLogicalId(name.replace('profile', 'profiles'));
    const each = TerraformIterator.fromMap(local.asAnyMap);
    const resource = new DataResource(this, name, {
      forEach: each,
      // The desired state IS the replace trigger: the plan shows the attribute that changed
      // (`~ desired = jsonencode({ ~ state = "active" -> "parked" })`) under
      // `triggers_replace`, and the plan JSON carries it for the summary and guards.
      triggersReplace: { desired: each.value, agent_sha256: props.agentSha256 },
      // No `input`: a profile has no destroy-time provisioner, so its connection may come
      // from the site's literals instead of `self.input` (one object less per instance to
      // plan, and a host key rotation changes no profile).
      connection: literalConnection(props.site),
      dependsOn: [...props.dependsOn],
      provisioners: [{ type: 'remote-exec', inline: [`${agentCommand()} converge ${agentArgFromSelfText('triggers_replace.desired')}`] }],
    });
    resource.overrideLogicalId(name);
    return resource;
  }
}
