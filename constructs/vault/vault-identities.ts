// VaultIdentities: each person's Vault identity (entity, OIDC alias, attached policies) and
// personal policy, in the site's migration mode for the Vault plane (`migration.vault`).
//
// Facts from the provider's source (hashicorp/terraform-provider-vault, vault/*.go), which
// shape every mode:
// - Vault makes an entity and an alias at a person's first OIDC login. Creating an alias
//   that exists fails; creating an entity whose NAME exists makes Vault update that entity
//   (its policies replaced by ours) and the provider then fails ("already exists ... may be
//   imported"). So an existing identity must be looked up, never created.
// - `vault_identity_entity_policies` with `exclusive = false` reads the entity's policies,
//   removes the ones it attached before and appends its own; its destroy removes only its
//   own policies. It has no importer (a create of an existing set is a no-op).
// - `vault_identity_entity` with `external_policies = true` never writes `policies`.
// - Data source `vault_identity_entity` looks up by name, id, alias_id or alias
//   name + mount accessor and FAILS the plan when nothing matches ("no Identity Entity
//   found"). Inside a `check` block the same failure is only a warning (Terraform >= 1.5),
//   which is how a lookup that may find nothing is written.
//
// Modes:
// - observe: no Vault resource at all. One `check` per person looks the identity up and
//   asserts it has the policies the roster wants; the plan summary lists the results.
// - adopt: people recorded in the adoption file (`vault:` os_user -> IDs) are looked up by
//   ID and never created; the others get an entity and alias this product creates (with a
//   `check` that warns when such a person has an identity after all). Policies are
//   attached with `vault_identity_entity_policies` (exclusive = false) so policies other
//   stacks attach survive, and removing a person removes only what this product attached
//   (its policies; never an adopted entity or alias).
// - own: the product creates and owns every entity and alias (as before), policies
//   attached the same non-exclusive way so a foreign policy is never dropped. People the
//   adoption file records are IMPORTED (for_each `import` blocks, Terraform >= 1.7; both
//   IDs needed), never created: from then on this stack owns their entity and alias.
import { TerraformIterator, TerraformLocal, TerraformStack } from 'cdktf';
import { LiteralLocal } from '../literal-local';
import { Construct } from 'constructs';
import type { ImportBlock } from '../migration/blocks';
import { DataVaultIdentityEntity } from '@cdktf/provider-vault/lib/data-vault-identity-entity';
import { IdentityEntity } from '@cdktf/provider-vault/lib/identity-entity';
import { IdentityEntityAlias } from '@cdktf/provider-vault/lib/identity-entity-alias';
import { IdentityEntityPolicies } from '@cdktf/provider-vault/lib/identity-entity-policies';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import type { PersonState } from '../../src/desired/types';
import type { VaultAdoption } from '../../src/roster/adoption-vault';
import type { MigrationMode, Site } from '../../src/roster/site-schema';
import { personalPolicyPaths, renderPolicy } from '../../src/tiers/vault-policies';
import { tfName } from '../labels';
import type { MovedAddress } from '../workstation-profile';

/** Fixed Terraform names (shared with the plan summary and the tests). */
export const VAULT_NAMES = {
  /** local: os_user -> the person's Vault values (every mode but observe). */
  peopleLocal: 'workstations_vault_people',
  /** local (adopt): os_user -> recorded IDs of an existing identity. */
  adoptedLocal: 'workstations_vault_adopted',
  /** local (adopt): os_user -> values of the identities this product creates. */
  createdLocal: 'workstations_vault_created',
  /** local (adopt): os_user -> entity ID, adopted or created. */
  entityIdsLocal: 'workstations_vault_entity_ids',
  personalPolicy: 'personal',
  entity: 'person',
  alias: 'person',
  entityPolicies: 'person',
  /** data source (adopt): lookup of a recorded identity. */
  adoptedLookup: 'adopted',
  /** local (own): os_user -> recorded IDs to import. */
  importsLocal: 'workstations_vault_imports',
} as const;

