// The site file (roster/site.yaml): everything about the place rather than the people.
// Defaults match the homelab (BRIEF sections 1 and 5), so a site file only needs to say
// what differs. It never holds a secret: connection strings and tokens come from the
// environment (PG_CONN_STR, VAULT_TOKEN, KUBE_*) or the admin's own login at run time.
import { z } from 'zod';
import { AbsPath, BranchName, GitUrl, Size, SizeOrZero, Uid, Username } from './values';

const HostKey = z
  .string()
  .regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,3}$/, {
    error: 'must be a public host key line "<type> <base64>" (ssh-keyscan output without the host)',
  });

const Host = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$/, {
  error: 'must be a hostname or IP address',
});

const GroupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, {
  error: 'must be an Authentik group name of letters, digits, spaces, ".", "_" or "-"',
});

const VaultPolicyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: "must be a Vault policy name: a letter or digit, then letters, digits, '_' or '-'",
});

const MountName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: "must be a mount path: a letter or digit, then letters, digits, '_' or '-' (no slashes)",
});

export const Devvm = z.strictObject({
  /** Address Terraform connects to over SSH. */
  host: Host.default('10.0.10.10'),
  port: z.number().int().min(1).max(65535).default(22),
  /** Remote user for provisioners; needs root (the agent manages accounts). */
  user: z.literal('root').default('root'),
  /** Pinned public host key; Terraform verifies the devvm against it. */
  host_key: HostKey,
  /** Keys come from the admin's ssh-agent only: never a private key in config or state. */
  ssh_agent: z.literal(true, { error: 'must be true: the private key stays in your ssh-agent' }).default(true),
  /** Login shell of new accounts. */
  login_shell: AbsPath.default('/bin/bash'),
  /** Where offboarding writes home archives. */
  archive_dir: AbsPath.default('/var/backups/workstations'),
  /** What must be true on the devvm before anyone is onboarded (checked by the agent). */
  preflight: z
    .strictObject({
      /** Programs a Workstation needs on PATH. kubectl-oidc_login is int128/kubelogin, not Debian's kubelogin. */
      binaries: z
        .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { error: "must be a program name: a letter or digit, then letters, digits, '.', '_', '+' or '-'" }))
        .default(['node', 'git', 'git-crypt', 'tmux', 'kubectl', 'kubectl-oidc_login', 'claude']),
      /** Whether systemd must be running (user slices and per-user units need it). */
      systemd: z.boolean().default(true),
      min_free_memory: Size.default('2G'),
      min_free_swap: SizeOrZero.default('1G'),
      /** Free space on the filesystem holding /home. */
      min_free_disk: Size.default('20G'),
    })
    .prefault({}),
});

export const UidRange = z
  .strictObject({ min: Uid.default(1000), max: Uid.default(59999) })
  .refine((r) => r.min <= r.max, { error: 'min must not exceed max' });

export const Oidc = z.strictObject({
  issuer_url: z
    .string()
    .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~/-]*)?$/, { error: 'must be an https URL' })
    .default('https://authentik.viktorbarzin.me/application/o/kubernetes/'),
  client_id: Username.default('kubernetes'),
  /** The apiserver's --oidc-username-prefix; the K8s subject is this prefix + email. */
  username_prefix: z.string().regex(/^[A-Za-z0-9:._-]*$/, { error: "may contain only letters, digits, ':', '.', '_' and '-'" }).default(''),
  /** The apiserver's --oidc-groups-prefix. */
  groups_prefix: z.string().regex(/^[A-Za-z0-9:._-]*$/, { error: "may contain only letters, digits, ':', '.', '_' and '-'" }).default(''),
});

export const Kubernetes = z.strictObject({
  /** API server URL written into every kubeconfig. */
  api_server: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?$/, { error: 'must be an https URL of host and port' }),
  /** Base64 PEM of the cluster CA (public). Absent: the system trust store is used. */
  certificate_authority_data: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: "must be base64 (letters, digits, '+' and '/', with at most two '=' at the end)" }).optional(),
  /** Name of the cluster and context in generated kubeconfigs. */
  cluster_name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'" }).default('homelab'),
});

/** A KV v2 secret name under its mount (`platform`, `team/platform`): no leading or trailing slash. */
const KvSecretName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, {
  error: "must be a KV secret name: segments of letters, digits, '.', '_' and '-' (each starting with a letter or digit) separated by '/'",
});

const KvFieldName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, {
  error: "must be a secret field name: a letter, digit or '_', then letters, digits, '.', '_' or '-'",
});

