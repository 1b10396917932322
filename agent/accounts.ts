// Reading Unix accounts and groups as NSS answers them (getent, id). One shortcut: when
// nsswitch.conf makes `files` the first source of passwd, an entry found in /etc/passwd is
// what getent would print (NSS stops at the first source that has it), so it is read there
// without a child. A name /etc/passwd does not have still goes to getent (later sources).
import { readFileSync } from 'node:fs';
import { probe } from './exec';

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

const readOr = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The sources of one database in nsswitch.conf text (`passwd: files systemd` -> files, systemd). */
export function nssSources(nsswitch: string, db: string): string[] {
  for (const line of nsswitch.split('\n')) {
    const m = /^\s*([a-z_]+)\s*:(.*)$/.exec(line.replace(/#.*/, ''));
    // Actions in brackets ([NOTFOUND=return]) are not sources.
    if (m && m[1] === db) return m[2].replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/).filter(Boolean);
  }
  return [];
}

/** The passwd line for `key` (a name, or a uid if all digits) in passwd-file text, first match. */
export function passwdLine(passwd: string, key: string): string | undefined {
  const field = /^\d+$/.test(key) ? 2 : 0;
  return passwd.split('\n').find((line) => !line.startsWith('#') && line.split(':')[field] === key && line.split(':').length === 7);
}

/** The passwd line from /etc/passwd when NSS would answer from there, else undefined. */
function fromFiles(key: string): string | undefined {
  const nsswitch = readOr('/etc/nsswitch.conf');
  if (nsswitch === undefined || nssSources(nsswitch, 'passwd')[0] !== 'files') return undefined;
  const passwd = readOr('/etc/passwd');
  return passwd === undefined ? undefined : passwdLine(passwd, key);
}

/** `key`: a name, or a uid as digits (as `getent passwd` takes it). */
export function getAccount(key: string): Account | undefined {
  let line = fromFiles(key);
  if (line === undefined) {
    const r = probe('getent', ['passwd', key]);
    if (r.status !== 0) return undefined;
    line = r.stdout.trim();
  }
  const [n, , uid, gid, , home, shell] = line.split(':');
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
