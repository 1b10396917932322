// Where `plan` and `apply` take their credentials from when the environment lacks them, the
// way the homelab's `scripts/tg` does: a Vault token (VAULT_TOKEN, a person's after
// `vault login -method=oidc`, or CI's from the Kubernetes auth method with its service
// account), then PG_CONN_STR from Vault's database engine (joined with the site's
// `state_backend.address`, by default the homelab's) and AUTHENTIK_TOKEN from a KV field. Returns the variables to add to the environment Terraform runs in and one line per
// source used; never a value.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FetchLike } from './http';
import { DEFAULT_STATE_BACKEND_ADDRESS, type Site } from '../roster/site-schema';
import { DEFAULT_K8S_MOUNT, DEFAULT_K8S_ROLE, DEFAULT_PG_CREDS_PATH, kubernetesLogin, kvField, pgConnStr, SA_TOKEN_FILE, staticCreds } from './vault';

export class CredentialsError extends Error {}

export const CREDENTIALS_ENV = [
  ['WORKSTATIONS_PG_ADDRESS', `with PG_CONN_STR unset: overrides the site's state_backend.address (host[:port]/database[?params], default ${DEFAULT_STATE_BACKEND_ADDRESS}); user and password come from Vault`],
  ['WORKSTATIONS_PG_CREDS_PATH', `overrides the site's state_backend.creds_path, the Vault path of those credentials (default ${DEFAULT_PG_CREDS_PATH})`],
  ['WORKSTATIONS_VAULT_SA_TOKEN_FILE', `with VAULT_TOKEN unset: service account JWT for the Kubernetes auth of Vault (default ${SA_TOKEN_FILE}; used when it exists)`],
  ['WORKSTATIONS_VAULT_K8S_ROLE', `Vault role of that login (default ${DEFAULT_K8S_ROLE})`],
  ['WORKSTATIONS_VAULT_K8S_MOUNT', `Vault auth mount of that login (default ${DEFAULT_K8S_MOUNT})`],
  ['WORKSTATIONS_AUTHENTIK_TOKEN_KV', 'with AUTHENTIK_TOKEN unset: the KV v2 field holding it, <mount>/<path>#<field>'],
] as const;

export interface Resolved {
  /** Variables to add to the environment (values are secrets: never print them). */
  readonly env: Record<string, string>;
  /** One line per credential: which source it came from. */
  readonly notes: string[];
}

/** The homelab's state backend (the site's defaults), for callers without a site. */
const DEFAULT_BACKEND: Site['state_backend'] = { address: DEFAULT_STATE_BACKEND_ADDRESS, creds_path: DEFAULT_PG_CREDS_PATH };

export async function resolveCredentials(
  env: NodeJS.ProcessEnv,
  vaultAddr: string,
  f: FetchLike,
  backend: Site['state_backend'] = DEFAULT_BACKEND,
): Promise<Resolved> {
  const out: Record<string, string> = {};
  const notes: string[] = [];
  const needPg = !env.PG_CONN_STR && !env.WORKSTATIONS_LOCAL_STATE_DIR;
  const needAuthentik = !env.AUTHENTIK_TOKEN && !!env.WORKSTATIONS_AUTHENTIK_TOKEN_KV;
  const saFile = env.WORKSTATIONS_VAULT_SA_TOKEN_FILE || SA_TOKEN_FILE;

  // `vault login -method=oidc` keeps the token in ~/.vault-token (the CLI's default token
  // helper) and exports nothing; the vault provider reads that file itself, so it is used
  // here for the reads and not added to Terraform's environment.
  const helperFile = env.HOME ? join(env.HOME, '.vault-token') : undefined;
  let vaultToken = env.VAULT_TOKEN || undefined;
  if (vaultToken) notes.push('vault token: VAULT_TOKEN from the environment');
  else if (helperFile && existsSync(helperFile) && readFileSync(helperFile, 'utf8').trim()) {
    vaultToken = readFileSync(helperFile, 'utf8').trim();
    notes.push(`vault token: ${helperFile} (vault login)`);
  } else if (existsSync(saFile)) {
    const role = env.WORKSTATIONS_VAULT_K8S_ROLE || DEFAULT_K8S_ROLE;
    const mount = env.WORKSTATIONS_VAULT_K8S_MOUNT || DEFAULT_K8S_MOUNT;
    vaultToken = await kubernetesLogin(f, vaultAddr, readFileSync(saFile, 'utf8').trim(), role, mount);
    out.VAULT_TOKEN = vaultToken;
    notes.push(`vault token: Kubernetes auth login at ${vaultAddr} (mount ${mount}, role ${role}, service account ${saFile})`);
  }

  if (env.PG_CONN_STR) notes.push('state backend: PG_CONN_STR from the environment');
  else if (needPg) {
    if (!vaultToken) throw new CredentialsError(`PG_CONN_STR is unset and there is no Vault token (VAULT_TOKEN or ~/.vault-token, after \`vault login -method=oidc\`, or a service account at ${saFile}) to read it from Vault`);
    // The environment overrides the site (a pipeline's own setting); the site's default is the homelab's backend.
    // The site's address is public (in git) and printed; the variable's is named only.
    const [address, from] = env.WORKSTATIONS_PG_ADDRESS ? [env.WORKSTATIONS_PG_ADDRESS, 'WORKSTATIONS_PG_ADDRESS'] : [backend.address, `the site's state_backend.address ${backend.address}`];
    const path = env.WORKSTATIONS_PG_CREDS_PATH || backend.creds_path;
    out.PG_CONN_STR = pgConnStr(await staticCreds(f, vaultAddr, vaultToken, path), address);
    notes.push(`state backend: PG_CONN_STR built from Vault ${path} and ${from}`);
  }

  if (env.AUTHENTIK_TOKEN) notes.push('authentik token: AUTHENTIK_TOKEN from the environment');
  else if (needAuthentik) {
    if (!vaultToken) throw new CredentialsError('AUTHENTIK_TOKEN is unset and there is no Vault token to read WORKSTATIONS_AUTHENTIK_TOKEN_KV with');
    out.AUTHENTIK_TOKEN = await kvField(f, vaultAddr, vaultToken, env.WORKSTATIONS_AUTHENTIK_TOKEN_KV!);
    notes.push(`authentik token: Vault KV ${env.WORKSTATIONS_AUTHENTIK_TOKEN_KV}`);
  }
  return { env: out, notes };
}
