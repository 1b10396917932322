// WorkstationAccounts: the `account` instances, for_each keyed by os_user, in 16 shard
// blocks (`account_<h>`, src/desired/devvm-addresses.ts: a person's shard never changes).
// Removing a key runs that instance's destroy-time provisioner (offboard); deleting a
// whole resource block would not (BRIEF section 7), hence every shard's block is always
// written, an empty one too.
// Replace triggers are ONLY the immutable identity (os_user, uid, host): a replacement
// offboards the person, so no other roster change may ever cause one.
import { DataResource, Fn, propertyAccess, TerraformIterator, TerraformSelf } from 'cdktf';
import { LiteralLocal } from '../literal-local';
import { Construct } from 'constructs';
import { byShard, devvmAddress, devvmBlockName, unshardedAddress } from '../../src/desired/devvm-addresses';
import type { AccountSpec, PreflightSpec } from '../../src/desired/host-specs';
import { encodeSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import { agentArgFromSelf, agentCommand, agentArgFromSelfTextField, connectionFromSelfText, connectionInput } from './connection';
import { terraformJsonText } from './terraform-literal';
import type { MovedAddress } from '../workstation-profile';

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
  /** The shard blocks, `account_0` .. `account_f`, all of them always. */
  readonly resources: readonly DataResource[];
  /** Moves from the one unsharded `account` block (a state from before 2026-12-01). */
  readonly moved: readonly MovedAddress[];

  constructor(scope: Construct, id: string, props: WorkstationAccountsProps) {
    super(scope, id);
    const preflight = encodeSpec(props.preflight);
    // The same for every account (the site's devvm): made once, not once per person (it
    // parses the site's host keys).
    const connection = connectionInput(props.site);
    this.resources = byShard(props.accounts.map((a) => [a.osUser, a] as const)).map(([shard, accounts]) =>
      this.shardBlock(devvmBlockName('account', shard), accounts.map(([, a]) => a), preflight, connection, props),
    );
    this.moved = props.accounts.map((a) => ({ from: unshardedAddress('account', a.osUser), to: devvmAddress('account', a.osUser) }));
  }

  private shardBlock(
    name: string,
    accounts: readonly AccountSpec[],
    preflight: string,
    connection: Record<string, string | number>,
    props: WorkstationAccountsProps,
  ): DataResource {
    // The map lives in `locals` (`local.accounts_<h>`), evaluated once per plan. Written
    // inline into for_each, Terraform re-evaluates the whole literal for every instance:
    // plan time grows with the square of the roster. Each entry is ONE JSON text
    // (terraformJsonText) with everything the destroy-time offboard needs (the account
    // spec and the connection), and the resource keeps it as text in `input`: Terraform
    // plans a string much faster than the object it decodes to (docs/bench.md), and its
    // plan still shows a changed text attribute by attribute (`jsonencode({ ~ ... })`).
    const local = new LiteralLocal(
      this,
      `${name}-map`,
      Object.fromEntries(accounts.map((a) => [a.osUser, terraformJsonText({ account: a, ...connection })])),
    );
    local.overrideLogicalId(name.replace('account', 'accounts'));
    const each = TerraformIterator.fromMap(local.asAnyMap);
    // A state written before the input was one text holds the spec as an object in
    // `input.account`, or, older still, as the base64 spec in `input.spec`: an offboard
    // planned in the same apply as the upgrade still finds its argument.
    const offboardArg = Fn.try([agentArgFromSelfTextField('input', 'account'), agentArgFromSelf('input.account'), TerraformSelf.getString('input.spec')]);
    const resource = new DataResource(this, name, {
      forEach: each,
      triggersReplace: { os_user: each.key, uid: propertyAccess(Fn.jsondecode(each.value), ['account', 'uid']), host: props.site.devvm.host },
      // Everything the destroy-time offboard needs lives here: it may read only `self`.
      input: each.value,
      connection: connectionFromSelfText(props.site),
      dependsOn: [props.host],
      provisioners: [
        // A failed create-time provisioner taints the instance: the next apply retries the
        // onboarding, and Terraform runs no destroy-time provisioner for a tainted object.
        { type: 'remote-exec', inline: [`${agentCommand()} preflight ${preflight}`] },
        { type: 'remote-exec', inline: [`${agentCommand()} onboard ${agentArgFromSelfTextField('input', 'account')}`] },
        { type: 'remote-exec', inline: [`${agentCommand()} offboard ${offboardArg}`] },
      ],
    });
    // cdktf has no typed `when` on provisioners.
    resource.addOverride('provisioner.2.remote-exec.when', 'destroy');
    resource.overrideLogicalId(name);
    return resource;
  }
}
