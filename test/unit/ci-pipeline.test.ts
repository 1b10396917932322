// The pull-request pipeline's scripts against test doubles of Vault's, Authentik's and the
// forges' HTTP APIs: a plain HTTP server on 127.0.0.1 that records each request and answers
// like the real API does for the calls used (no Vault, Authentik or Forgejo runs here).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingGroupRefusals } from '../../src/ci/authentik-groups';
import { resolveCredentials } from '../../src/ci/credentials';
import { commentBody, MARKER, upsertComment } from '../../src/ci/forge-comment';
import { checkTrustedEndpoints, RefusedError } from '../../src/ci/preflight';
import { kubernetesLogin, kvField, pgConnStr, staticCreds } from '../../src/ci/vault';
import { endpointRefusals, siteEndpoints } from '../../src/plan/trusted-endpoints';
import { EXAMPLE_SITE_TEXT, exampleSite, siteProblems } from '../support/inputs';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
type Route = (req: Seen) => { status: number; json?: unknown };

/** A fake HTTP API on 127.0.0.1: `routes` answers, `seen` records every request. */
async function fakeApi(routes: Route): Promise<{ base: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      const r = routes(s);
      res.writeHead(r.status, { 'Content-Type': 'application/json' });
      res.end(r.json === undefined ? '' : JSON.stringify(r.json));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, seen, close: () => new Promise((ok) => server.close(() => ok())) };
}

describe('trusted endpoints', () => {
  const site = exampleSite();
  test('the same site passes; a trailing slash is not a different endpoint', () => {
    const t = siteEndpoints(site);
    expect(endpointRefusals('roster/site.yaml', t, t, 'trusted.yaml')).toEqual([]);
    const slash = siteEndpoints({ ...site, vault: { ...site.vault, address: `${site.vault.address}/` } });
    expect(endpointRefusals('roster/site.yaml', slash, t, 'trusted.yaml')).toEqual([]);
  });

  test('each moved endpoint is one line naming the site key and both values', () => {
    const moved = siteEndpoints({
      ...site,
      vault: { ...site.vault, address: 'https://evil.example' },
      authentik: { ...site.authentik, url: 'https://evil.example' },
      devvm: { ...site.devvm, port: 2222 },
    });
    const lines = endpointRefusals('roster/site.yaml', moved, siteEndpoints(site), 'trusted.yaml');
    expect(lines).toEqual([
      `roster/site.yaml vault.address: "https://evil.example" is not the trusted "${siteEndpoints(site)['vault.address']}" (from trusted.yaml): a pull request may not move a provider endpoint`,
      `roster/site.yaml authentik.url: "https://evil.example" is not the trusted "${siteEndpoints(site)['authentik.url']}" (from trusted.yaml): a pull request may not move a provider endpoint`,
      `roster/site.yaml devvm.port: "2222" is not the trusted "${site.devvm.port}" (from trusted.yaml): a pull request may not move a provider endpoint`,
    ]);
  });

  test('checkTrustedEndpoints reads and validates the trusted site file with the same loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-trusted-'));
    const trusted = join(dir, 'trusted-site.yaml');
    writeFileSync(trusted, EXAMPLE_SITE_TEXT);
    expect(() => checkTrustedEndpoints('roster/site.yaml', exampleSite(), trusted)).not.toThrow();
    const pr = { ...site, kubernetes: { ...site.kubernetes, api_server: 'https://203.0.113.9:6443' } };
    expect(() => checkTrustedEndpoints('roster/site.yaml', pr, trusted)).toThrow(/^roster\/site.yaml kubernetes.api_server: "https:\/\/203.0.113.9:6443" is not the trusted/);
    writeFileSync(trusted, 'version: 2\n');
    expect(() => checkTrustedEndpoints('roster/site.yaml', site, trusted)).toThrow(RefusedError);
  });
});

