// The site file (roster/site.yaml): everything about the place rather than the people.
// Defaults match the homelab (BRIEF sections 1 and 5), so a site file only needs to say
// what differs. It never holds a secret: connection strings and tokens come from the
// environment (PG_CONN_STR, VAULT_TOKEN, KUBE_*) or the admin's own login at run time.
// The descriptions are what an editor shows on hover (roster/site.schema.json).
import { z } from 'zod';
import {
  AbsPath, BranchName, DEFAULT_RESERVED_KV_NAMES, DEFAULT_RESERVED_NAMESPACES, GitUrl, Size, SizeOrZero, Uid, Username,
} from './values';
import { HOST_FILE_WRITERS, KUBELOGIN_GRANT_TYPES } from './site-enums';

/** A Terraform duration such as 15s or 1m30s (Go's time.ParseDuration subset used here). */
const Duration = z.string().regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, { error: 'must be a duration such as 15s, 90s or 1m30s' });

const Host = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$/, {
  error: 'must be a hostname or IP address',
});

export const GroupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, {
  error: 'must be an Authentik group name of letters, digits, spaces, ".", "_" or "-"',
});

const VaultPolicyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: "must be a Vault policy name: a letter or digit, then letters, digits, '_' or '-'",
});

const MountName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: "must be a mount path: a letter or digit, then letters, digits, '_' or '-' (no slashes)",
});

const ProgramName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, {
  error: "must be a program name: a letter or digit, then letters, digits, '.', '_', '+' or '-'",
});

const OidcPrefix = z.string().regex(/^[A-Za-z0-9:._-]*$/, { error: "may contain only letters, digits, ':', '.', '_' and '-'" });

/** How this product treats one plane's existing objects (issue 14: observe, then adopt, then own). */
export const MIGRATION_MODES = ['observe', 'adopt', 'own'] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

const Mode = (plane: string) =>
  z
    .enum(MIGRATION_MODES)
    .default('observe')
    .describe(
      `How the workstations stack treats ${plane}. observe (default, safe for a homelab that already has them): read what exists and ` +
        'manage nothing; the plan summary lists every difference from the roster. adopt: bring the existing objects under this stack ' +
        'with import blocks, keeping every attribute the product does not own. own: create and manage them.',
    );

export const Migration = z
  .strictObject({
    authentik: Mode('the Authentik groups (tier groups and the workstation group)'),
    vault: Mode("Vault identities (each person's entity, alias and attached policies)"),
    kubernetes: Mode("Kubernetes RBAC (each person's tier bindings)"),
    adoption_file: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+\.ya?ml$/, { error: 'must be a relative path to a .yaml file' })
      .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), { error: 'must be a relative path without ".."' })
      .optional()
      .describe('adopt: the file (relative to the site file) recording the IDs of existing objects that a provider cannot look up by name.'),
  })
  .describe('The migration mode of each plane the workstations stack manages. Move a plane to adopt, then own, one at a time (README "Adopting an existing homelab").');

const Writer = (what: string) =>
  z
    .enum(HOST_FILE_WRITERS)
    .default('workstations')
    .describe(`Who writes ${what}: workstations (default) or reconciler (the shipped t3-provision-users timer, until the hand-over).`);

export const HostFileWriters = z
  .strictObject({
    user_maps: Writer('/etc/ttyd-user-map, /etc/ttyd-admins and /etc/t3-serve/dispatch.json'),
    managed_settings: Writer('/etc/claude-code/managed-settings.json (the managed Claude layer)'),
    units: Writer('the per-person t3-serve@ units and their /etc/t3-serve/<os_user>.env files'),
  })
  .describe('One writer per host-wide file during the hand-over from the shipped reconciler (README "Moving today\'s devvm onto the roster").');

