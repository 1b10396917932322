// The Authentik groups that gate access (the tier groups and the devvm group), with
// member lists derived from the roster. Terraform owns each group's full member list.
import { Construct } from 'constructs';
import type { AuthentikGroupState } from '../../src/desired/types';
import { AuthentikGroup } from './authentik-provider-binding';

export interface AccessGroupsProps {
  /** Derived groups with their member usernames. */
  readonly groups: readonly AuthentikGroupState[];
  /** Numeric Authentik user pk by username (from each person's DataAuthentikUser). */
  readonly userPks: ReadonlyMap<string, number>;
}

export class AccessGroups extends Construct {
  constructor(scope: Construct, id: string, props: AccessGroupsProps) {
    super(scope, id);
    for (const group of props.groups) {
      // Empty groups are refused at validation (roster-rules.ts); this guards the invariant.
      if (group.members.length === 0) throw new Error(`Authentik group ${group.name} would be empty`);
      new AuthentikGroup(this, group.name, {
        name: group.name,
        users: group.members.map((m) => props.userPks.get(m)!),
      }).overrideLogicalId(group.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
    }
  }
}