describe('Vault over HTTP (fake Vault API on 127.0.0.1)', () => {
  const JWT = 'eyJ.sa-jwt.sig';
  const TOKEN = 'hvs.short-lived';
  const PASSWORD = 'p@ss/w:rd';
  const routes: Route = (r) => {
    if (r.method === 'POST' && r.url === '/v1/auth/kubernetes/login') {
      const b = JSON.parse(r.body) as { role: string; jwt: string };
      return b.role === 'ci' && b.jwt === JWT ? { status: 200, json: { auth: { client_token: TOKEN, lease_duration: 1200 } } } : { status: 403, json: { errors: ['permission denied'] } };
    }
    if (r.headers['x-vault-token'] !== TOKEN) return { status: 403, json: { errors: ['permission denied'] } };
    if (r.method === 'GET' && r.url === '/v1/database/static-creds/pg-terraform-state') return { status: 200, json: { data: { username: 'terraform', password: PASSWORD, ttl: 3600 } } };
    if (r.method === 'GET' && r.url === '/v1/secret/data/ci/authentik') return { status: 200, json: { data: { data: { token: 'ak-token' }, metadata: {} } } };
    return { status: 404, json: { errors: [] } };
  };

  test('Kubernetes auth login, static creds and a KV field: the requests Vault expects', async () => {
    const v = await fakeApi(routes);
    try {
      expect(await kubernetesLogin(fetch, v.base, JWT)).toBe(TOKEN);
      expect(await staticCreds(fetch, v.base, TOKEN)).toEqual({ username: 'terraform', password: PASSWORD });
      expect(await kvField(fetch, v.base, TOKEN, 'secret/ci/authentik#token')).toBe('ak-token');
      expect(v.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        'POST /v1/auth/kubernetes/login',
        'GET /v1/database/static-creds/pg-terraform-state',
        'GET /v1/secret/data/ci/authentik',
      ]);
      expect(JSON.parse(v.seen[0].body)).toEqual({ role: 'ci', jwt: JWT });
    } finally {
      await v.close();
    }
  });

  test('a refused login names the URL and status, never the JWT', async () => {
    const v = await fakeApi(routes);
    try {
      const err = await kubernetesLogin(fetch, v.base, 'wrong-jwt').catch((e: Error) => e);
      expect((err as Error).message).toBe(`POST ${v.base}/v1/auth/kubernetes/login: HTTP 403`);
    } finally {
      await v.close();
    }
  });

  test('resolveCredentials: CI service account -> VAULT_TOKEN, PG_CONN_STR and AUTHENTIK_TOKEN; the notes hold no secret', async () => {
    const v = await fakeApi(routes);
    const dir = mkdtempSync(join(tmpdir(), 'dw-sa-'));
    writeFileSync(join(dir, 'token'), `${JWT}\n`);
    try {
      const r = await resolveCredentials(
        { WORKSTATIONS_VAULT_SA_TOKEN_FILE: join(dir, 'token'), WORKSTATIONS_PG_ADDRESS: 'pg.example:5432/terraform_state?sslmode=require', WORKSTATIONS_AUTHENTIK_TOKEN_KV: 'secret/ci/authentik#token' },
        v.base,
        fetch,
      );
      expect(r.env).toEqual({
        VAULT_TOKEN: TOKEN,
        PG_CONN_STR: 'postgres://terraform:p%40ss%2Fw%3Ard@pg.example:5432/terraform_state?sslmode=require',
        AUTHENTIK_TOKEN: 'ak-token',
      });
      const notes = r.notes.join('\n');
      for (const secret of [JWT, TOKEN, PASSWORD, 'ak-token']) expect(notes).not.toContain(secret);
      expect(notes).toContain('Kubernetes auth login');
      expect(notes).toContain('database/static-creds/pg-terraform-state');
    } finally {
      await v.close();
    }
  });

  test('resolveCredentials: a person with VAULT_TOKEN (after vault login -method=oidc) and no PG_CONN_STR', async () => {
    const v = await fakeApi(routes);
    try {
      const r = await resolveCredentials({ VAULT_TOKEN: TOKEN, WORKSTATIONS_PG_ADDRESS: 'pg:5432/s', WORKSTATIONS_VAULT_SA_TOKEN_FILE: '/nonexistent' }, v.base, fetch);
      expect(r.env).toEqual({ PG_CONN_STR: pgConnStr({ username: 'terraform', password: PASSWORD }, 'pg:5432/s') });
      expect(r.notes[0]).toBe('vault token: VAULT_TOKEN from the environment');
      expect(v.seen.map((s) => s.url)).toEqual(['/v1/database/static-creds/pg-terraform-state']);
    } finally {
      await v.close();
    }
  });

  test('resolveCredentials: a person after `vault login -method=oidc` has only ~/.vault-token: it is used, not exported', async () => {
    const v = await fakeApi(routes);
    const home = mkdtempSync(join(tmpdir(), 'dw-home-'));
    writeFileSync(join(home, '.vault-token'), `${TOKEN}\n`, { mode: 0o600 });
    try {
      const r = await resolveCredentials({ HOME: home, WORKSTATIONS_PG_ADDRESS: 'pg:5432/s', WORKSTATIONS_VAULT_SA_TOKEN_FILE: '/nonexistent' }, v.base, fetch);
      expect(r.env).toEqual({ PG_CONN_STR: pgConnStr({ username: 'terraform', password: PASSWORD }, 'pg:5432/s') });
      expect(r.notes[0]).toBe(`vault token: ${join(home, '.vault-token')} (vault login)`);
      expect(r.notes.join('\n')).not.toContain(TOKEN);
    } finally {
      await v.close();
    }
  });

  test('resolveCredentials: after `vault login -method=oidc` with PG_CONN_STR and WORKSTATIONS_PG_ADDRESS unset, the site\'s state_backend (default: the homelab\'s) is used, as scripts/tg does', async () => {
    const v = await fakeApi((r) => (r.url === '/v1/database/static-creds/other' ? { status: 200, json: { data: { username: 'other', password: PASSWORD } } } : routes(r)));
    const home = mkdtempSync(join(tmpdir(), 'dw-home-'));
    writeFileSync(join(home, '.vault-token'), `${TOKEN}\n`, { mode: 0o600 });
    try {
      const env = { HOME: home, WORKSTATIONS_VAULT_SA_TOKEN_FILE: '/nonexistent' };
      const site = exampleSite();
      // The fixture site writes no state_backend: the defaults are the homelab's backend.
      expect(site.state_backend).toEqual({ address: '10.0.20.200:5432/terraform_state', creds_path: 'database/static-creds/pg-terraform-state' });
      const r = await resolveCredentials(env, v.base, fetch, site.state_backend);
      expect(r.env).toEqual({ PG_CONN_STR: `postgres://terraform:${encodeURIComponent(PASSWORD)}@10.0.20.200:5432/terraform_state` });
      expect(r.notes).toContain("state backend: PG_CONN_STR built from Vault database/static-creds/pg-terraform-state and the site's state_backend.address 10.0.20.200:5432/terraform_state");
      // Without a site (other callers) the same default.
      expect((await resolveCredentials(env, v.base, fetch)).env).toEqual(r.env);
      // Another site's backend; the environment still overrides it (address named, not printed).
      const other = { address: 'pg.example:5433/state?sslmode=require', creds_path: 'database/static-creds/other' };
      expect((await resolveCredentials(env, v.base, fetch, other)).env).toEqual({ PG_CONN_STR: `postgres://other:${encodeURIComponent(PASSWORD)}@pg.example:5433/state?sslmode=require` });
      const overridden = await resolveCredentials({ ...env, WORKSTATIONS_PG_ADDRESS: 'pg:5432/s' }, v.base, fetch, other);
      expect(overridden.env.PG_CONN_STR).toBe(`postgres://other:${encodeURIComponent(PASSWORD)}@pg:5432/s`);
      expect(overridden.notes).toContain('state backend: PG_CONN_STR built from Vault database/static-creds/other and WORKSTATIONS_PG_ADDRESS');
      for (const n of [...r.notes, ...overridden.notes]) expect(n).not.toContain(PASSWORD);
    } finally {
      await v.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('state_backend.address: a bad value is a site problem; moving it is an endpoint a pull request may not change', () => {
    expect(siteProblems(`${EXAMPLE_SITE_TEXT}state_backend:\n  address: postgres://u:p@pg:5432/x\n`)).toEqual([
      'roster/site.yaml:42:12 state_backend.address: must be a host, an optional :port, then /database and optional ?parameters (no user or password: those come from Vault), got "postgres://u:p@pg:5432/x"',
    ]);
    const site = exampleSite();
    const moved = siteEndpoints({ ...site, state_backend: { ...site.state_backend, address: '203.0.113.9:5432/terraform_state' } });
    expect(endpointRefusals('roster/site.yaml', moved, siteEndpoints(site), 'trusted.yaml')).toEqual([
      'roster/site.yaml state_backend.address: "203.0.113.9:5432/terraform_state" is not the trusted "10.0.20.200:5432/terraform_state" (from trusted.yaml): a pull request may not move a provider endpoint',
    ]);
  });

  test('resolveCredentials asks nothing when the environment has it all, and refuses a missing source clearly', async () => {
    expect(await resolveCredentials({ PG_CONN_STR: 'x', VAULT_TOKEN: 't', AUTHENTIK_TOKEN: 'a' }, 'http://127.0.0.1:9', fetch)).toEqual({
      env: {},
      notes: ['vault token: VAULT_TOKEN from the environment', 'state backend: PG_CONN_STR from the environment', 'authentik token: AUTHENTIK_TOKEN from the environment'],
    });
    await expect(resolveCredentials({ WORKSTATIONS_VAULT_SA_TOKEN_FILE: '/nonexistent' }, 'http://127.0.0.1:9', fetch)).rejects.toThrow(/^PG_CONN_STR is unset and there is no Vault token/);
  });
});

describe('Authentik group names (fake Authentik API on 127.0.0.1)', () => {
  test('a name Authentik does not have is refused at its site key; the exact name is asked with the token', async () => {
    const existing = ['kubernetes-admins', 'kubernetes-power-users', 'kubernetes-namespace-owners', 'T3 Users'];
    const a = await fakeApi((r) => {
      const name = new URL(r.url, 'http://x').searchParams.get('name') ?? '';
      if (r.headers.authorization !== 'Bearer ak') return { status: 403, json: { detail: 'no' } };
      // Like a fuzzy search would, return near names too: only an exact match counts.
      return { status: 200, json: { pagination: {}, results: existing.filter((g) => g === name || g.startsWith(name.slice(0, 10))).map((g) => ({ pk: g, name: g })) } };
    });
    try {
      const site = exampleSite();
      const ok = { ...site, authentik: { ...site.authentik, url: a.base } };
      expect(await missingGroupRefusals(fetch, 'roster/site.yaml', ok, 'ak')).toEqual([]);
      expect(a.seen.map((s) => s.url)).toContain('/api/v3/core/groups/?name=T3%20Users');
      const typo = { ...ok, authentik: { ...ok.authentik, groups: { ...ok.authentik.groups, 'power-user': 'kubernetes-power-user' } } };
      expect(await missingGroupRefusals(fetch, 'roster/site.yaml', typo, 'ak')).toEqual([
        `roster/site.yaml authentik.groups.power-user: group "kubernetes-power-user" does not exist in Authentik (${a.base}): fix the name (a typo would lock people out), or create the group first`,
      ]);
    } finally {
      await a.close();
    }
  });
});

describe('plan comment on the forge (fake Forgejo and GitHub APIs on 127.0.0.1)', () => {
  function forge(): Promise<Awaited<ReturnType<typeof fakeApi>> & { comments: { id: number; body: string }[] }> {
    const comments: { id: number; body: string }[] = [{ id: 1, body: 'a human comment' }];
    return fakeApi((r) => {
      const m = /\/repos\/o\/r\/issues\/(?:(\d+)\/comments|comments\/(\d+))/.exec(r.url);
      if (!m) return { status: 404 };
      if (r.method === 'GET') return { status: 200, json: comments };
      if (r.method === 'POST') {
        comments.push({ id: comments.length + 1, body: JSON.parse(r.body).body });
        return { status: 201, json: comments[comments.length - 1] };
      }
      const c = comments.find((x) => x.id === Number(m[2]))!;
      c.body = JSON.parse(r.body).body;
      return { status: 200, json: c };
    }).then((f) => ({ ...f, comments }));
  }

  test('Forgejo: the first plan creates the bot comment, the next updates it in place', async () => {
    const f = await forge();
    try {
      const t = { forge: 'forgejo' as const, apiUrl: `${f.base}/api/v1`, repo: 'o/r', pr: 7, token: 'fj' };
      expect(await upsertComment(fetch, t, 'first')).toBe('created');
      expect(await upsertComment(fetch, t, 'second')).toBe('updated');
      expect(f.comments).toEqual([{ id: 1, body: 'a human comment' }, { id: 2, body: `${MARKER}\nsecond` }]);
      expect(f.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        'GET /api/v1/repos/o/r/issues/7/comments?limit=50',
        'POST /api/v1/repos/o/r/issues/7/comments',
        'GET /api/v1/repos/o/r/issues/7/comments?limit=50',
        'PATCH /api/v1/repos/o/r/issues/comments/2',
      ]);
      expect(f.seen.every((s) => s.headers.authorization === 'token fj')).toBe(true);
    } finally {
      await f.close();
    }
  });

  test('GitHub: same flow with its headers', async () => {
    const f = await forge();
    try {
      expect(await upsertComment(fetch, { forge: 'github', apiUrl: f.base, repo: 'o/r', pr: 7, token: 'gh' }, 'body')).toBe('created');
      expect(f.seen[1].url).toBe('/repos/o/r/issues/7/comments');
      expect(f.seen[1].headers.authorization).toBe('Bearer gh');
      expect(f.seen[1].headers['x-github-api-version']).toBe('2022-11-28');
    } finally {
      await f.close();
    }
  });

  test('the body says when the plan failed or was refused', () => {
    expect(commentBody('0123456789abcdef', '', true, 'https://ci/1')).toContain('**The plan failed or was refused**');
    expect(commentBody('0123456789abcdef', 'summary', false, '')).toBe('### `workstations` plan for 0123456789ab\n\nsummary\n\n_Plan only: nothing was changed by this pipeline._');
  });
});