export const Devvm = z
  .strictObject({
    host: Host.default('10.0.10.10').describe('Address Terraform connects to over SSH.'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port of the devvm.'),
    user: z.literal('root').default('root').describe('Remote user for provisioners; only root (the agent manages accounts).'),
    // Checked line by line at load (src/roster/host-keys.ts: each bad key is reported at its own line).
    host_keys: z.string().optional().meta({
      description:
        'The devvm\'s public SSH host keys: the output of `ssh-keyscan <host>` pasted as is (every line, "[<host>] <type> <base64>", ' +
        '# comment lines allowed), as a literal block "host_keys: |". Terraform pins the one its SSH client negotiates (ECDSA, then RSA, then ed25519) ' +
        'and refuses any other host. Required (or the deprecated host_key).',
      examples: ['10.0.10.10 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI...\n10.0.10.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...\n'],
    }),
    host_key: z
      .string()
      .optional()
      .describe('Deprecated: one "<type> <base64>" key, read as a one-line host_keys (an ed25519 key alone is refused: use host_keys).'),
    host_keys_complete: z
      .boolean()
      .default(false)
      .describe('true: host_keys are all the keys the sshd has and it has no ECDSA key, so pinning RSA or ed25519 is right (otherwise refused).'),
    connect_timeout: Duration.default('15s').describe(
      "How long each provisioner tries to connect (Terraform's connection timeout; its default, 5m, makes a wrong host key hang for minutes).",
    ),
    ssh_agent: z
      .literal(true, { error: 'must be true: the private key stays in your ssh-agent' })
      .default(true)
      .describe("Must be true: keys come from the admin's ssh-agent only, never a private key in config or state."),
    login_shell: AbsPath.default('/bin/bash').describe(
      "Login shell of every account (Debian's default /bin/bash; the homelab's devvm uses /usr/bin/zsh); a person's workstation.login_shell overrides it. Must be listed in the devvm's /etc/shells.",
    ),
    archive_dir: AbsPath.default('/var/backups/workstations').describe('Where offboarding writes home archives.'),
    preflight: z
      .strictObject({
        binaries: z
          .array(ProgramName)
          .default(['node', 'git', 'git-crypt', 'tmux', 'zstd', 'kubectl', 'kubectl-oidc_login'])
          .describe(
            "Programs the devvm must have on PATH before anyone is onboarded (zstd: offboarding archives with it). kubectl-oidc_login is int128/kubelogin, not Debian's kubelogin. " +
              'Not claude: each person has their own install, reported per person by converge.',
          ),
        systemd: z.boolean().default(true).describe('Whether systemd must be running (user slices and per-user units need it).'),
        min_free_memory: Size.default('2G').describe('Free memory the devvm must have before anyone is onboarded.'),
        min_free_swap: SizeOrZero.prefault('1G').describe('Free swap the devvm must have before anyone is onboarded.'),
        min_free_disk: Size.default('20G').describe('Free space on the filesystem holding /home.'),
      })
      .prefault({})
      .describe('What must be true on the devvm before anyone is onboarded (checked by the agent).'),
    writers: HostFileWriters.prefault({}),
  })
  .describe('The shared dev VM and how Terraform reaches it.');

export const UidRange = z
  .strictObject({
    min: Uid.default(1000).describe('Lowest uid a person may be pinned to.'),
    max: Uid.default(59999).describe('Highest uid a person may be pinned to.'),
  })
  .refine((r) => r.min <= r.max, { error: 'min must not exceed max' })
  .describe('Range every pinned uid of the roster must fall inside.');

export const Oidc = z
  .strictObject({
    issuer_url: z
      .string()
      .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~/-]*)?$/, { error: 'must be an https URL' })
      .default('https://authentik.viktorbarzin.me/application/o/kubernetes/')
      .describe('Authentik OIDC issuer for kubelogin.'),
    client_id: Username.default('kubernetes').describe('Public OIDC client id.'),
    username_prefix: OidcPrefix.default('').describe("The apiserver's --oidc-username-prefix; the Kubernetes subject is this prefix + email."),
    groups_prefix: OidcPrefix.default('').describe("The apiserver's --oidc-groups-prefix."),
    grant_type: z
      .enum(KUBELOGIN_GRANT_TYPES)
      .default('authcode-keyboard')
      .describe(
        'kubelogin grant type in every kubeconfig. authcode-keyboard (default): the person opens the login URL in their own browser and pastes the code back; no device flow and no port on the shared host. device-code: needs a device flow configured on the Authentik brand. authcode: a local callback port per person (authcode_port_base + uid - uid_range.min), reached through an SSH port forward; each port must be a redirect URI of the provider.',
      ),
    redirect_url: z
      .string()
      .regex(/^(https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~/-]*)?|urn:ietf:wg:oauth:2\.0:oob)$/, {
        error: 'must be an http(s) URL or urn:ietf:wg:oauth:2.0:oob',
      })
      .default('http://localhost:8000')
      .describe(
        "authcode-keyboard only: the redirect URI sent to Authentik; the browser lands there and the person copies the code from the address bar. Default: kubelogin's browser-flow address, which a provider set up for kubelogin already allows (kubelogin's own keyboard default, urn:ietf:wg:oauth:2.0:oob, usually is not).",
      ),
    authcode_port_base: z
      .number()
      .int()
      .min(1024)
      .max(65535)
      .default(20000)
      .describe("authcode only: a person listens on authcode_port_base + (uid - uid_range.min); every such port of the uid range must stay inside 1024..65535. The default keeps clear of kubelogin's own 8000/18000 and of the t3-serve ports from 3773."),
  })
  .describe('OIDC login of kubectl (kubelogin) against Authentik.');

