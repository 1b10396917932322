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
//
// mode `adopt` (the groups exist: the homelab's): each group is imported (import block,
// ID = its pk from data.authentik_group, found by name or given by the adoption file) and
// keeps what this product does not own. From the provider's source at 2025.10.1
// (pkg/provider/resource_group.go): `attributes` defaults to "{}" and `is_superuser` to
// false, and `roles` is Optional: without ignore_changes an update would reset all three.
// `parent` is never read back into the state, and every update sends the configured
// parent (null when unset, which would DETACH the group from its parent), so ignore_changes
// cannot keep it: the configuration sets it to the parent the data source reads.
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { AuthentikGroupState } from '../../src/desired/types';
import type { ImportBlock } from '../migration/blocks';
import { AuthentikGroup } from './authentik-provider-binding';
import { groupLogicalId, ObservedGroups } from './observed-groups';

/** The comment on an emptied group's block, in its `//` property (Terraform JSON ignores it; cdktf keeps its metadata there). */
export const EMPTY_GROUP_COMMENT =
  'users = [] keeps the current members: the provider cannot empty a group. Remove them in the Authentik UI (Directory > Groups).';

/** Attributes of an adopted group this product leaves as they are (lifecycle.ignore_changes). */
export const ADOPTED_GROUP_IGNORED = ['attributes', 'is_superuser', 'roles'] as const;

export interface AccessGroupsProps {
  /** Derived groups with their member usernames. */
  readonly groups: readonly AuthentikGroupState[];
  /** Expression of the numeric Authentik user pk, by Authentik username. */
  readonly userPks: ReadonlyMap<string, string>;
  /** own (default): create and own every attribute; adopt: import the existing groups and keep what is not ours. */
  readonly mode?: 'own' | 'adopt';
}

export class AccessGroups extends Construct {
  /** adopt: one import block per group. */
  readonly imports: readonly ImportBlock[];

  constructor(scope: Construct, id: string, props: AccessGroupsProps) {
    super(scope, id);
    const adopt = props.mode === 'adopt';
    const imports: ImportBlock[] = [];
    for (const group of props.groups) {
      const resource = new AuthentikGroup(this, group.name, {
        name: group.name,
        // One token for the list, not one per member: cdktf captures a full stack trace for
        // every token it makes (5,000 of the 6,000 at 3000 people were these).
        users: Token.asNumberList(group.members.map((m) => props.userPks.get(m)!)),
        ...(adopt ? { parent: ObservedGroups.parent(group.name), lifecycle: { ignoreChanges: [...ADOPTED_GROUP_IGNORED] } } : {}),
      });
      const name = groupLogicalId(group.name);
      resource.overrideLogicalId(name);
      if (group.members.length === 0) resource.addOverride('//.comment', EMPTY_GROUP_COMMENT);
      if (adopt) imports.push({ to: `authentik_group.${name}`, id: ObservedGroups.pk(group.name) });
    }
    this.imports = imports;
  }
}
