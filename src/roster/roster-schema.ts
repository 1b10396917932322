// The roster's shape (roster/roster.yaml). Rules that relate several fields or several
// people (uniqueness, tier/namespace, uid range) live in roster-rules.ts, so that every
// problem can be reported at once even when the shape is partly wrong.
import { z } from 'zod';
import { Email, Namespace, OsUser, RepoName, Size, Tier, Uid, Username } from './values';

export const Workstation = z
  .strictObject({
    /** single: the infra clone is ~/code; workspace: ~/code/infra plus `repos` under ~/code. */
    code_layout: z.enum(['single', 'workspace']).default('single'),
    /** Extra repositories cloned under ~/code (workspace layout only). */
    repos: z.array(RepoName).optional(),
    /** Account and data stay; per-user daemons are disabled and stopped. */
    parked: z.boolean().default(false),
    /** Run the per-user Claude auth sync timer. Forced false when parked. */
    claude_auth: z.boolean().default(true),
    /** Overrides the tier's memory budget (systemd MemoryMax of the user slice). */
    memory_max: Size.optional(),
    /** The account predates the roster: converge only adds, and lists what cutover would change. */
    legacy: z.boolean().default(false),
  })
  .describe('A devvm account for this person. Absent: cluster access only.');

export const Person = z.strictObject({
  /** OIDC email claim: Kubernetes subject and Vault entity alias. */
  email: Email,
  /** Authentik username (group membership, ttyd map). */
  authentik_user: Username,
  /** Key into the legacy Vault secret/platform k8s_users map. Default: the os_user. */
  k8s_user: Username.optional(),
  tier: Tier,
  /** Namespaces a namespace-owner owns (required for that tier, forbidden otherwise). */
  namespaces: z.array(Namespace).optional(),
  /** Pinned Unix uid (required with a workstation). */
  uid: Uid.optional(),
  workstation: Workstation.optional(),
});

export const Roster = z.strictObject({
  version: z.literal(1),
  /** People keyed by their pinned Unix account name (os_user). */
  people: z.record(OsUser, Person),
  /** Uids of offboarded people: never handed out again. */
  retired_uids: z.array(Uid).optional(),
});

export type Roster = z.infer<typeof Roster>;
export type Person = z.infer<typeof Person>;
export type Workstation = z.infer<typeof Workstation>;
