// The pure core of `npm run import`: from the parsed sources, the people of a first roster
// and every disagreement between the sources. Each value comes from one named line; where
// two sources say different things, or a value would have to be guessed, the result is a
// problem naming the line, never a silent choice.
import type { Site } from '../roster/site-schema';
import { defaultWebKey, OsUser, Tier, TIER_NAMES } from '../roster/values';
import { MANAGED_UNIX_GROUPS, TIER_PROFILES } from '../tiers/profiles';
import type { AuthentikGroup, AuthentikMember } from './authentik-export';
import type { GroupEntry, PasswdEntry } from './etc-files';
import type { K8sUser } from './k8s-users';
import { cite, problemAt, ImportProblem, SourcePos } from './problems';
import type { ShippedRow } from './shipped-roster';

export interface ImportSources {
  readonly shipped: { readonly file: string; readonly rows: readonly ShippedRow[] };
  readonly k8sUsers: { readonly file: string; readonly users: readonly K8sUser[] };
  readonly passwd: { readonly file: string; readonly entries: readonly PasswdEntry[] };
  readonly group: { readonly file: string; readonly entries: readonly GroupEntry[] };
  readonly authentik?: { readonly file: string; readonly groups: readonly AuthentikGroup[] };
}

export interface ImportedWorkstation {
  readonly legacy: true;
  readonly code_layout?: 'workspace';
  readonly repos?: readonly string[];
  readonly parked?: true;
  readonly claude_auth?: false;
  readonly web_key?: string;
  readonly login_shell?: string;
}

export interface ImportedPerson {
  readonly osUser: string;
  readonly email?: string;
  readonly authentikUser?: string;
  /** Written only when it differs from the os_user (the roster's default). */
  readonly k8sUser?: string;
  readonly tier: Tier;
  readonly namespaces?: readonly string[];
  readonly uid?: number;
  readonly workstation?: ImportedWorkstation;
  /** The lines this person was read from (the output's comment). */
  readonly sources: readonly SourcePos[];
  /** Where each roster field came from, so the validator's findings point at a source line. */
  readonly fieldSource: Readonly<Record<string, SourcePos>>;
}

export interface Reconciled {
  readonly people: readonly ImportedPerson[];
  readonly problems: readonly ImportProblem[];
}

/** Shells that refuse a login: an account with one is locked, whatever a roster says. */
const NO_LOGIN_SHELLS = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false'];

interface Candidate {
  readonly osUser: string;
  readonly row?: ShippedRow;
  readonly k8s?: K8sUser;
}

