// The Authentik groups that gate access (the tier groups and the devvm group), with
// member lists derived from the roster. Terraform owns each group's full member list.
//
// An EMPTY group (a roster with one admin and nobody else) is written as `users = []`
// with a JSON comment, never left out and never "last known": the config then says what
// the roster means. But the goauthentik provider cannot empty a group: `users` is
// Optional+Computed in its schema (terraform-plugin-sdk v2), so an empty list counts as
// "not set" and the plan keeps the members the server has. The person's access still goes
// (their RBAC binding, Vault entity and policies are destroyed as usual); the plan summary
// names the members who remain and how to clear them (src/plan/summary.ts,
// emptiedGroupNotes).
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { AuthentikGroupState } from '../../src/desired/types';
import { AuthentikGroup } from './authentik-provider-binding';

/** The comment on an emptied group's block, in its `//` property (Terraform JSON ignores it; cdktf keeps its metadata there). */
export const EMPTY_GROUP_COMMENT =
  'users = [] keeps the current members: the provider cannot empty a group. Remove them in the Authentik UI (Directory > Groups).';

export interface AccessGroupsProps {
  /** Derived groups with their member usernames. */
  readonly groups: readonly AuthentikGroupState[];
  /** Expression of the numeric Authentik user pk, by Authentik username. */
  readonly userPks: ReadonlyMap<string, string>;
}

export class AccessGroups extends Construct {
  constructor(scope: Construct, id: string, props: AccessGroupsProps) {
    super(scope, id);
    for (const group of props.groups) {
      const resource = new AuthentikGroup(this, group.name, {
        name: group.name,
        users: group.members.map((m) => Token.asNumber(props.userPks.get(m)!)),
      });
      resource.overrideLogicalId(group.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
      if (group.members.length === 0) resource.addOverride('//.comment', EMPTY_GROUP_COMMENT);
    }
  }
}
