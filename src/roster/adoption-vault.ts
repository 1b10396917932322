// The `vault:` section of the adoption file (site `migration.adoption_file`): for people
// who already have a Vault identity (made by their first OIDC login, or by the vault
// stack), the IDs the admin recorded from the observe plan. The adoption file loader
// (another change) parses the whole file with positions; this is the section's shape, so
// the Vault plane can be built and tested on its own until the two meet.
import { z } from 'zod';

/** Vault identity IDs are UUIDs (`vault read identity/entity/name/<name>` shows them). */
const VaultId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a Vault identity ID (a lowercase UUID)' });

export const VaultAdoptionEntry = z
  .strictObject({
    entity_id: VaultId.optional().describe("ID of the person's existing entity (the observe plan prints it)."),
    alias_id: VaultId.optional().describe("ID of the person's existing alias on the OIDC mount, when the entity ID is not known."),
  })
  .refine((e) => e.entity_id !== undefined || e.alias_id !== undefined, { error: 'needs entity_id or alias_id' })
  .describe('An existing Vault identity of one person: looked up by this ID, never created.');

/** os_user -> the person's existing Vault identity. */
export const VaultAdoption = z
  .record(z.string(), VaultAdoptionEntry)
  .describe("People whose Vault entity and alias exist already (os_user -> IDs). Everyone else's are created in adopt mode.");

export type VaultAdoptionEntry = z.infer<typeof VaultAdoptionEntry>;
export type VaultAdoption = z.infer<typeof VaultAdoption>;
