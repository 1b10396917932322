// WorkstationAccounts: ONE `account` resource block with for_each keyed by os_user.
// Removing a key runs that instance's destroy-time provisioner (offboard); deleting a
// whole resource block would not (BRIEF section 7), hence one block for everyone.
// Replace triggers are ONLY the immutable identity (os_user, uid, host): a replacement
// offboards the person, so no other roster change may ever cause one.
import { DataResource, Fn, propertyAccess, TerraformIterator, TerraformLocal, TerraformSelf } from 'cdktf';
import { Construct } from 'constructs';
import type { AccountSpec, PreflightSpec } from '../../src/desired/host-specs';
import { encodeSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import { AGENT_ON_HOST, agentArgFromSelf, connectionFromSelf, connectionInput } from './connection';
import { terraformJsonText } from './terraform-literal';

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
  /** `local.accounts`: os_user -> AccountSpec as JSON text, the map the for_each iterates. */
  readonly local: TerraformLocal;

  constructor(scope: Construct, id: string, props: WorkstationAccountsProps) {
    super(scope, id);
    // The map lives in `locals`, evaluated once per plan. Written inline into for_each,
    // Terraform re-evaluates the whole literal for every instance: plan time grows with
    // the square of the roster. Each entry is one JSON text (terraformJsonText: a map of
    // strings plans several times faster), decoded once into `input.account`.
    this.local = new TerraformLocal(this, 'accounts', Object.fromEntries(props.accounts.map((a) => [a.osUser, terraformJsonText(a)])));
    this.local.overrideLogicalId('accounts');
    const each = TerraformIterator.fromMap(this.local.asAnyMap);
    const account = Fn.jsondecode(each.value);
    // State written before inputs were structured holds the base64 spec in `input.spec`:
    // an offboard planned in the same apply as the upgrade still finds its argument.
    const offboardArg = Fn.try([agentArgFromSelf('input.account'), TerraformSelf.getString('input.spec')]);
    this.resource = new DataResource(this, 'account', {
      forEach: each,
      triggersReplace: { os_user: each.key, uid: propertyAccess(account, ['uid']), host: props.site.devvm.host },
      // Everything the destroy-time offboard needs lives here: it may read only `self`.
      input: { ...connectionInput(props.site), account },
      connection: connectionFromSelf(props.site),
      dependsOn: [props.host],
      provisioners: [
        // A failed create-time provisioner taints the instance: the next apply retries the
        // onboarding, and Terraform runs no destroy-time provisioner for a tainted object.
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} preflight ${encodeSpec(props.preflight)}`] },
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} onboard ${agentArgFromSelf('input.account')}`] },
        { type: 'remote-exec', inline: [`node ${AGENT_ON_HOST} offboard ${offboardArg}`] },
      ],
    });
    // cdktf has no typed `when` on provisioners.
    this.resource.addOverride('provisioner.2.remote-exec.when', 'destroy');
    this.resource.overrideLogicalId('account');
  }
}