export function reconcile(src: ImportSources, site: Site): Reconciled {
  const problems: ImportProblem[] = [];
  const p = (pos: SourcePos, path: string, message: string, people: readonly string[] = []) => problems.push(problemAt(pos, path, message, people));
  const k8sFile = src.k8sUsers.file;
  const passwdFile = src.passwd.file;

  // passwd: one account per name, one name per uid.
  const accounts = new Map<string, PasswdEntry>();
  const byUid = new Map<number, PasswdEntry>();
  for (const e of src.passwd.entries) {
    const first = accounts.get(e.name);
    if (first) {
      p(e.pos, e.name, `account ${e.name} is listed twice (first at ${cite(first.pos)})`, [e.name]);
      continue;
    }
    accounts.set(e.name, e);
    const clash = byUid.get(e.uid);
    if (clash) p(e.uidPos, e.name, `uid clash: uid ${e.uid} is also ${clash.name}'s (${cite(clash.pos)}); a pinned uid must be one person's`, [e.name, clash.name]);
    else byUid.set(e.uid, e);
  }

  // Who is who: every shipped row (commented ones too: a removed person), then every
  // k8s_users entry no row names (a cluster-only person, keyed by its k8s_users key).
  const k8sByKey = new Map(src.k8sUsers.users.map((u) => [u.key, u]));
  const candidates: Candidate[] = [];
  const claimed = new Map<string, ShippedRow>();
  for (const row of src.shipped.rows) {
    const other = claimed.get(row.k8sUser);
    if (other) {
      p(row.fieldPos('k8s_user'), `users.${row.osUser}.k8s_user`, `k8s_user ${row.k8sUser} is also ${other.osUser}'s (${cite(other.pos)})`, [row.osUser, other.osUser]);
      continue;
    }
    claimed.set(row.k8sUser, row);
    candidates.push({ osUser: row.osUser, row, k8s: k8sByKey.get(row.k8sUser) });
  }
  const rowOsUsers = new Map(src.shipped.rows.map((r) => [r.osUser, r]));
  for (const k of src.k8sUsers.users) {
    if (claimed.has(k.key)) continue;
    const row = rowOsUsers.get(k.key);
    if (row) {
      p(k.pos, k.key, `k8s_users key ${k.key} is the os_user of the shipped row at ${cite(row.pos)}, whose k8s_user is ${row.k8sUser}: one of the two is wrong`, [k.key]);
      continue;
    }
    candidates.push({ osUser: k.key, k8s: k });
  }

  const people: ImportedPerson[] = [];
  const usedAccounts = new Set<string>();
  const siteGroups = [...TIER_NAMES.map((t) => site.authentik.groups[t]), site.authentik.groups.workstation];
  const authentik = src.authentik && authentikIndex(src.authentik.groups.filter((g) => siteGroups.includes(g.name)));
  const matchedMembers = new Set<string>();
  for (const c of candidates) {
    const person = importOne(c);
    if (person) people.push(person);
  }

  function importOne({ osUser, row, k8s }: Candidate): ImportedPerson | undefined {
    const acct = accounts.get(osUser);
    const who = [osUser];
    const name = OsUser.safeParse(osUser);
    if (!name.success) {
      p(row?.pos ?? k8s!.pos, osUser, `${JSON.stringify(osUser)} cannot be an os_user (${name.error.issues[0].message})${row ? '' : ': add a shipped row naming its Unix account and k8s_user'}`, who);
      return undefined;
    }
    const sources: SourcePos[] = [];
    const fieldSource: Record<string, SourcePos> = {};
    if (row) sources.push(row.pos);
    if (k8s) sources.push(k8s.pos);

    // A devvm workstation exists exactly when passwd has the account.
    let workstation = false;
    if (row?.active && !acct) {
      p(row.pos, `users.${osUser}`, `in the shipped roster but ${passwdFile} has no account ${osUser}: onboard them after the import, or comment the row out`, who);
    } else if (row && !row.active && acct) {
      usedAccounts.add(osUser);
      p(row.pos, `users.${osUser}`, `this row is commented out (removed from the devvm) but ${passwdFile} still has the account (${cite(acct.pos)}, uid ${acct.uid}): uncomment it (add parked: true to keep it idle) or remove the account`, who);
    } else if (!row && acct) {
      usedAccounts.add(osUser);
      p(k8s!.pos, osUser, `${osUser} is in ${k8sFile} and has a devvm account (${cite(acct.pos)}) but no row in the shipped roster (${src.shipped.file}): add its row (its Authentik username and settings are not in these files)`, who);
    } else if (row?.active && acct) {
      usedAccounts.add(osUser);
      workstation = true;
      sources.push(acct.pos);
      fieldSource.uid = acct.uidPos;
      if (NO_LOGIN_SHELLS.includes(acct.shell)) {
        p(acct.shellPos, osUser, `the account's shell is ${acct.shell} (no login), but the shipped roster lists ${osUser} as an active workstation: give the account a login shell, or comment the row out`, who);
      }
      if (acct.uid < site.uid_range.min || acct.uid > site.uid_range.max) {
        p(acct.uidPos, osUser, `uid ${acct.uid} is outside the site's uid_range ${site.uid_range.min}..${site.uid_range.max}: widen uid_range (the uid is pinned, never changed)`, who);
      }
    } else if (row && !row.active && !k8s) {
      return undefined; // removed in the shipped system and not in the cluster's map: nobody to import
    }

    // Tier: the shipped row and the cluster's map must agree.
    let tier: Tier;
    if (row && k8s) {
      tier = row.tier;
      fieldSource.tier = row.fieldPos('tier');
      if (row.tier !== k8s.tier) {
        p(row.fieldPos('tier'), `users.${osUser}.tier`, `tier ${row.tier} here, but ${k8sFile} gives ${row.k8sUser} role ${k8s.role} (${cite(k8s.fieldPos('role'))}): make them agree`, who);
      }
    } else if (row) {
      tier = row.tier;
      fieldSource.tier = row.fieldPos('tier');
      p(row.fieldPos('k8s_user'), `users.${osUser}.k8s_user`, `k8s_user ${row.k8sUser} is not in ${k8sFile}: the cluster grants them nothing today, so tier ${row.tier} cannot be confirmed`, who);
    } else {
      tier = k8s!.tier;
      fieldSource.tier = k8s!.fieldPos('role');
    }

    // Namespaces: namespace-owners only, the same in both sources.
    let namespaces: readonly string[] | undefined;
    if (k8s && k8s.tier !== 'namespace-owner' && k8s.namespaces.length > 0) {
      p(k8s.fieldPos('namespaces'), `${k8s.key}.namespaces`, `role ${k8s.role} has namespaces; the roster allows namespaces only for namespace-owner`, who);
    }
    if (row?.namespaces?.length && tier !== 'namespace-owner') {
      p(row.fieldPos('namespaces'), `users.${osUser}.namespaces`, `tier ${tier} has namespaces; the roster allows namespaces only for namespace-owner`, who);
    }
    if (tier === 'namespace-owner') {
      const fromRow = row?.namespaces ?? [];
      const fromK8s = k8s?.namespaces ?? [];
      if (row && k8s && fromRow.length > 0 && !sameSet(fromRow, fromK8s)) {
        p(row.fieldPos('namespaces'), `users.${osUser}.namespaces`, `namespaces [${fromRow.join(', ')}] here, but ${k8sFile} has [${fromK8s.join(', ')}] (${cite(k8s.fieldPos('namespaces'))}): make them agree`, who);
      }
      namespaces = fromK8s.length > 0 ? fromK8s : fromRow;
      fieldSource.namespaces = fromK8s.length > 0 ? k8s!.fieldPos('namespaces') : row?.fieldPos('namespaces') ?? k8s!.pos;
      if (fromK8s.length > 0) fromK8s.forEach((_, i) => (fieldSource[`namespaces.${i}`] = k8s!.fieldPos('namespaces', i)));
      if (namespaces.length === 0) p(k8s?.pos ?? row!.pos, osUser, 'a namespace-owner without namespaces: neither source names one', who);
    }

    // Email (the OIDC claim) from the cluster's map; Authentik username from the export.
    let email = k8s?.email;
    if (k8s) fieldSource.email = k8s.fieldPos('email');
    let authentikUser = row?.authentikUser;
    if (row) fieldSource.authentik_user = row.fieldPos('authentik_user');
    if (authentik) {
      const found = resolveAuthentik(osUser, row, k8s, tier, workstation);
      if (found) {
        authentikUser = found.username;
        fieldSource.authentik_user = found.pos;
        sources.push(found.pos);
        if (!email) {
          email = found.email;
          fieldSource.email = found.emailPos;
        }
      }
    } else if (!row) {
      p(k8s!.pos, osUser, `no Authentik username: ${osUser} is only in ${k8sFile}; give the Authentik export (--authentik-groups) or add a shipped row`, who);
    }
    // No email only when the row's k8s_user is not in the map: reported above, the person is disputed.

    // Unix groups the product manages must match what the tier grants.
    if (workstation) {
      for (const g of src.group.entries) {
        if (!(MANAGED_UNIX_GROUPS as readonly string[]).includes(g.name)) continue;
        const member = g.memberPos.get(osUser) ?? (acct!.gid === g.gid ? acct!.pos : undefined);
        if (member && !(TIER_PROFILES[tier].unixGroups as readonly string[]).includes(g.name)) {
          const grants = TIER_NAMES.filter((t) => (TIER_PROFILES[t].unixGroups as readonly string[]).includes(g.name));
          p(member, osUser, `${osUser} is in group ${g.name}, which tier ${tier} does not grant (only ${grants.join(', ')}): fix the tier or the membership (a legacy account keeps the group until cutover)`, who);
        }
      }
    }

    let ws: ImportedWorkstation | undefined;
    if (workstation) {
      const webKey = row!.authentikUser;
      ws = {
        legacy: true,
        ...(row!.codeLayout === 'workspace' ? { code_layout: 'workspace' as const } : {}),
        ...(row!.repos?.length ? { repos: row!.repos } : {}),
        ...(row!.parked ? { parked: true as const } : {}),
        ...(row!.claudeAuth === false ? { claude_auth: false as const } : {}),
        ...(authentikUser && defaultWebKey(authentikUser) !== webKey ? { web_key: webKey } : {}),
        ...(acct!.shell !== site.devvm.login_shell ? { login_shell: acct!.shell } : {}),
      };
      fieldSource['workstation.web_key'] = row!.fieldPos('authentik_user');
      fieldSource['workstation.login_shell'] = acct!.shellPos;
      for (const k of ['code_layout', 'repos', 'parked', 'claude_auth']) fieldSource[`workstation.${k}`] = row!.fieldPos(k);
    }
    const k8sKey = row?.k8sUser ?? k8s?.key;
    if (k8sKey !== undefined && k8sKey !== osUser) fieldSource.k8s_user = row?.fieldPos('k8s_user') ?? k8s!.pos;
    return {
      osUser,
      email,
      authentikUser,
      ...(k8sKey !== undefined && k8sKey !== osUser ? { k8sUser: k8sKey } : {}),
      tier,
      ...(namespaces?.length ? { namespaces } : {}),
      ...(workstation ? { uid: acct!.uid } : {}),
      ...(ws ? { workstation: ws } : {}),
      sources: sources.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
      fieldSource,
    };
  }

  function resolveAuthentik(osUser: string, row: ShippedRow | undefined, k8s: K8sUser | undefined, tier: Tier, workstation: boolean): IndexedUser | undefined {
    const who = [osUser];
    const shipped = row?.authentikUser;
    const email = k8s?.email.toLowerCase();
    const hits = [...authentik!.values()].filter(
      (u) => (shipped !== undefined && (u.username === shipped || defaultWebKey(u.username) === shipped)) || (email !== undefined && u.email.toLowerCase() === email),
    );
    const at = row?.fieldPos('authentik_user') ?? k8s!.pos;
    const file = src.authentik!.file;
    if (hits.length === 0) {
      const keys = [shipped && `username ${shipped}`, email && `email ${k8s!.email}`].filter(Boolean).join(' or ');
      p(at, row ? `users.${osUser}.authentik_user` : osUser, `not in the Authentik export (${file}): no member of its groups has ${keys}, so the Authentik username cannot be confirmed`, who);
      return undefined;
    }
    if (hits.length > 1) {
      for (const u of hits) matchedMembers.add(u.username); // accounted for by this problem
      p(at, row ? `users.${osUser}.authentik_user` : osUser, `matches several Authentik users: ${hits.map((u) => `${u.username} (${cite(u.pos)})`).join(', ')}`, who);
      return undefined;
    }
    const u = hits[0];
    matchedMembers.add(u.username);
    if (k8s && u.email.toLowerCase() !== k8s.email.toLowerCase()) {
      p(u.emailPos, u.username, `Authentik has email ${u.email} for ${u.username}, but ${k8sFile} has ${k8s.email} for ${k8s.key} (${cite(k8s.fieldPos('email'))})`, who);
    }
    for (const t of TIER_NAMES) {
      const m = u.groups.get(site.authentik.groups[t]);
      if (m && t !== tier) p(m.pos, u.username, `${u.username} is a member of ${site.authentik.groups[t]} (tier ${t}), but ${osUser}'s tier is ${tier}`, who);
    }
    const wsGroup = site.authentik.groups.workstation;
    const inWs = u.groups.get(wsGroup);
    if (inWs && !workstation) p(inWs.pos, u.username, `${u.username} is a member of ${wsGroup} (may use the devvm), but ${osUser} has no devvm workstation in these files`, who);
    if (!inWs && workstation) p(at, row ? `users.${osUser}.authentik_user` : osUser, `${osUser} has a devvm workstation, but ${u.username} is not a member of ${wsGroup} in ${file}`, who);
    return u;
  }

  // Leftovers: accounts and Authentik members no source explains.
  for (const e of src.passwd.entries) {
    if (usedAccounts.has(e.name) || accounts.get(e.name) !== e || e.uid < site.uid_range.min || e.uid > site.uid_range.max) continue;
    if (people.some((x) => x.osUser === e.name)) continue;
    p(e.pos, e.name, `account ${e.name} (uid ${e.uid}, inside the uid_range) is in neither ${src.shipped.file} nor ${k8sFile}: add a shipped row if it is a person (if it is not, --allow-problems writes the roster without it)`);
  }
  if (src.authentik && authentik) {
    for (const name of siteGroups) {
      if (!src.authentik.groups.some((g) => g.name === name)) p({ file: src.authentik.file, line: 1, col: 1 }, '', `the export has no group ${JSON.stringify(name)} (a group the site names in authentik.groups)`);
    }
    for (const u of authentik.values()) {
      if (matchedMembers.has(u.username)) continue;
      const [group, m] = [...u.groups.entries()][0];
      p(m.pos, u.username, `${u.username} is a member of ${group} but in no other source: add them to the roster's sources, or they lose the group when the Authentik plane is owned`);
    }
  }

  // One email per person (the Kubernetes subject and Vault alias).
  const byEmail = new Map<string, ImportedPerson>();
  for (const person of people) {
    if (!person.email) continue;
    const first = byEmail.get(person.email.toLowerCase());
    if (first) p(person.fieldSource.email, person.osUser, `email ${person.email} is also ${first.osUser}'s (${cite(first.fieldSource.email)})`, [person.osUser, first.osUser]);
    else byEmail.set(person.email.toLowerCase(), person);
  }
  return { people: people.sort((a, b) => (a.osUser < b.osUser ? -1 : a.osUser > b.osUser ? 1 : 0)), problems };
}

interface IndexedUser {
  readonly username: string;
  readonly email: string;
  readonly pos: SourcePos;
  readonly emailPos: SourcePos;
  /** Groups (of the site's) this user is a member of, with the member entry. */
  readonly groups: Map<string, AuthentikMember>;
}

/** Every member of the site's exported groups, by username (first occurrence gives the position). */
function authentikIndex(groups: readonly AuthentikGroup[]): Map<string, IndexedUser> {
  const users = new Map<string, IndexedUser>();
  for (const g of groups) {
    for (const m of g.members) {
      const u = users.get(m.username) ?? { username: m.username, email: m.email, pos: m.pos, emailPos: m.emailPos, groups: new Map() };
      if (!u.groups.has(g.name)) u.groups.set(g.name, m);
      users.set(m.username, u);
    }
  }
  return users;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