/** Check block of a person in observe mode (`check.vault_observe_<os_user>`). */
export const OBSERVE_CHECK_PREFIX = 'vault_observe_';
/** Check block of a person adopt creates an identity for (`check.vault_new_<os_user>`). */
export const NEW_IDENTITY_CHECK_PREFIX = 'vault_new_';

export interface VaultIdentitiesProps {
  /** Every person's derived desired state. */
  readonly people: readonly PersonState[];
  readonly site: Site;
  /** The Vault plane's migration mode (site `migration.vault`). */
  readonly mode: MigrationMode;
  /** Existing identities recorded in the adoption file (used in observe and adopt). */
  readonly adoption?: VaultAdoption;
  /** Accessor of the Vault OIDC auth mount (from a data source, never hard-coded). */
  readonly oidcMountAccessor: string;
}

type Lookup = { entity_id: string } | { alias_id: string } | { alias_name: string; alias_mount_accessor: string };

export class VaultIdentities extends Construct {
  /** Resource and data source instances each person accounts for, by os_user. */
  readonly instancesByPerson: ReadonlyMap<string, number>;
  /** Moved blocks from the one-block-per-person layout (own and adopt modes). */
  readonly moved: readonly MovedAddress[];
  /** os_users whose identity is looked up, never created (adopt: the recorded ones; observe: everyone). */
  readonly lookedUp: readonly string[];
  /** os_users whose recorded entity and alias are imported (own mode). */
  readonly imports: readonly string[] = [];
  /** The import blocks of `imports` (the stack writes every plane's blocks once). */
  readonly importBlocks: readonly ImportBlock[] = [];

