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

// A Unix account name that is also a valid Kubernetes label value (the os_user is written
// as one): label values end with a letter or digit, so `emo_` and `emo-` are refused here
// rather than by the API at apply. One pattern, so editors flag it too (roster.schema.json).
const OS_USER_RE = /^[a-z]([a-z0-9_-]{0,30}[a-z0-9])?$/;
export const OS_USER_RULE =
  "must be a Unix account name that is also a Kubernetes label value: a lowercase letter, then at most 31 lowercase letters, digits, '_' or '-', ending with a letter or digit";
export const OsUser = z
  .string()
  .regex(OS_USER_RE, { error: OS_USER_RULE })
  .refine((name) => !isSystemAccount(name), { error: 'is a system account name, not a person' });

export function isSystemAccount(name: string): boolean {
  return SYSTEM_ACCOUNTS.includes(name) || name.startsWith('systemd-') || name.startsWith('_');
}

/**
 * Namespaces never handed to a namespace-owner (site `kubernetes.reserved_namespaces`
 * default): Kubernetes' own (`default`, `kube-*`), the homelab's platform namespaces and
 * its Namespace tier prefixes. Glob patterns: `*` matches any run of characters.
 */
export const DEFAULT_RESERVED_NAMESPACES: readonly string[] = [
  'default', 'kube-*',
  'vault', 'authentik', 'cert-manager', 'longhorn-system', 'metallb-system', 'monitoring',
  'ingress-nginx', 'traefik', 'kyverno', 'dbaas', 'technitium', 'cloudflared', 'mailserver',
  'workstations', '0-core-*', '1-cluster-*',
];

/**
 * Top-level KV names never handed to a namespace-owner, who gets `<kv>/<namespace>` in
 * Vault (site `vault.reserved_kv_names` default): `platform` holds cluster-wide maps
 * (k8s_users), `viktor` the admin's own secrets, `workstations` every person's personal
 * path, `claude-users` and `workstation` the shipped system's per-user Claude and devvm
 * secrets.
 */
export const DEFAULT_RESERVED_KV_NAMES: readonly string[] = ['platform', 'viktor', 'workstations', 'claude-users', 'workstation'];

/** Kubernetes' own namespaces: reserved whatever the site says. */
export const ALWAYS_RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-*'];

/** Whether `name` matches a glob pattern where `*` is any run of characters (possibly empty). */
export function globMatch(pattern: string, name: string): boolean {
  // Most patterns are plain names: compared without splitting (every namespace of a roster
  // is matched against every reserved pattern).
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const [head, ...rest] = parts;
  const tail = rest.pop()!;
  if (!name.startsWith(head) || name.length < head.length + tail.length || !name.endsWith(tail)) return false;
  let at = head.length;
  const end = name.length - tail.length;
  for (const middle of rest) {
    const found = name.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** A Kubernetes namespace a namespace-owner may own: a DNS-1123 label (reserved names are a site rule). */
export const Namespace = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    error: 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63, alphanumeric at both ends)',
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

/**
 * Authentik usernames and legacy k8s_users keys: printable identifiers, no spaces or shell
 * syntax. Authentik usernames are often emails (`emil.barzin@viktorbarzin.me`): accepted.
 */
export const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}$/, {
    error: "must start with a letter or digit and contain only letters, digits, '.', '_', '@', '+' and '-' (at most 150 characters)",
  });

/**
 * The key the web terminal (`/etc/ttyd-user-map` lines `<web_key>=<os_user>`) and t3's
 * dispatch map (a JSON key) use for a person: no '=', whitespace, '@' or newline.
 */
export const WebKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,149}$/, {
    error: "must start with a letter or digit and contain only letters, digits, '.', '_', '+' and '-' (at most 150 characters)",
  });

/** The default web key: the local part of the Authentik username (before the first '@'), or all of it. */
export function defaultWebKey(authentikUser: string): string {
  const at = authentikUser.indexOf('@');
  return at < 0 ? authentikUser : authentikUser.slice(0, at);
}

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
