// The adoption file (site `migration.adoption_file`, next to the site file): IDs of existing
// objects that a plane in `adopt` imports and that its provider cannot look up by name.
// Authentik groups and Kubernetes bindings are looked up by name, so their sections are
// optional overrides; Vault entities and aliases need IDs (the vault plane fills `vault`).
// It holds identifiers only, never a secret.
import { z } from 'zod';
import { GroupName } from './site-schema';
import { OsUser } from './values';

/** An Authentik group pk or a Vault identity ID: a UUID as the APIs print it. */
export const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
  error: 'must be a UUID in lowercase hex (8-4-4-4-12 digits), as the API prints it',
});

export const AdoptionAuthentik = z
  .strictObject({
    groups: z
      .record(GroupName, Uuid)
      .optional()
      .meta({
        description:
          'Group name (one of the site\'s authentik.groups) -> the existing group\'s pk (UUID, Directory > Groups > the group, or the API). ' +
          'Optional: without it the group is looked up by name.',
        examples: [{ 'kubernetes-admins': '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27' }],
      }),
  })
  .describe('Authentik plane: optional pks of existing groups (by default they are looked up by name).');

// The `vault:` section is defined here, once: src/roster/adoption-vault.ts re-exports it
// for the Vault plane, and the own-mode rule (both IDs) is in adoption.ts, which knows the site.
export const AdoptedVaultIdentity = z
  .strictObject({
    entity_id: Uuid.optional().describe("ID of the person's existing identity entity (vault read identity/entity/name/<name>; the observe plan prints it)."),
    alias_id: Uuid.optional().describe("ID of the person's existing entity alias on the OIDC mount (vault list -detailed identity/entity-alias/id)."),
  })
  .refine((v) => v.entity_id !== undefined || v.alias_id !== undefined, { error: 'must give entity_id, alias_id or both' })
  .describe("One person's existing Vault identity: looked up (adopt) or imported (own, both IDs needed), never created.");

/** The `vault:` section: os_user -> the person's existing Vault identity. */
export const AdoptionVault = z
  .record(OsUser, AdoptedVaultIdentity)
  .describe("Vault plane: os_user -> the IDs of that person's existing entity and alias. Everyone else's are created in adopt and own.");

export const Adoption = z
  .strictObject({
    version: z.literal(1).describe('Format version of the adoption file: 1.'),
    authentik: AdoptionAuthentik.optional(),
    vault: AdoptionVault.optional(),
  })
  .describe('devvm-workstations adoption file: IDs of existing objects the planes in adopt import. Identifiers only, no secrets.');

export type Adoption = z.infer<typeof Adoption>;
export type AdoptedVaultIdentity = z.infer<typeof AdoptedVaultIdentity>;
export type AdoptionVault = z.infer<typeof AdoptionVault>;
