// WorkstationAccounts: ONE `account` resource block with for_each keyed by os_user.
// Removing a key runs that instance's destroy-time provisioner (offboard); deleting a
// whole resource block would not (BRIEF section 7), hence one block for everyone.
// Replace triggers are ONLY the immutable identity (os_user, uid, host): a replacement
// offboards the person, so no other roster change may ever cause one.
import { DataResource, TerraformIterator, TerraformSelf } from 'cdktf';
import { Construct } from 'constructs';
import type { AccountSpec, PreflightSpec } from '../../src/desired/host-specs';
import { encodeSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import { AGENT_ON_HOST, connectionFromSelf, connectionInput } from './connection';

export interface WorkstationAccountsProps {
  readonly site: Site;
  /** One account spec per person with a workstation. */
  readonly accounts: readonly AccountSpec[];
  /** Checked on the devvm before each onboarding; a failure onboards nobody. */
  readonly preflight: PreflightSpec;
  /** The host resource (agent installed) that must exist first. */
  readonly host: DataResource;
}

export class WorkstationAccounts extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: WorkstationAccountsProps) {
    super(scope, id);
    const each = TerraformIterator.fromMap(
      Object.fromEntries(props.accounts.map((a) => [a.osUser, { uid: a.uid, spec: encodeSpec(a) }])),
    );
    this.resource = new DataResource(this, 'account', {
      forEach: each,
      triggersReplace: { os_user: each.key, uid: each.getNumber('uid'), host: props.site.devvm.host },
      // Everything the destroy-time offboard needs lives here: it may read only `self`.
      input: { ...connectionInput(props.site), spec: each.getString('spec') },
      connection: connectionFromSelf(),
      dependsOn: [props.host],
      provisioners: [
        // A failed create-time provisioner taints the instance: the next apply retries the
        // onboarding, and Terraform runs no destroy-time provisioner for a tainted object.
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} preflight ${encodeSpec(props.preflight)}`] },
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} onboard ${TerraformSelf.getString('input.spec')}`] },
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} offboard ${TerraformSelf.getString('input.spec')}`] },
      ],
    });
    // cdktf has no typed `when` on provisioners.
    this.resource.addOverride('provisioner.2.remote-exec.when', 'destroy');
    this.resource.overrideLogicalId('account');
  }
}
