// ObservedGroups: the existing Authentik groups the site manages, read (never written) with
// the provider's `authentik_group` data source, members included. Used in `observe` (the
// plan summary compares the members with the roster) and in `adopt` (the import ID and the
// parent of each group come from here). One data source per group, named like the group's
// resource (`data.authentik_group.t3_users` next to `authentik_group.t3_users`).
import { Construct } from 'constructs';
import { DataAuthentikGroup } from './authentik-provider-binding';

/** Terraform name of a group's resource and data source: its name in lowercase, runs of other characters as `_`. */
export function groupLogicalId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

export interface ObservedGroupsProps {
  /** Names of the groups to read (the site's authentik.groups). */
  readonly names: readonly string[];
  /** Adoption file: group name -> pk. Such a group is read by pk, and must still have its name. */
  readonly pks?: Readonly<Record<string, string>>;
}

export class ObservedGroups extends Construct {
  /** The data source of each group, by group name. */
  readonly byName: ReadonlyMap<string, DataAuthentikGroup>;

  constructor(scope: Construct, id: string, props: ObservedGroupsProps) {
    super(scope, id);
    const byName = new Map<string, DataAuthentikGroup>();
    for (const name of props.names) {
      const pk = props.pks?.[name];
      // Group names are held by the site schema to letters, digits, spaces, '.', '_', '-'
      // and pks to UUIDs: both are safe inside an HCL string.
      const data = new DataAuthentikGroup(this, name, {
        ...(pk !== undefined ? { pk } : { name }),
        ...(pk !== undefined
          ? {
              lifecycle: {
                postcondition: [
                  {
                    condition: `\${self.name == "${name}"}`,
                    errorMessage: `The adoption file gives pk ${pk} for the Authentik group "${name}", but that group is named "\${self.name}". Fix authentik.groups in the adoption file.`,
                  },
                ],
              },
            }
          : {}),
      });
      data.overrideLogicalId(groupLogicalId(name));
      byName.set(name, data);
    }
    this.byName = byName;
  }

  /** Expression of a group's pk (its import ID). */
  static pk(name: string): string {
    return `\${data.authentik_group.${groupLogicalId(name)}.pk}`;
  }

  /** Expression of a group's parent pk ("" when it has none). */
  static parent(name: string): string {
    return `\${data.authentik_group.${groupLogicalId(name)}.parent}`;
  }
}