/** A `role` value of the legacy k8s_users map. */
const LegacyRole = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: "must be a legacy role name: a letter or digit, then letters, digits, '.', '_' or '-'",
});

/**
 * The incremental migration's cross-check against the legacy RBAC stack's map: the
 * `workstations` stack READS `<mount>/<name>` field `<field>` (JSON `{<k8s_user>: {role,
 * ...}}`) with a data source and fails the plan when a person's tier does not match the
 * legacy role. It never writes that secret (it holds other fields).
 */
export const LegacyCrossCheck = z.strictObject({
  /** Off by default: on, every plan needs read access to the legacy secret. */
  enabled: z.boolean().default(false),
  /** KV v2 mount of the legacy secret. */
  mount: MountName.default('secret'),
  /** Secret name under the mount. */
  name: KvSecretName.default('platform'),
  /** Field holding the JSON map keyed by k8s_user. */
  field: KvFieldName.default('k8s_users'),
  /** The legacy `role` value each roster tier must have (identity by default). */
  roles: z
    .strictObject({
      admin: LegacyRole.default('admin'),
      'power-user': LegacyRole.default('power-user'),
      'namespace-owner': LegacyRole.default('namespace-owner'),
    })
    .prefault({}),
});

export const Vault = z.strictObject({
  address: z
    .string()
    .regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/?$/, { error: 'must be an http(s) URL without a path' })
    .default('https://vault.viktorbarzin.me'),
  /** Path of the OIDC auth mount people log in with (alias mount). */
  oidc_mount: MountName.default('oidc'),
  /** KV v2 mount holding per-namespace and per-person secrets. */
  kv_mount: MountName.default('secret'),
  /** Existing Vault policies an admin's entity receives in addition to workstations-admin. */
  admin_policies: z.array(VaultPolicyName).default(['vault-admin']),
  /** Tier against legacy role check of the incremental migration (off by default). */
  legacy_cross_check: LegacyCrossCheck.prefault({}),
});

export const AuthentikGroups = z.strictObject({
  admin: GroupName.default('kubernetes-admins'),
  'power-user': GroupName.default('kubernetes-power-users'),
  'namespace-owner': GroupName.default('kubernetes-namespace-owners'),
  /** Everyone with a workstation (active or parked): may reach the devvm. */
  workstation: GroupName.default('T3 Users'),
});

export const Authentik = z.strictObject({
  /** Authentik base URL for the Terraform provider (the token comes from AUTHENTIK_TOKEN). */
  url: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/?$/, { error: 'must be an https URL without a path' }).default('https://authentik.viktorbarzin.me'),
  groups: AuthentikGroups.prefault({}),
});

export const GitRepo = z.strictObject({
  url: GitUrl,
  default_branch: BranchName.default('master'),
});

export const ConfigBase = z.strictObject({
  url: GitUrl,
  branch: BranchName.default('master'),
  /** Root-owned checkout on the devvm that the managed layer links into. */
  path: AbsPath.default('/opt/claude-config-base'),
  /** Folder inside the repository holding skills/, agents/ and output-styles/ (chezmoi: dot_claude). */
  dir: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$|^\.$/, { error: 'must be a relative path inside the repository' })
    .refine((d) => !d.split('/').includes('..'), { error: 'must not contain ".."' })
    .default('dot_claude'),
});

export const MemoryBudgets = z.strictObject({
  admin: Size.default('16G'),
  'power-user': Size.default('8G'),
  'namespace-owner': Size.default('6G'),
});

export const Capacity = z.strictObject({
  ram: Size.default('32G'),
  swap: SizeOrZero.default('8G'),
  disk: Size.default('200G'),
  /** How many active Workstations may run sessions at once (the capacity plan's assumption). */
  max_concurrent_active: z.number().int().min(1).default(4),
  /** Memory kept free for the system and page cache. */
  headroom: Size.default('4G'),
  /** Disk each workstation is expected to use (clone, caches, Claude projects). */
  disk_per_workstation: Size.default('10G'),
  /** Free disk that must remain after every workstation's share. */
  disk_floor: Size.default('20G'),
});

export const Site = z.strictObject({
  version: z.literal(1),
  devvm: Devvm,
  uid_range: UidRange.prefault({}),
  oidc: Oidc.prefault({}),
  kubernetes: Kubernetes,
  vault: Vault.prefault({}),
  authentik: Authentik.prefault({}),
  infra_repo: GitRepo,
  config_base: ConfigBase,
  memory_budgets: MemoryBudgets.prefault({}),
  capacity: Capacity.prefault({}),
});

export type Site = z.infer<typeof Site>;
export type SiteInput = z.input<typeof Site>;
