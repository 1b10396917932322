// Value-level schemas shared by the roster, the site file and the derived desired state
// (the host agent re-validates with these). Every string that can reach a host command
// line or a file path is held to a strict character set here, so hostile values
// (shell metacharacters, newlines, `$(...)`) are rejected before anything runs.
import { z } from 'zod';

export const TIER_NAMES = ['admin', 'power-user', 'namespace-owner'] as const;
export const Tier = z.enum(TIER_NAMES);
export type Tier = z.infer<typeof Tier>;

/** Unix account names that belong to the system, never to a person. */
export const SYSTEM_ACCOUNTS: readonly string[] = [
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp',
  'proxy', 'www-data', 'backup', 'list', 'irc', 'gnats', 'nobody', 'nogroup', '_apt',
  'sshd', 'messagebus', 'polkitd', 'postfix', 'ntp', 'chrony', '_chrony', 'tss', 'uuidd',
  'dnsmasq', 'avahi', 'statd', 'tcpdump', 'docker', 'sudo', 'adm', 'staff', 'users',
  'admin', 'operator', 'halt', 'shutdown', 'ftp', 'postgres', 'mysql', 'redis', 'git',
  'code-shared', 'ubuntu', 'debian',
];

const OS_USER_RE = /^[a-z][a-z0-9_-]{0,31}$/;
export const OsUser = z
  .string()
  .regex(OS_USER_RE, {
    error: "must be a Unix account name: a lowercase letter, then at most 31 lowercase letters, digits, '_' or '-'",
  })
  .refine((name) => !isSystemAccount(name), { error: 'is a system account name, not a person' });

export function isSystemAccount(name: string): boolean {
  return SYSTEM_ACCOUNTS.includes(name) || name.startsWith('systemd-') || name.startsWith('_');
}

/**
 * Top-level KV names that must never be handed to a namespace-owner: `platform` holds
 * cluster-wide maps (k8s_users), `viktor` the admin's own secrets, and `workstations`
 * every person's personal path.
 */
export const RESERVED_KV_NAMES: readonly string[] = ['platform', 'viktor', 'workstations'];

/** A Kubernetes namespace a namespace-owner may own: a DNS-1123 label, not default or kube-*. */
export const Namespace = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    error: 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63, alphanumeric at both ends)',
  })
  .refine((ns) => ns !== 'default' && !ns.startsWith('kube-'), {
    error: 'must not be "default" or a kube-* system namespace',
  })
  .refine((ns) => !RESERVED_KV_NAMES.includes(ns), {
    error: "is reserved: a namespace-owner gets <kv>/<namespace> in Vault, and <kv>/platform, viktor and workstations hold cluster-wide, admin and per-person secrets",
  });

export const RepoName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'",
  })
  .refine((name) => name !== 'infra', { error: '"infra" is the infra clone itself and cannot be listed again' });

/** Email as the OIDC `email` claim: conservative so it is safe as a K8s subject and Vault alias. */
export const Email = z
  .string()
  .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/, {
    error: 'must be an email address (the OIDC email claim)',
  });

/** Authentik usernames and legacy k8s_users keys: printable identifiers, no spaces or shell syntax. */
export const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}$/, {
    error: "must start with a letter or digit and contain only letters, digits, '.', '_', '@', '+' and '-' (at most 150 characters)",
  });

/** A memory or disk size as systemd writes it: a positive integer with K, M, G or T (powers of 1024). */
export const Size = z.string().regex(/^[1-9][0-9]{0,5}[KMGT]$/, {
  error: 'must be a size like 512M, 12G or 1T (integer with K, M, G or T)',
});

/** A size that may also be 0 (swap). Never for memory caps: MemoryMax=0 kills everything. */
const SIZE_OR_ZERO_RULE = 'must be 0 or a size like 512M, 12G or 1T (integer with K, M, G or T)';
export const SizeOrZero = z
  .union([z.literal(0), z.string().regex(/^(0|[1-9][0-9]{0,5}[KMGT])$/, { error: SIZE_OR_ZERO_RULE })], { error: SIZE_OR_ZERO_RULE })
  .transform((v) => String(v));

const SIZE_FACTORS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function sizeToBytes(size: string): number {
  if (size === '0') return 0;
  const unit = size.slice(-1);
  return Number(size.slice(0, -1)) * SIZE_FACTORS[unit];
}

/** Formats bytes back into the largest exact unit (for printed arithmetic). */
export function bytesToSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const unit of ['T', 'G', 'M', 'K']) {
    if (bytes % SIZE_FACTORS[unit] === 0) return `${bytes / SIZE_FACTORS[unit]}${unit}`;
  }
  return `${bytes}`;
}

export const Uid = z.number().int({ error: 'must be an integer uid' }).min(1).max(2 ** 31 - 2);

/** An absolute host path with no surprises: no spaces, quotes, `..` or shell syntax. */
export const AbsPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]*$/, {
    error: "must be an absolute path: '/' followed by letters, digits, '.', '_', '-' and '/' only",
  })
  .refine((p) => !p.split('/').includes('..'), { error: 'must not contain ".."' });

/** A git URL (https, ssh or file). Credentials in the URL are refused: secrets never live in the repo. */
export const GitUrl = z
  .string()
  .regex(/^(https:\/\/|ssh:\/\/|git:\/\/|file:\/\/|\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)[A-Za-z0-9._~:/@+-]+$/, {
    error: 'must be an https://, ssh://, git://, file:// or scp-style git URL without spaces',
  })
  .refine((url) => !/^https:\/\/[^/]*:[^/]*@/.test(url), { error: 'must not contain credentials' })
  .refine((url) => !url.startsWith('-'), { error: 'must not begin with "-" (git would read it as an option)' });

export const BranchName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, {
    error: "must be a branch name: a letter or digit, then at most 99 letters, digits, '.', '_', '/' or '-'",
  });
