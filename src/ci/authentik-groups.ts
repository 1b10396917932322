// Refuses Authentik group names that do not exist: Terraform would otherwise create a new,
// empty group under the typo and nobody would be in the group the cluster binds (people
// locked out). Asks Authentik's API, `GET /api/v3/core/groups/?name=<name>` (exact match).
import type { Site } from '../roster/site-schema';
import { FetchLike, requestJson } from './http';

export async function missingGroupRefusals(f: FetchLike, siteFile: string, site: Site, token: string): Promise<string[]> {
  const base = site.authentik.url.replace(/\/+$/, '');
  const out: string[] = [];
  for (const [key, name] of Object.entries(site.authentik.groups)) {
    const url = `${base}/api/v3/core/groups/?name=${encodeURIComponent(name)}`;
    const r = (await requestJson(f, 'GET', url, { Authorization: `Bearer ${token}` })) as { results?: { name?: unknown }[] } | undefined;
    if (!(r?.results ?? []).some((g) => g.name === name)) {
      out.push(`${siteFile} authentik.groups.${key}: group ${JSON.stringify(name)} does not exist in Authentik (${base}): fix the name (a typo would lock people out), or create the group first`);
    }
  }
  return out;
}
