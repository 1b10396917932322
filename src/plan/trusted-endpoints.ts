// The provider endpoints a site names, compared with the trusted ones (the pull-request
// pipeline's own configuration, never the pull request's). A site that points Vault, the
// state backend, Authentik, the API server, the OIDC issuer or the devvm elsewhere would make the
// pipeline send its tokens there: the plan refuses it before any token is used.
import type { Site } from '../roster/site-schema';

/** The site keys whose value decides where a token or a connection goes. */
export const ENDPOINT_KEYS = ['vault.address', 'state_backend.address', 'authentik.url', 'kubernetes.api_server', 'oidc.issuer_url', 'devvm.host', 'devvm.port'] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];
export type Endpoints = Readonly<Record<EndpointKey, string>>;

/** Trailing slashes are not a different endpoint. */
function norm(v: string): string {
  return v.replace(/\/+$/, '');
}

export function siteEndpoints(site: Site): Endpoints {
  return {
    'vault.address': norm(site.vault.address),
    'state_backend.address': site.state_backend.address,
    'authentik.url': norm(site.authentik.url),
    'kubernetes.api_server': norm(site.kubernetes.api_server),
    'oidc.issuer_url': norm(site.oidc.issuer_url),
    'devvm.host': site.devvm.host,
    'devvm.port': String(site.devvm.port),
  };
}

/** One refusal line per endpoint that differs, naming the site key and both values; [] when all match. */
export function endpointRefusals(siteFile: string, site: Endpoints, trusted: Endpoints, trustedFrom: string): string[] {
  return ENDPOINT_KEYS.filter((k) => site[k] !== trusted[k]).map(
    (k) => `${siteFile} ${k}: ${JSON.stringify(site[k])} is not the trusted ${JSON.stringify(trusted[k])} (from ${trustedFrom}): a pull request may not move a provider endpoint`,
  );
}
