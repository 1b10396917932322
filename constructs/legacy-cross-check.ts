// LegacyCrossCheck: during the incremental migration, the plan of the `workstations`
// stack compares every roster person's tier with the `role` the legacy RBAC stack gives
// their k8s_user in Vault (`secret/platform`, field `k8s_users`, a JSON map
// `{<k8s_user>: {role, email, namespaces, domains, quota}}`).
//
// - A tier that differs from the legacy role FAILS THE PLAN: a precondition naming the
//   person, their roster tier, the legacy role expected for it and the role found.
// - A person missing from the legacy map is REPORTED, not fatal: a `check` block (a
//   warning in every plan and apply) and the output `legacy_cross_check_missing`.
// - The legacy secret is only READ (data source). Nothing here may write it: a KV v2
//   write replaces the whole secret and would delete its other fields.
//
// Where the preconditions live: one `terraform_data` per person, each carrying that
// person's precondition. terraform_data is built into Terraform (no provider), has no side
// effects, and its address (`terraform_data.legacy_cross_check_<os_user>`) names the
// person in the error. The alternative, a precondition on the person's ClusterRoleBinding
// (created by WorkstationProfile), would reach into another construct's resource with an
// override and clobber any lifecycle block it sets later. The resources carry only the
// person's identity (os_user, k8s_user), never the tier, so a tier change does not show
// as a change of them; Terraform evaluates preconditions on every plan, also for
// instances that have nothing to change.
//
// The expressions are written as HCL strings with fixed addresses (every logical id is
// overridden) so that tests can run the very same strings through the real Terraform.
// Values interpolated into them (os_user, k8s_user, roles, mount, name, field) are held
// by the roster and site schemas to character sets without quotes, `$`, `%` or braces.
import { DataResource, TerraformLocal, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataVaultKvSecretV2 } from '@cdktf/provider-vault/lib/data-vault-kv-secret-v2';
import type { PersonState } from '../src/desired/types';
import type { Site } from '../src/roster/site-schema';
import { tfName } from './labels';

export type LegacyCrossCheckConfig = Site['vault']['legacy_cross_check'];

/** Fixed Terraform names, shared with the tests. */
export const LEGACY_CROSS_CHECK_NAMES = {
  dataSource: 'legacy_cross_check',
  /** local: the decoded legacy map (sensitive: it comes from a secret). */
  legacyUsers: 'legacy_k8s_users',
  /** local: k8s_user -> legacy role as a string ("(none)" when an entry has no usable role). */
  legacyRoles: 'legacy_roles',
  /** local: k8s_user -> os_user of every roster person. */
  rosterPeople: 'legacy_cross_check_people',
  /** local: "<os_user> (k8s_user <k8s_user>)" of every person missing from the legacy map. */
  missing: 'legacy_cross_check_missing',
  check: 'legacy_cross_check_missing',
  output: 'legacy_cross_check_missing',
  /** output: every k8s_user key of the legacy map (names only; the plan summary names who keeps legacy access). */
  keysOutput: 'legacy_k8s_users',
} as const;

/** Logical name of one person's precondition carrier (`terraform_data.<name>`). */
export function legacyCrossCheckResourceName(osUser: string): string {
  return tfName('legacy_cross_check', osUser);
}

export interface LegacyCrossCheckProps {
  /** Every roster person (derived desired state). */
  readonly people: readonly PersonState[];
  readonly config: LegacyCrossCheckConfig;
}

export class LegacyCrossCheck extends Construct {
  readonly secret: DataVaultKvSecretV2;
  /** One precondition carrier per person, by os_user. */
  readonly checks: ReadonlyMap<string, DataResource>;