  constructor(scope: Construct, id: string, props: VaultIdentitiesProps) {
    super(scope, id);
    const { people, site, mode } = props;
    const adoption = props.adoption ?? {};
    const N = VAULT_NAMES;
    const stack = TerraformStack.of(this);

    /** Recorded IDs win over the alias: the alias name may not be the email (another user_claim). */
    const lookupOf = (p: PersonState): Lookup => {
      const rec = adoption[p.osUser];
      if (rec?.entity_id) return { entity_id: rec.entity_id };
      if (rec?.alias_id) return { alias_id: rec.alias_id };
      return { alias_name: p.vault.alias, alias_mount_accessor: props.oidcMountAccessor };
    };

    if (mode === 'observe') {
      for (const p of people) {
        const check = observeCheck(p, lookupOf(p));
        stack.addOverride(`check.${OBSERVE_CHECK_PREFIX}${p.osUser}`, check);
      }
      this.instancesByPerson = new Map(people.map((p) => [p.osUser, 0]));
      this.moved = [];
      this.lookedUp = people.map((p) => p.osUser);
      return;
    }

    // Keys in sorted order, as the JSON is written (src/synth/fast-stable-json.ts).
    const peopleMap = Object.fromEntries(
      people.map((p) => [
        p.osUser,
        {
          alias: p.vault.alias,
          entity: p.vault.entity,
          k8s_user: p.k8sUser,
          personal_policy: renderPolicy(`personal policy of ${p.osUser}`, personalPolicyPaths(p, site)),
          personal_policy_name: p.vault.personalPolicy,
          policies: [...p.vault.policies],
          tier: p.tier,
        },
      ]),
    );
    const peopleLocal = new LiteralLocal(this, N.peopleLocal, peopleMap);
    peopleLocal.overrideLogicalId(N.peopleLocal);
    const person = TerraformIterator.fromMap(peopleLocal.asAnyMap);

    new Policy(this, 'personal-policy', {
      forEach: person,
      name: person.getString('personal_policy_name'),
      policy: person.getString('personal_policy'),
    }).overrideLogicalId(N.personalPolicy);

    // Who gets an entity and alias from this product: everyone in own; in adopt, the people
    // the adoption file does not record (they have never logged in, the observe plan said).
    const adopted = mode === 'adopt' ? people.filter((p) => adoption[p.osUser] !== undefined) : [];
    const created = people.filter((p) => !adopted.includes(p));
    this.lookedUp = adopted.map((p) => p.osUser);

    let createdIterator = person;
    let entityIdOfEachKey = `\${vault_identity_entity.${N.entity}[each.key].id}`;
    if (mode === 'adopt') {
      const createdLocal = new LiteralLocal(this, N.createdLocal, Object.fromEntries(created.map((p) => [p.osUser, peopleMap[p.osUser]])));
      createdLocal.overrideLogicalId(N.createdLocal);
      createdIterator = TerraformIterator.fromMap(createdLocal.asAnyMap);

      const adoptedLocal = new LiteralLocal(
        this,
        N.adoptedLocal,
        Object.fromEntries(adopted.map((p) => [p.osUser, { entity_id: null, alias_id: null, ...lookupOf(p) }])),
      );
      adoptedLocal.overrideLogicalId(N.adoptedLocal);
      const rec = TerraformIterator.fromMap(adoptedLocal.asAnyMap);
      // Fails the plan when a recorded ID matches nothing: a wrong record must not turn into a create.
      new DataVaultIdentityEntity(this, 'adopted-lookup', {
        forEach: rec,
        entityId: rec.getString('entity_id'),
        aliasId: rec.getString('alias_id'),
      }).overrideLogicalId(N.adoptedLookup);

      const ids = new TerraformLocal(
        this,
        N.entityIdsLocal,
        `\${merge({ for k, e in vault_identity_entity.${N.entity} : k => e.id }, { for k, d in data.vault_identity_entity.${N.adoptedLookup} : k => d.entity_id })}`,
      );
      ids.overrideLogicalId(N.entityIdsLocal);
      entityIdOfEachKey = `\${local.${N.entityIdsLocal}[each.key]}`;

      // A person adopt would create an identity for, who has one after all (logged in since
      // the observe plan): the alias create would fail, so say so at plan time.
      for (const p of created) stack.addOverride(`check.${NEW_IDENTITY_CHECK_PREFIX}${p.osUser}`, newIdentityCheck(p, props.oidcMountAccessor));
    }

    new IdentityEntity(this, 'vault-entity', {
      forEach: createdIterator,
      name: createdIterator.getString('entity'),
      // Policies are attached by vault_identity_entity_policies below, never by the entity.
      externalPolicies: true,
      metadata: { os_user: createdIterator.key, tier: createdIterator.getString('tier'), k8s_user: createdIterator.getString('k8s_user') },
    }).overrideLogicalId(N.entity);

    new IdentityEntityAlias(this, 'vault-alias', {
      forEach: createdIterator,
      name: createdIterator.getString('alias'),
      mountAccessor: props.oidcMountAccessor,
      // The entity instance of the same person.
      canonicalId: `\${vault_identity_entity.${N.entity}[each.key].id}`,
    }).overrideLogicalId(N.alias);

    new IdentityEntityPolicies(this, 'entity-policies', {
      forEach: person,
      entityId: entityIdOfEachKey,
      policies: person.getList('policies'),
      // Adds ours and keeps the policies other stacks attach (emo: personal-emo, projects-emo).
      exclusive: false,
    }).overrideLogicalId(N.entityPolicies);

    const counts = new Map<string, number>();
    // personal policy and entity policies; an entity and alias when created, one lookup when adopted.
    for (const p of people) counts.set(p.osUser, 2 + (adopted.includes(p) ? 1 : 2));
    this.instancesByPerson = counts;

    // From the one-block-per-person layout (names as tfName() wrote them) to the keys.
    // A `moved` whose `from` is not in the state does nothing.
    const key = (k: string) => JSON.stringify(k);
    const moved: MovedAddress[] = [];
    for (const p of people) {
      const u = p.osUser;
      moved.push({ from: `vault_policy.${tfName('user', u)}`, to: `vault_policy.${N.personalPolicy}[${key(u)}]` });
      if (created.includes(p)) {
        moved.push({ from: `vault_identity_entity.${tfName(u)}`, to: `vault_identity_entity.${N.entity}[${key(u)}]` });
        moved.push({ from: `vault_identity_entity_alias.${tfName(u)}`, to: `vault_identity_entity_alias.${N.alias}[${key(u)}]` });
      }
    }
    this.moved = moved;

    // own: a recorded identity is imported into the keyed instance, never created (an alias
    // create would fail; an entity create of an existing name overwrites its policies).
    const imported = mode === 'own' ? people.filter((p) => adoption[p.osUser] !== undefined) : [];
    this.imports = imported.map((p) => p.osUser);
    if (imported.length) {
      const missing = imported.filter((p) => !adoption[p.osUser].entity_id || !adoption[p.osUser].alias_id).map((p) => p.osUser);
      // The adoption loader (src/roster/adoption.ts) reports this at the record's line; this
      // is the last guard for props built another way (tests, other callers).
      if (missing.length) {
        throw new Error(`migration.vault own imports recorded identities and needs both entity_id and alias_id in the adoption file's vault: section; missing for ${missing.join(', ')}`);
      }
      const importsLocal = new LiteralLocal(
        this,
        N.importsLocal,
        Object.fromEntries(imported.map((p) => [p.osUser, { entity_id: adoption[p.osUser].entity_id, alias_id: adoption[p.osUser].alias_id }])),
      );
      importsLocal.overrideLogicalId(N.importsLocal);
      this.importBlocks = [
        { for_each: `\${local.${N.importsLocal}}`, to: `vault_identity_entity.${N.entity}[each.key]`, id: '${each.value.entity_id}' },
        { for_each: `\${local.${N.importsLocal}}`, to: `vault_identity_entity_alias.${N.alias}[each.key]`, id: '${each.value.alias_id}' },
      ];
    }
  }
}

