// Reading Unix accounts and groups through getent/id (NSS-aware), never by parsing files.
import { readFileSync } from 'node:fs';
import { probe } from './exec';

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export function getAccount(name: string): Account | undefined {
  const r = probe('getent', ['passwd', name]);
  if (r.status !== 0) return undefined;
  const [n, , uid, gid, , home, shell] = r.stdout.trim().split(':');
  return { name: n, uid: Number(uid), gid: Number(gid), home, shell };
}

export function accountByUid(uid: number): Account | undefined {
  return getAccount(String(uid));
}

export function groupExists(name: string): boolean {
  return probe('getent', ['group', name]).status === 0;
}

/** Supplementary and primary group names of a user. */
export function groupsOf(name: string): string[] {
  const r = probe('id', ['-nG', name]);
  return r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : [];
}

/** Shadow fields: password hash (locked when it starts with "!") and expiry (days since epoch). */
export function shadowOf(name: string): { locked: boolean; expired: boolean } | undefined {
  const r = probe('getent', ['shadow', name]);
  if (r.status !== 0) return undefined;
  const fields = r.stdout.trim().split(':');
  const expire = fields[7];
  return { locked: fields[1].startsWith('!') || fields[1] === '*', expired: expire !== '' && Number(expire) <= Math.floor(Date.now() / 86_400_000) };
}

/** Login shells the host allows (/etc/shells: one path a line, `#` comments). */
export function listedShells(file = '/etc/shells'): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/'));
}

/** Why `shell` cannot be a login shell on this host, or undefined. */
export function shellProblem(shell: string, listed: readonly string[] = listedShells()): string | undefined {
  return listed.includes(shell)
    ? undefined
    : `login shell ${shell} is not listed in /etc/shells on the devvm: install it there (e.g. apt-get install zsh) or set another workstation.login_shell`;
}
