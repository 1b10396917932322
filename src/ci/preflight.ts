// What `plan` (and `apply`) check before Terraform gets a token: the site's provider
// endpoints against the trusted ones, credentials from Vault when the environment lacks
// them, and the Authentik group names. Throws RefusedError with one line per refusal.
import { parseSite, readInput } from '../roster/load';
import { formatProblem } from '../roster/problems';
import type { Site } from '../roster/site-schema';
import { endpointRefusals, siteEndpoints } from '../plan/trusted-endpoints';
import { missingGroupRefusals } from './authentik-groups';
import { resolveCredentials } from './credentials';
import type { FetchLike } from './http';

/** A refusal before Terraform runs: one line per reason (exit 1). */
export class RefusedError extends Error {}

function refuse(lines: string[]): never {
  throw new RefusedError(lines.join('\n'));
}

/** Refuses (exit 1) when the site moves an endpoint away from the trusted site file's. */
export function checkTrustedEndpoints(siteFile: string, site: Site, trustedFile: string): void {
  const parsed = parseSite(trustedFile, readInput(trustedFile));
  if (!parsed.ok) refuse([`the trusted site ${trustedFile} is invalid:`, ...parsed.problems.map(formatProblem)]);
  const lines = endpointRefusals(siteFile, siteEndpoints(site), siteEndpoints(parsed.value), trustedFile);
  if (lines.length) refuse(lines);
}

/** Adds missing credentials to process.env (Terraform's children inherit it); logs each source. */
export async function provideCredentials(site: Site, log: (s: string) => void, f: FetchLike = fetch): Promise<void> {
  const r = await resolveCredentials(process.env, site.vault.address, f, site.state_backend);
  Object.assign(process.env, r.env);
  for (const n of r.notes) log(n);
}

/** Refuses a site whose Authentik group names do not exist (needs AUTHENTIK_TOKEN). */
export async function checkAuthentikGroups(siteFile: string, site: Site, log: (s: string) => void, f: FetchLike = fetch): Promise<void> {
  const token = process.env.AUTHENTIK_TOKEN;
  if (!token) refuse([`${siteFile} authentik.groups: cannot check that the groups exist: AUTHENTIK_TOKEN is unset (--skip-group-check skips the check, offline development only)`]);
  const lines = await missingGroupRefusals(f, siteFile, site, token);
  if (lines.length) refuse(lines);
  log(`authentik groups: all ${Object.keys(site.authentik.groups).length} exist`);
}