/** A namespace name or glob pattern (`*` is any run of characters). */
const NamespacePattern = z.string().regex(/^[a-z0-9*][-a-z0-9*]{0,62}$/, {
  error: "must be a namespace name or glob pattern: lowercase letters, digits, '-' and '*' (any run of characters), at most 63",
});

/** A top-level KV name or glob pattern. */
const KvNamePattern = z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9._*-]*$/, {
  error: "must be a KV name or glob pattern: letters, digits, '.', '_', '-' and '*' (any run of characters), starting with a letter, digit or '*'",
});

export const Kubernetes = z
  .strictObject({
    api_server: z
      .string()
      .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?$/, { error: 'must be an https URL of host and port' })
      .meta({ description: 'API server URL written into every kubeconfig.', examples: ['https://10.0.20.100:6443'] }),
    certificate_authority_data: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: "must be base64 (letters, digits, '+' and '/', with at most two '=' at the end)" })
      .optional()
      .describe('Base64 PEM of the cluster CA (public). Absent: the system trust store is used.'),
    cluster_name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'" })
      .default('homelab')
      .describe('Name of the cluster and context in generated kubeconfigs.'),
    reserved_namespaces: z
      .array(NamespacePattern)
      .default([...DEFAULT_RESERVED_NAMESPACES])
      .meta({
        description:
          "Namespaces and glob patterns ('*' is any run of characters) no namespace-owner may own: the platform's own. " +
          'Replaces the default list; default and kube-* are reserved whatever it says.',
        examples: [['default', 'kube-*', 'vault', '0-core-*']],
      }),
  })
  .describe('The Kubernetes cluster people reach with kubectl.');

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
export const LegacyCrossCheck = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Off by default: on, every plan needs read access to the legacy secret.'),
    mount: MountName.default('secret').describe('KV v2 mount of the legacy secret.'),
    name: KvSecretName.default('platform').describe('Secret name under the mount.'),
    field: KvFieldName.default('k8s_users').describe('Field holding the JSON map {<k8s_user>: {role, ...}}.'),
    roles: z
      .strictObject({
        admin: LegacyRole.default('admin').describe('Legacy role of the admin tier.'),
        'power-user': LegacyRole.default('power-user').describe('Legacy role of the power-user tier.'),
        'namespace-owner': LegacyRole.default('namespace-owner').describe('Legacy role of the namespace-owner tier.'),
      })
      .prefault({})
      .describe('The legacy `role` value each roster tier must have (identity by default).'),
  })
  .describe("Migration check: read the legacy k8s_users map and fail the plan when a person's tier does not match the legacy role.");

