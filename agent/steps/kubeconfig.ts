// The per-tier OIDC kubeconfig (int128/kubelogin, run as `kubectl-oidc_login`, the binary
// preflight requires). The grant type is a site setting that fits a shared host: the
// authcode flow's default fixed ports 8000/18000 would collide between people, so it is
// either authcode-keyboard (no port, no device flow), device-code, or authcode on the
// person's own port. Cluster, user and context names never carry the RBAC tier: a tier
// change rewrites the file but leaves the names people and scripts use alone.
import { toYaml } from '../yaml-emit';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { ensureDir, ownership, writeManaged } from '../managed-files';
import { Outcome, skipped } from '../report';

/** kubelogin flags of the grant (state stored before grantType existed meant device-code). */
export function grantArgs(k: WorkstationState['kubeconfig']): string[] {
  switch (k.grantType ?? 'device-code') {
    case 'device-code':
      return ['--grant-type=device-code'];
    case 'authcode-keyboard':
      return ['--grant-type=authcode-keyboard', ...(k.redirectUrl ? [`--oidc-redirect-url=${k.redirectUrl}`] : [])];
    case 'authcode':
      if (k.listenPort === undefined) throw new Error('grant type authcode needs a listen port');
      // No browser on the devvm: kubelogin prints the URL; the person forwards this port over SSH.
      return ['--grant-type=authcode', `--listen-address=127.0.0.1:${k.listenPort}`, '--skip-open-browser'];
  }
}

export function renderKubeconfig(ws: WorkstationState): string {
  const k = ws.kubeconfig;
  const user = `oidc-${ws.osUser}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: k.clusterName,
        cluster: { server: k.server, ...(k.certificateAuthorityData ? { 'certificate-authority-data': k.certificateAuthorityData } : {}) },
      },
    ],
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'kubectl-oidc_login',
            args: [
              'get-token',
              `--oidc-issuer-url=${k.issuerUrl}`,
              `--oidc-client-id=${k.clientId}`,
              '--oidc-extra-scope=email',
              '--oidc-extra-scope=profile',
              '--oidc-extra-scope=groups',
              ...grantArgs(k),
            ],
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: [
      {
        name: k.clusterName,
        context: { cluster: k.clusterName, user, ...(k.defaultNamespace ? { namespace: k.defaultNamespace } : {}) },
      },
    ],
    'current-context': k.clusterName,
    preferences: {},
  };
  return `# Managed by devvm-workstations (RBAC tier ${ws.tier}). Edits are kept but stop updates.\n${toYaml(doc)}`;
}

export function convergeKubeconfig(ctx: Context, ws: WorkstationState, gid: number): Outcome {
  const kubeDir = `${ws.home}/.kube`;
  const file = `${kubeDir}/config`;
  const person = { user: ws.osUser, home: ws.home };
  const dirOwner = { mode: 0o700, uid: ws.uid, gid, person };
  if (ws.legacy && ownership(ctx, file, { home: ws.home, uid: ws.uid }) === 'foreign') return skipped('pending cutover: existing ~/.kube/config kept');
  const dir = ensureDir(ctx, kubeDir, dirOwner);
  if (dir.kind === 'skipped' || dir.kind === 'failed') return dir;
  ensureDir(ctx, `${kubeDir}/cache`, dirOwner);
  return writeManaged(ctx, file, renderKubeconfig(ws), { mode: 0o600, uid: ws.uid, gid, person });
}