/** HCL of a list of strings (names are schema-validated: no quoting surprises). */
function hclList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;
}

/**
 * Observe: look the person's identity up and assert it carries the policies the roster
 * wants. A lookup that finds nothing is a warning inside a check (never a failed plan);
 * the plan summary turns either result into the person's line.
 */
function observeCheck(p: PersonState, lookup: Lookup): Record<string, unknown> {
  const d = `data.vault_identity_entity.${OBSERVE_CHECK_PREFIX}${p.osUser}`;
  const want = hclList(p.vault.policies);
  const has = `sort([for x in coalesce(${d}.policies, toset([])) : x])`;
  return {
    data: { vault_identity_entity: { [`${OBSERVE_CHECK_PREFIX}${p.osUser}`]: lookup } },
    assert: [
      {
        condition: `\${length(setsubtract(${want}, ${has})) == 0}`,
        error_message:
          `${p.osUser}: Vault entity \${${d}.entity_name} (id \${${d}.entity_id}) lacks ` +
          `[\${join(", ", sort(setsubtract(${want}, ${has})))}]; it has [\${join(", ", ${has})}] (kept when adopted)`,
      },
    ],
  };
}

/**
 * Adopt, for a person the adoption file does not record: warn when an identity exists
 * that this product did not create (its entities carry metadata os_user = the key; Vault's
 * own from an OIDC login carry none), so the check stays quiet after the create.
 */
function newIdentityCheck(p: PersonState, accessor: string): Record<string, unknown> {
  const name = `${NEW_IDENTITY_CHECK_PREFIX}${p.osUser}`;
  const d = `data.vault_identity_entity.${name}`;
  return {
    data: { vault_identity_entity: { [name]: { alias_name: p.vault.alias, alias_mount_accessor: accessor } } },
    assert: [
      {
        condition: `\${try(${d}.metadata["os_user"], "") == ${JSON.stringify(p.osUser)}}`,
        error_message:
          `${p.osUser}: an identity exists already (entity \${${d}.entity_name}, id \${${d}.entity_id}): ` +
          `record it in the adoption file (vault.${p.osUser}.entity_id) before applying, or the alias create fails`,
      },
    ],
  };
}
