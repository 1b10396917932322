// The `vault:` section of the adoption file (site `migration.adoption_file`), under the
// names the Vault plane uses: for people who already have a Vault identity (made by their
// first OIDC login, or by the vault stack), the IDs the admin recorded from the observe
// plan. The one definition is the adoption file's schema (adoption-schema.ts); this file
// only re-exports it, so the plane and the loader can never disagree about the section.
import { AdoptedVaultIdentity, AdoptionVault } from './adoption-schema';

/** One person's existing Vault identity (entity_id, alias_id; at least one). */
export const VaultAdoptionEntry = AdoptedVaultIdentity;
/** os_user -> the person's existing Vault identity. */
export const VaultAdoption = AdoptionVault;

export type VaultAdoptionEntry = AdoptedVaultIdentity;
export type VaultAdoption = AdoptionVault;