export const Vault = z
  .strictObject({
    address: z
      .string()
      .regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/?$/, { error: 'must be an http(s) URL without a path' })
      .default('https://vault.viktorbarzin.me')
      .describe('Vault address (the token comes from VAULT_TOKEN).'),
    oidc_mount: MountName.default('oidc').describe('Path of the OIDC auth mount people log in with (entity alias mount).'),
    kv_mount: MountName.default('secret').describe('KV v2 mount holding per-namespace and per-person secrets.'),
    admin_policies: z
      .array(VaultPolicyName)
      .default(['vault-admin'])
      .describe("Existing Vault policies an admin's entity receives in addition to workstations-admin."),
    reserved_kv_names: z
      .array(KvNamePattern)
      .default([...DEFAULT_RESERVED_KV_NAMES])
      .meta({
        description:
          "Top-level KV names and glob patterns ('*' is any run of characters) no namespace-owner may own: a namespace-owner " +
          'gets <kv_mount>/<namespace>, so a namespace of this name would expose these secrets. Replaces the default list.',
        examples: [['platform', 'viktor', 'workstations']],
      }),
    claude_auth_path: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/, {
        error: "must be a KV path: segments of letters, digits, '_' or '-' separated by '/', no leading or trailing '/'",
      })
      .default('workstation/claude-users')
      .describe(
        "KV v2 path (under kv_mount) holding each person's Claude credentials at <kv_mount>/<claude_auth_path>/<os_user>; " +
          "each person's personal policy reaches exactly their own entry. The homelab's is workstation/claude-users.",
      ),
    legacy_cross_check: LegacyCrossCheck.prefault({}),
  })
  .describe('Vault: entities, aliases and policies per person.');

/** The homelab's Tier-1 state backend as its `scripts/tg` reaches it: the PG LoadBalancer VIP, database terraform_state. */
export const DEFAULT_STATE_BACKEND_ADDRESS = '10.0.20.200:5432/terraform_state';

export const StateBackend = z
  .strictObject({
    address: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:[0-9]+)?\/[A-Za-z0-9_.-]+(\?[A-Za-z0-9_.=&%-]*)?$/, {
        error: 'must be a host, an optional :port, then /database and optional ?parameters (no user or password: those come from Vault)',
      })
      .default(DEFAULT_STATE_BACKEND_ADDRESS)
      .describe(
        'Where the Tier-1 PG state backend is, as host[:port]/database[?params]. With PG_CONN_STR unset, plan and apply ' +
          "join it with the user and password read from creds_path into PG_CONN_STR. The homelab's: its PG LoadBalancer VIP.",
      ),
    creds_path: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/, { error: "must be a Vault path: segments of letters, digits, '_' or '-' separated by '/'" })
      .default('database/static-creds/pg-terraform-state')
      .describe("Vault path of the state backend's static database credentials (Vault's database engine)."),
  })
  .describe('The PG state backend that PG_CONN_STR is built for when it is unset (never a secret here).');

export const AuthentikGroups = z
  .strictObject({
    admin: GroupName.default('kubernetes-admins').describe('Authentik group of the admin tier.'),
    'power-user': GroupName.default('kubernetes-power-users').describe('Authentik group of the power-user tier.'),
    'namespace-owner': GroupName.default('kubernetes-namespace-owners').describe('Authentik group of the namespace-owner tier.'),
    workstation: GroupName.default('T3 Users').describe('Everyone with a workstation (active or parked): may reach the devvm.'),
  })
  .describe('Authentik groups whose membership Terraform manages.');

export const Authentik = z
  .strictObject({
    url: z
      .string()
      .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/?$/, { error: 'must be an https URL without a path' })
      .default('https://authentik.viktorbarzin.me')
      .describe('Authentik base URL for the Terraform provider (the token comes from AUTHENTIK_TOKEN).'),
    groups: AuthentikGroups.prefault({}),
  })
  .describe('Authentik: group membership per tier and for workstations.');

export const GitRepo = z
  .strictObject({
    url: GitUrl.meta({
      description: 'Git URL (https, ssh, git, file or scp-style) without credentials.',
      examples: ['https://github.com/ViktorBarzin/infra.git'],
    }),
    default_branch: BranchName.default('master').describe('Branch checked out in every clone.'),
  })
  .describe('The infra repository cloned into every workstation.');

export const ConfigBase = z
  .strictObject({
    url: GitUrl.meta({
      description: 'Git URL of the Config base (the chezmoi dotfiles repo), without credentials.',
      examples: ['https://github.com/ViktorBarzin/dotfiles.git'],
    }),
    branch: BranchName.default('master').describe('Branch of the Config base to check out.'),
    path: AbsPath.default('/opt/claude-config-base').describe('Root-owned checkout on the devvm that the managed layer links into.'),
    dir: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$|^\.$/, { error: 'must be a relative path inside the repository' })
      .refine((d) => !d.split('/').includes('..'), { error: 'must not contain ".."' })
      .default('dot_claude')
      .describe('Folder inside the repository holding skills/, agents/ and output-styles/ (chezmoi: dot_claude).'),
  })
  .describe('The Config base: shared skills, agents and output styles of the managed Claude Code layer.');