  constructor(scope: Construct, id: string, props: LegacyCrossCheckProps) {
    super(scope, id);
    const { people, config } = props;
    const N = LEGACY_CROSS_CHECK_NAMES;
    const where = `${config.mount}/${config.name} field ${config.field}`;
    const data = `data.vault_kv_secret_v2.${N.dataSource}`;

    // A read, never a write. The provider marks `data` sensitive, so everything derived
    // from it is too; only role names and roster names are ever unmarked (nonsensitive)
    // for messages, never emails, namespaces or quotas of the map.
    this.secret = new DataVaultKvSecretV2(this, 'legacy-secret', {
      mount: config.mount,
      name: config.name,
      lifecycle: {
        postcondition: [
          {
            condition: `\${can(keys(jsondecode(self.data["${config.field}"])))}`,
            errorMessage:
              `Legacy cross-check: ${where} is missing or is not a JSON object keyed by k8s_user. ` +
              'Fix vault.legacy_cross_check in roster/site.yaml, or set its enabled to false.',
          },
        ],
      },
    });
    this.secret.overrideLogicalId(N.dataSource);

    // try(): a broken field is reported once, by the postcondition above, not again here.
    local(this, N.legacyUsers, `\${try(jsondecode(${data}.data["${config.field}"]), {})}`);
    // Every value a string, so lookup() below has one type: a null, missing or non-string
    // role becomes "(none)" and never matches a tier's role.
    local(
      this,
      N.legacyRoles,
      `\${{ for user, entry in local.${N.legacyUsers} : user => try(coalesce(tostring(entry.role)), "(none)") }}`,
    );
    local(this, N.rosterPeople, Object.fromEntries(people.map((p) => [p.k8sUser, p.osUser])));
    local(
      this,
      N.missing,
      `\${sort([for k8s_user, os_user in local.${N.rosterPeople} : format("%s (k8s_user %s)", os_user, k8s_user) if !contains(keys(local.${N.legacyUsers}), k8s_user)])}`,
    );

    const checks = new Map<string, DataResource>();
    for (const person of people) {
      const expected = config.roles[person.tier];
      const k = person.k8sUser;
      // lookup() with the expected role as default: a person missing from the map passes
      // here (they are reported by the check block instead).
      const carrier = new DataResource(this, `person-${person.osUser}`, {
        input: { os_user: person.osUser, k8s_user: k },
        lifecycle: {
          precondition: [
            {
              condition: `\${lookup(local.${N.legacyRoles}, "${k}", "${expected}") == "${expected}"}`,
              errorMessage:
                `Legacy cross-check failed for ${person.osUser} (k8s_user ${k}): roster tier ${person.tier} ` +
                `expects legacy role "${expected}", but ${where} gives "${k}" the role ` +
                `"\${nonsensitive(lookup(local.${N.legacyRoles}, "${k}", "(missing)"))}". ` +
                'Change the tier in roster/roster.yaml or the legacy map before applying.',
            },
          ],
        },
      });
      carrier.overrideLogicalId(legacyCrossCheckResourceName(person.osUser));
      checks.set(person.osUser, carrier);
    }
    this.checks = checks;

    const missingList = `nonsensitive(local.${N.missing})`;
    new TerraformOutput(this, 'missing-output', {
      value: `\${${missingList}}`,
      description: `Roster people whose k8s_user is missing from ${where} (not cross-checked).`,
    }).overrideLogicalId(N.output);

    // RBAC is additive: while the rbac stack binds a k8s_users entry, removing the roster
    // row revokes nothing that binding grants. The keys (k8s_user names, no email, role or
    // namespace) let the plan summary say so per person (src/plan/migration-summary.ts).
    new TerraformOutput(this, 'keys-output', {
      value: `\${nonsensitive(sort(keys(local.${N.legacyUsers})))}`,
      description: `Every k8s_user of ${where} (people with access from the legacy RBAC stack).`,
    }).overrideLogicalId(N.keysOutput);

    // cdktf 0.21 has no construct for Terraform's `check` block (>= 1.5): raw override.
    // A failed assert is a warning; it never stops a plan or an apply.
    TerraformStack.of(this).addOverride(`check.${N.check}`, {
      assert: [
        {
          condition: `\${length(local.${N.missing}) == 0}`,
          error_message:
            `Legacy cross-check: not in ${where}, so not cross-checked: ` +
            `\${join(", ", ${missingList})}. Add them to the legacy map, or ignore this during the migration.`,
        },
      ],
    });
  }
}

function local(scope: Construct, name: string, expression: unknown): void {
  new TerraformLocal(scope, name, expression).overrideLogicalId(name);
}
