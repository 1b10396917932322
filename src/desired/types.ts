// The desired state derived from (roster, site): what every person and every tier gets.
// The devvm half is a zod schema because it crosses to the host: the host agent parses
// its input with exactly this schema before acting (one definition, two sides).
import { z } from 'zod';
import { AbsPath, BranchName, Email, GitUrl, Namespace, OsUser, RepoName, Size, Tier, Uid, Username, WebKey } from '../roster/values';
import { MANAGED_UNIX_GROUPS } from '../tiers/profiles';
import { KUBELOGIN_GRANT_TYPES } from '../roster/site-enums';

export const KubeconfigSpec = z.strictObject({
  server: z.string(),
  certificateAuthorityData: z.string().optional(),
  clusterName: z.string(),
  issuerUrl: z.string(),
  clientId: z.string(),
  /** namespace-owner: the first owned namespace; others: none (kubectl's default). */
  defaultNamespace: Namespace.optional(),
  /** kubelogin --grant-type (site oidc.grant_type); absent in state stored before it existed: device-code. */
  grantType: z.enum(KUBELOGIN_GRANT_TYPES).optional(),
  /** authcode: this person's own callback port (site authcode_port_base + uid - uid_range.min). */
  listenPort: z.number().int().min(1024).max(65535).optional(),
  /** authcode-keyboard: the redirect URI (site oidc.redirect_url). */
  redirectUrl: z.string().regex(/^[A-Za-z0-9:/._~-]+$/).optional(),
});

export const RepoSpec = z.strictObject({
  name: RepoName,
  url: GitUrl,
  /** Path relative to the home directory. */
  path: z.string().regex(/^code(\/[A-Za-z0-9._-]+)?$/),
});

/** Everything the host agent needs to converge one person's Workstation. */
export const WorkstationState = z.strictObject({
  osUser: OsUser,
  uid: Uid,
  tier: Tier,
  email: Email,
  authentikUser: Username,
  /**
   * The person's key in the web terminal's /etc/ttyd-user-map (`<webKey>=<osUser>`),
   * /etc/ttyd-admins and t3's dispatch.json: the web terminal authenticates the Authentik
   * identity, whose username is often an email; the maps key on its local part (or the
   * roster's workstation.web_key). Unique, case-insensitive, among workstations (roster rules).
   */
  webKey: WebKey,
  /** Predates the roster: converge is additive only until `cutover`. */
  legacy: z.boolean(),
  /** active: daemons on; parked: account and data kept, daemons disabled. */
  state: z.enum(['active', 'parked']),
  home: AbsPath,
  shell: AbsPath,
  /** Managed Unix groups the tier grants; the rest of MANAGED_UNIX_GROUPS is removed. */
  unixGroups: z.array(z.enum(MANAGED_UNIX_GROUPS)),
  codeLayout: z.enum(['single', 'workspace']),
  infra: z.strictObject({
    url: GitUrl,
    branch: BranchName,
    path: z.enum(['code', 'code/infra']),
    /** Admins get the git-crypt key; everyone else a locked clone. */
    unlocked: z.boolean(),
  }),
  repos: z.array(RepoSpec),
  kubeconfig: KubeconfigSpec,
  /** systemd MemoryMax of user-<uid>.slice. */
  memoryMax: Size,
  units: z.strictObject({
    t3Serve: z.boolean(),
    claudeAuthSync: z.boolean(),
  }),
  /**
   * Where `claude-auth-sync@<os_user>` finds the person's Claude credentials: Vault address
   * and the KV v2 entry `<kvMount>/<secretPath>` (the personal policy reaches exactly it).
   * No token: the unit uses the person's own `vault login -method=oidc` token in their home.
   */
  claudeAuth: z.strictObject({
    vaultAddress: z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/?$/),
    kvMount: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/),
    secretPath: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/),
  }),
});
export type WorkstationState = z.infer<typeof WorkstationState>;

export interface ClusterAccess {
  /** Kubernetes subject name: site username prefix + email (kind: User). */
  readonly subject: string;
  /** ClusterRole bound cluster-wide. */
  readonly clusterRole: string;
  /** Namespaces where the built-in `admin` ClusterRole is bound with a RoleBinding. */
  readonly namespaceAdminIn: readonly string[];
}

export interface VaultIdentity {
  /** Identity entity name (= os_user, stable across tier changes). */
  readonly entity: string;
  /** Entity alias name (= email) on the OIDC auth mount. */
  readonly alias: string;
  readonly aliasMount: string;
  /** Policy names attached to the entity: the tier policy and the personal one. */
  readonly policies: readonly string[];
  readonly personalPolicy: string;
  /** KV v2 data prefix of the person's own secrets, e.g. secret/data/workstations/emo. */
  readonly personalDataPath: string;
  readonly personalMetadataPath: string;
}

export interface PersonState {
  readonly osUser: string;
  readonly email: string;
  readonly authentikUser: string;
  /**
   * With a workstation: the key of the web terminal's map (`<webKey>=<osUser>` in
   * /etc/ttyd-user-map) and of t3's dispatch.json; workstation.web_key, else the local
   * part of the Authentik username. Unique (case-insensitive) among workstations.
   */
  readonly webKey?: string;
  readonly k8sUser: string;
  readonly tier: Tier;
  readonly namespaces: readonly string[];
  readonly cluster: ClusterAccess;
  readonly vault: VaultIdentity;
  /** Authentik groups the person is a member of. */
  readonly authentikGroups: readonly string[];
  /** The devvm account, or null for cluster access only. */
  readonly workstation: WorkstationState | null;
}

export interface AuthentikGroupState {
  readonly name: string;
  /** Authentik usernames, sorted. */
  readonly members: readonly string[];
}

export interface TierState {
  readonly tier: Tier;
  readonly vaultPolicy: string;
  readonly clusterRole: string;
  /** os_users of this tier, sorted. */
  readonly members: readonly string[];
}

export interface DesiredState {
  /** People sorted by os_user. */
  readonly people: readonly PersonState[];
  readonly tiers: readonly TierState[];
  readonly authentikGroups: readonly AuthentikGroupState[];
  readonly retiredUids: readonly number[];
}
