// The roster's shape (roster/roster.yaml). Rules that relate several fields or several
// people (uniqueness, tier/namespace, uid range) live in roster-rules.ts, so that every
// problem can be reported at once even when the shape is partly wrong. The descriptions
// are what an editor shows on hover (roster/roster.schema.json is generated from here).
import { z } from 'zod';
import { AbsPath, Email, Namespace, OsUser, RepoName, Size, Tier, Uid, Username, WebKey } from './values';

export const Workstation = z
  .strictObject({
    code_layout: z
      .enum(['single', 'workspace'])
      .default('single')
      .describe('single: the infra clone is ~/code; workspace: ~/code/infra plus `repos` under ~/code.'),
    repos: z
      .array(RepoName.describe('Name of a repository on the infra repo\'s host and owner, cloned to ~/code/<name>.'))
      .optional()
      .meta({
        description: 'Extra repositories cloned under ~/code (workspace layout only); not "infra", no repeats.',
        examples: [['blog', 'website']],
      }),
    parked: z
      .boolean()
      .default(false)
      .describe('Account and data stay; per-user daemons are disabled and stopped.'),
    claude_auth: z
      .boolean()
      .default(true)
      .describe('Run the per-user Claude auth sync timer. Forced false when parked.'),
    memory_max: Size.optional().meta({
      description:
        "Overrides the tier's memory budget (systemd MemoryMax of the user slice): an integer with K, M, G or T. Counted by the capacity check. Default: the tier's budget in site.yaml memory_budgets.",
      examples: ['12G'],
    }),
    web_key: WebKey.optional().meta({
      description:
        "Key of this person in the web terminal's /etc/ttyd-user-map (<web_key>=<os_user>) and t3's dispatch map. Default: the local part of authentik_user (before '@'; all of it without '@'). Unique, case-insensitive, among people with a workstation.",
      examples: ['emil.barzin'],
    }),
    legacy: z
      .boolean()
      .default(false)
      .describe('The account predates the roster: converge only adds, and lists what `cutover` would change. Remove it after cutover.'),
    login_shell: AbsPath.optional().meta({
      description:
        "This person's login shell, overriding the site's devvm.login_shell (an absolute path listed in the devvm's /etc/shells). A change is applied to the existing account (usermod -s), except for legacy accounts (pending cutover).",
      examples: ['/usr/bin/zsh'],
    }),
  })
  .describe('A devvm account for this person ({} takes every default). Absent: cluster access only.');

export const Person = z
  .strictObject({
    email: Email.meta({
      description: 'OIDC email claim: the Kubernetes subject and the Vault entity alias. Unique, case-insensitive.',
      examples: ['emil.barzin@example.com'],
    }),
    authentik_user: Username.meta({
      description: "Authentik username as Authentik has it (often an email): group membership. Unique. Its local part (before '@') is the default workstation.web_key.",
      examples: ['emil.barzin@viktorbarzin.me'],
    }),
    k8s_user: Username.optional().describe(
      'Key into the legacy Vault secret/platform k8s_users map. Default: the os_user. Unique, also against other people\'s defaults.',
    ),
    tier: Tier.describe('The RBAC tier, the single identity axis: admin, power-user or namespace-owner.'),
    namespaces: z
      .array(Namespace.describe('A Kubernetes namespace (DNS-1123 label), not one the site reserves (kubernetes.reserved_namespaces, vault.reserved_kv_names).'))
      .optional()
      .meta({
        description: 'Namespaces a namespace-owner owns: required for that tier (at least one, no repeats), forbidden otherwise. The first is the kubeconfig\'s default namespace.',
        examples: [['plotting-book']],
      }),
    uid: Uid.optional().meta({
      description: 'Pinned Unix uid: required with a workstation; unique; inside the site uid_range; never one of retired_uids.',
      examples: [1001],
    }),
    workstation: Workstation.optional(),
  })
  .describe('A person, keyed by their os_user (the pinned Unix account name).');

export const Roster = z
  .strictObject({
    version: z.literal(1).describe('Format version of the roster: 1.'),
    people: z
      .record(OsUser.describe('os_user: the pinned Unix account name (lowercase letter, then lowercase letters, digits, _ or -; ends with a letter or digit).'), Person)
      .describe('People keyed by os_user. At least one admin must remain; every other tier may be empty.'),
    retired_uids: z
      .array(Uid)
      .optional()
      .meta({ description: 'Uids of offboarded people: never handed out again.', examples: [[1003]] }),
  })
  .describe('devvm-workstations roster: who has access. Reference: README.md, section "Roster reference".');

export type Roster = z.infer<typeof Roster>;
export type Person = z.infer<typeof Person>;
export type Workstation = z.infer<typeof Workstation>;
