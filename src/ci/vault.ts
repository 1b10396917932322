// Vault over its HTTP API (no vault binary): the Kubernetes auth login of the homelab's CI,
// the state backend's static database credentials and one KV v2 field. Values are returned,
// never printed; errors name the path, never a secret.
import { FetchLike, RemoteError, requestJson } from './http';

export const SA_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
export const DEFAULT_K8S_MOUNT = 'kubernetes';
export const DEFAULT_K8S_ROLE = 'ci';
export const DEFAULT_PG_CREDS_PATH = 'database/static-creds/pg-terraform-state';

function api(addr: string, path: string): string {
  return `${addr.replace(/\/+$/, '')}/v1/${path.replace(/^\/+/, '')}`;
}

/** POST auth/<mount>/login with the service account's JWT: a short-lived client token. */
export async function kubernetesLogin(f: FetchLike, addr: string, jwt: string, role = DEFAULT_K8S_ROLE, mount = DEFAULT_K8S_MOUNT): Promise<string> {
  const r = (await requestJson(f, 'POST', api(addr, `auth/${mount}/login`), {}, { role, jwt })) as { auth?: { client_token?: unknown } } | undefined;
  const token = r?.auth?.client_token;
  if (typeof token !== 'string' || token === '') throw new RemoteError(`POST ${api(addr, `auth/${mount}/login`)}: no client token in the answer`);
  return token;
}

async function read(f: FetchLike, addr: string, token: string, path: string): Promise<Record<string, unknown>> {
  const r = (await requestJson(f, 'GET', api(addr, path), { 'X-Vault-Token': token })) as { data?: unknown } | undefined;
  if (!r || typeof r.data !== 'object' || r.data === null) throw new RemoteError(`GET ${api(addr, path)}: no data in the answer`);
  return r.data as Record<string, unknown>;
}

/** A database engine's static credentials (`username`, `password`). */
export async function staticCreds(f: FetchLike, addr: string, token: string, path = DEFAULT_PG_CREDS_PATH): Promise<{ username: string; password: string }> {
  const d = await read(f, addr, token, path);
  if (typeof d.username !== 'string' || typeof d.password !== 'string') throw new RemoteError(`GET ${api(addr, path)}: no username and password in the answer`);
  return { username: d.username, password: d.password };
}

/** One field of a KV v2 secret, named `<mount>/<path>#<field>` (e.g. `secret/ci/authentik#token`). */
export async function kvField(f: FetchLike, addr: string, token: string, ref: string): Promise<string> {
  const m = /^([^/#]+)\/([^#]+)#(.+)$/.exec(ref);
  if (!m) throw new RemoteError(`KV reference ${ref} is not <mount>/<path>#<field>`);
  const [, mount, path, field] = m;
  const d = await read(f, addr, token, `${mount}/data/${path}`);
  const value = (d.data as Record<string, unknown> | undefined)?.[field];
  if (typeof value !== 'string' || value === '') throw new RemoteError(`GET ${api(addr, `${mount}/data/${path}`)}: no field ${field}`);
  return value;
}

/** PG_CONN_STR from credentials and `host[:port]/database[?params]` (user and password URL-encoded). */
export function pgConnStr(creds: { username: string; password: string }, address: string): string {
  return `postgres://${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@${address}`;
}
