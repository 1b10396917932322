// The per-tier OIDC kubeconfig (int128/kubelogin via `kubectl oidc-login`). The device
// code grant needs no local callback port, so people on one host never collide on the
// authcode flow's fixed ports 8000/18000.
import { toYaml } from '../yaml-emit';
import type { WorkstationState } from '../input';
import type { Context } from '../context';
import { ensureDir, ownership, writeManaged } from '../managed-files';
import { Outcome, skipped } from '../report';

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
            command: 'kubectl',
            args: [
              'oidc-login',
              'get-token',
              `--oidc-issuer-url=${k.issuerUrl}`,
              `--oidc-client-id=${k.clientId}`,
              '--oidc-extra-scope=email',
              '--oidc-extra-scope=profile',
              '--oidc-extra-scope=groups',
              '--grant-type=device-code',
            ],
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: [
      {
        name: `${k.clusterName}-${ws.tier}`,
        context: { cluster: k.clusterName, user, ...(k.defaultNamespace ? { namespace: k.defaultNamespace } : {}) },
      },
    ],
    'current-context': `${k.clusterName}-${ws.tier}`,
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