export const MemoryBudgets = z
  .strictObject({
    // One budget for everyone, equal to the t3-serve@ unit's cap, as the homelab runs it:
    // unequal slice and unit caps once caused an outage (BRIEF section 8).
    admin: Size.default('24G').describe('MemoryMax of an admin\'s user slice (default: the t3-serve@ cap, the same for everyone).'),
    'power-user': Size.default('24G').describe('MemoryMax of a power-user\'s user slice (default: the t3-serve@ cap, the same for everyone).'),
    'namespace-owner': Size.default('24G').describe('MemoryMax of a namespace-owner\'s user slice (default: the t3-serve@ cap, the same for everyone).'),
  })
  .describe('Per-tier memory budget (systemd MemoryMax of a user slice); a person\'s workstation.memory_max overrides it.');

export const Capacity = z
  .strictObject({
    ram: Size.default('32G').describe('RAM of the devvm.'),
    // SizeOrZero transforms, so its defaults are prefaults (input values): same parsed
    // value, and the JSON Schema shows them (it leaves out a default of a transform).
    swap: SizeOrZero.prefault('8G').describe('Swap of the devvm; 0 is refused (the OOM killer, not the memory caps, would decide).'),
    disk: Size.default('200G').describe('Disk of the filesystem holding /home.'),
    max_overcommit: z
      .number()
      .min(0.1, { error: 'must be at least 0.1' })
      .max(100, { error: 'must be at most 100' })
      .default(4)
      .describe(
        'Highest accepted ratio of the sum of the active workstations\' memory budgets to RAM + swap. Budgets are caps, not use: ' +
          'the devvm is overcommitted on purpose, with earlyoom as the last resort. Default 4: the homelab runs 2.4 (4 x 24G on 32G + 8G).',
      ),
    // Deprecated: accepted so an older site file still validates, ignored by the check
    // (which prints a note). Remove it from the site file.
    max_concurrent_active: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Deprecated and ignored: the capacity check now counts every active budget against max_overcommit. Remove it.'),
    headroom: Size.default('4G').describe('Memory kept free for the system and page cache.'),
    disk_per_workstation: Size.default('10G').describe('Disk each workstation is expected to use (clone, caches, Claude projects).'),
    disk_floor: Size.default('20G').describe("Free disk that must remain after every workstation's share."),
  })
  .describe('The devvm\'s capacity, checked at synth against the active workstations\' memory budgets and the accounts\' disk.');

export const Site = z
  .strictObject({
    version: z.literal(1).describe('Format version of the site file: 1.'),
    devvm: Devvm,
    uid_range: UidRange.prefault({}),
    oidc: Oidc.prefault({}),
    kubernetes: Kubernetes,
    vault: Vault.prefault({}),
    state_backend: StateBackend.prefault({}),
    authentik: Authentik.prefault({}),
    infra_repo: GitRepo,
    config_base: ConfigBase,
    memory_budgets: MemoryBudgets.prefault({}),
    capacity: Capacity.prefault({}),
    migration: Migration.prefault({}),
  })
  .describe('devvm-workstations site: everything about the place rather than the people. No secrets. Reference: README.md, section "Site reference".')
  .superRefine(authcodePortsFit);

/**
 * authcode: each person's kubelogin callback port is authcode_port_base + (uid - uid_range.min),
 * unique because uids are; the whole uid range must map inside 1024..65535.
 */
function authcodePortsFit(site: { oidc: z.infer<typeof Oidc>; uid_range: z.infer<typeof UidRange> }, ctx: z.RefinementCtx): void {
  const { grant_type, authcode_port_base } = site.oidc;
  const top = authcode_port_base + (site.uid_range.max - site.uid_range.min);
  if (grant_type === 'authcode' && top > 65535) {
    ctx.addIssue({
      code: 'custom',
      path: ['oidc', 'authcode_port_base'],
      message: `with uid_range ${site.uid_range.min}..${site.uid_range.max} the authcode ports reach ${top}, above 65535; lower the base to at most ${65535 - (site.uid_range.max - site.uid_range.min)} or narrow uid_range`,
    });
  }
}

export type Site = z.infer<typeof Site>;
export type SiteInput = z.input<typeof Site>;
