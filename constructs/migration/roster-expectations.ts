// MigrationExpectations: what the roster expects in the planes that are not yet owned, as
// one output, so that the plan summary can compare it with what the data sources read
// (both are in the plan JSON; the summary never re-reads the roster). Written only when a
// plane is in observe or adopt. It holds names the roster already holds (os_users,
// Authentik usernames, Kubernetes subjects, group and role names), no secret.
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { DesiredState } from '../../src/desired/types';
import type { Site } from '../../src/roster/site-schema';
import { groupLogicalId } from '../authentik/observed-groups';

export const MIGRATION_OUTPUT = 'workstations_migration';

/** The output's value (src/plan/summary.ts reads it back). */
export interface MigrationExpectationsValue {
  readonly modes: { readonly authentik: string; readonly kubernetes: string; readonly vault: string };
  /** Group name -> the Terraform name of its data source and resource. */
  readonly authentik_groups: Readonly<Record<string, string>>;
  readonly people: Readonly<
    Record<
      string,
      {
        readonly authentik_user: string;
        readonly k8s_user: string;
        readonly groups: readonly string[];
        readonly subject: string;
        readonly binding_name: string;
        readonly cluster_role: string;
        readonly namespaces: readonly string[];
      }
    >
  >;
}

export interface MigrationExpectationsProps {
  readonly desired: DesiredState;
  readonly site: Site;
}

export class MigrationExpectations extends Construct {
  readonly value: MigrationExpectationsValue;

  constructor(scope: Construct, id: string, props: MigrationExpectationsProps) {
    super(scope, id);
    const { desired, site } = props;
    const { authentik, kubernetes, vault } = site.migration;
    this.value = {
      modes: { authentik, kubernetes, vault },
      authentik_groups: Object.fromEntries(Object.values(site.authentik.groups).map((g) => [g, groupLogicalId(g)])),
      people: Object.fromEntries(
        desired.people.map((p) => [
          p.osUser,
          {
            authentik_user: p.authentikUser,
            k8s_user: p.k8sUser,
            groups: [...p.authentikGroups],
            subject: p.cluster.subject,
            binding_name: `workstations-${p.osUser}`,
            cluster_role: p.cluster.clusterRole,
            namespaces: [...p.cluster.namespaceAdminIn],
          },
        ]),
      ),
    };
    new TerraformOutput(this, 'output', {
      value: this.value,
      description: 'What the roster expects in the planes not yet owned (read by the plan summary).',
    }).overrideLogicalId(MIGRATION_OUTPUT);
  }
}
