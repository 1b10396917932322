// Rules that relate fields or people to each other, checked on the raw YAML value so
// they are reported together with schema problems. Each rule is defensive about types
// (the schema reports wrong types; these rules only speak about well-typed values) and
// points at the offending value; a duplicate also names where the first one is.
// Lookups keyed by roster values (os_user, email, ...) use Map, never a plain object:
// an os_user such as `constructor` must not find Object.prototype's.
import { PathSegment } from './problems';
import type { Site } from './site-schema';
import {
  ALWAYS_RESERVED_NAMESPACES, DEFAULT_RESERVED_KV_NAMES, DEFAULT_RESERVED_NAMESPACES, defaultWebKey, globMatch,
  Namespace, Username, WebKey,
} from './values';

export interface RuleFinding {
  readonly path: PathSegment[];
  readonly message: string;
  /** Point at the mapping key rather than its value. */
  readonly target?: 'key' | 'value';
}

/** Renders the source position of another path, for "first defined at ..." messages. */
export type Where = (path: PathSegment[], target?: 'key' | 'value') => string;

type Raw = Record<string, unknown>;

const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

export function rosterRules(value: unknown, site: Site | undefined, where: Where): RuleFinding[] {
  if (!isObj(value) || !isObj(value.people)) return [];
  const people = Object.entries(value.people).filter((e): e is [string, Raw] => isObj(e[1]));
  const retired = Array.isArray(value.retired_uids) ? value.retired_uids : [];
  const findings: RuleFinding[] = [];

  for (const [osUser, person] of people) {
    findings.push(...tierRules(osUser, person));
    findings.push(...workstationRules(osUser, person, site, retired, where));
    findings.push(...reservedNamespaceRules(osUser, person, site));
  }
  findings.push(...unique(people, 'email', where, (p) => (typeof p.email === 'string' ? p.email.toLowerCase() : undefined), ' (case-insensitive)'));
  findings.push(...unique(people, 'authentik_user', where, (p) => (typeof p.authentik_user === 'string' ? p.authentik_user : undefined)));
  findings.push(...uniqueK8sUser(people, where));
  findings.push(...uniqueWebKey(people, where));
  findings.push(...unique(people, 'uid', where, (p) => (typeof p.uid === 'number' ? String(p.uid) : undefined)));

  if (!people.some(([, p]) => p.tier === 'admin')) {
    findings.push({
      path: ['people'],
      message: 'the roster must keep at least one admin (an admin-less roster would lock everyone out)',
      target: 'key',
    });
  }
  return findings;
}

function tierRules(osUser: string, person: Raw): RuleFinding[] {
  const base: PathSegment[] = ['people', osUser];
  const ns = person.namespaces;
  if (person.tier === 'namespace-owner') {
    if (ns === undefined) return [{ path: [...base, 'namespaces'], message: 'is required for tier namespace-owner (at least one namespace)' }];
    if (Array.isArray(ns) && ns.length === 0) return [{ path: [...base, 'namespaces'], message: 'must list at least one namespace for tier namespace-owner' }];
    if (Array.isArray(ns)) return duplicatesInList([...base, 'namespaces'], ns, 'namespace');
  } else if (typeof person.tier === 'string' && ns !== undefined) {
    return [{ path: [...base, 'namespaces'], message: `only namespace-owners own namespaces; remove it for tier ${person.tier}` }];
  }
  return [];
}

function workstationRules(osUser: string, person: Raw, site: Site | undefined, retired: unknown[], where: Where): RuleFinding[] {
  const base: PathSegment[] = ['people', osUser];
  const findings: RuleFinding[] = [];
  const ws = person.workstation;
  if (ws !== undefined && person.uid === undefined) {
    findings.push({ path: [...base, 'uid'], message: 'is required when the person has a workstation (pinned Unix uid)' });
  }
  const uid = person.uid;
  if (typeof uid === 'number' && Number.isInteger(uid)) {
    if (site && (uid < site.uid_range.min || uid > site.uid_range.max)) {
      findings.push({ path: [...base, 'uid'], message: `uid ${uid} is outside the site uid range ${site.uid_range.min}-${site.uid_range.max}` });
    }
    const r = retired.indexOf(uid);
    if (r >= 0) {
      findings.push({ path: [...base, 'uid'], message: `uid ${uid} is retired (listed at ${where(['retired_uids', r])}); retired uids are never reused` });
    }
  }
  if (isObj(ws) && ws.repos !== undefined) {
    if ((ws.code_layout ?? 'single') !== 'workspace') {
      findings.push({ path: [...base, 'workstation', 'repos'], message: 'is only allowed with code_layout: workspace' });
    } else if (Array.isArray(ws.repos)) {
      findings.push(...duplicatesInList([...base, 'workstation', 'repos'], ws.repos, 'repository'));
    }
  }
  return findings;
}

/**
 * A namespace-owner gets the `admin` role in each namespace and `<kv_mount>/<namespace>`
 * in Vault, so the platform's namespaces and KV names are never theirs to own. The lists
 * come from the site (its defaults when the site itself is invalid, so the rule never
 * silently disappears); `default` and `kube-*` are Kubernetes' own whatever it says.
 */
function reservedNamespaceRules(osUser: string, person: Raw, site: Site | undefined): RuleFinding[] {
  // Other tiers may not list namespaces at all (tierRules says so): one line per cause.
  if (person.tier !== 'namespace-owner' || !Array.isArray(person.namespaces)) return [];
  const namespaces = site?.kubernetes.reserved_namespaces ?? DEFAULT_RESERVED_NAMESPACES;
  const kvNames = site?.vault.reserved_kv_names ?? DEFAULT_RESERVED_KV_NAMES;
  const kv = site?.vault.kv_mount ?? 'secret';
  const findings: RuleFinding[] = [];
  person.namespaces.forEach((ns, i) => {
    if (typeof ns !== 'string' || !Namespace.safeParse(ns).success) return;
    const path: PathSegment[] = ['people', osUser, 'namespaces', i];
    const always = ALWAYS_RESERVED_NAMESPACES.find((p) => globMatch(p, ns));
    const bySite = namespaces.find((p) => globMatch(p, ns));
    const byKv = kvNames.find((p) => globMatch(p, ns));
    if (always !== undefined) {
      findings.push({ path, message: `namespace ${JSON.stringify(ns)} is reserved: it matches ${JSON.stringify(always)}, Kubernetes' own namespaces (reserved whatever kubernetes.reserved_namespaces says)` });
    } else if (bySite !== undefined) {
      findings.push({ path, message: `namespace ${JSON.stringify(ns)} is reserved by the site rule kubernetes.reserved_namespaces (it matches ${JSON.stringify(bySite)}): the platform's own namespaces are never owned by a namespace-owner` });
    } else if (byKv !== undefined) {
      findings.push({ path, message: `namespace ${JSON.stringify(ns)} is reserved by the site rule vault.reserved_kv_names (it matches ${JSON.stringify(byKv)}): a namespace-owner gets ${kv}/${ns} in Vault, which holds platform secrets` });
    }
  });
  return findings;
}

function duplicatesInList(path: PathSegment[], list: unknown[], what: string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  list.forEach((item, i) => {
    const first = list.indexOf(item);
    if (first < i) findings.push({ path: [...path, i], message: `${what} ${JSON.stringify(item)} is listed twice (first at index ${first})` });
  });
  return findings;
}

function unique(
  people: [string, Raw][],
  field: string,
  where: Where,
  keyOf: (p: Raw) => string | undefined,
  note = '',
): RuleFinding[] {
  const first = new Map<string, string>();
  const findings: RuleFinding[] = [];
  for (const [osUser, person] of people) {
    const key = keyOf(person);
    if (key === undefined) continue;
    const owner = first.get(key);
    if (owner === undefined) {
      first.set(key, osUser);
    } else {
      findings.push({
        path: ['people', osUser, field],
        message: `${field} ${JSON.stringify(person[field])} is already used by ${owner}${note} (first at ${where(['people', owner, field])})`,
      });
    }
  }
  return findings;
}

/** k8s_user defaults to the os_user, so an explicit k8s_user may collide with another person's default. */
function uniqueK8sUser(people: [string, Raw][], where: Where): RuleFinding[] {
  const first = new Map<string, { osUser: string; explicit: boolean }>();
  const findings: RuleFinding[] = [];
  const effective = people.map(([osUser, p]) => ({
    osUser,
    explicit: typeof p.k8s_user === 'string',
    key: typeof p.k8s_user === 'string' ? p.k8s_user : osUser,
  }));
  // Implicit defaults first, so the explicit value (the one someone can change) is the one reported.
  const ordered = [...effective.filter((e) => !e.explicit), ...effective.filter((e) => e.explicit)];
  for (const e of ordered) {
    const owner = first.get(e.key);
    if (!owner) {
      first.set(e.key, e);
      continue;
    }
    const ownerPlace = owner.explicit ? where(['people', owner.osUser, 'k8s_user']) : where(['people', owner.osUser], 'key');
    const ownerDesc = owner.explicit ? owner.osUser : `${owner.osUser} (its default k8s_user)`;
    findings.push({
      path: ['people', e.osUser, 'k8s_user'],
      message: `k8s_user ${JSON.stringify(e.key)} is already used by ${ownerDesc} (first at ${ownerPlace})`,
      target: e.explicit ? 'value' : 'key',
    });
  }
  return findings;
}

/**
 * The web key (ttyd map line `<web_key>=<os_user>`, t3 dispatch JSON key) defaults to the
 * local part of the Authentik username, so two people with a workstation whose usernames
 * share a local part (`emil@a.example`, `Emil@b.example`) collide: the web terminal would
 * map both to one account. Case-insensitive, explicit values reported over defaults.
 */
interface WebKeyEntry {
  readonly osUser: string;
  readonly explicit: boolean;
  readonly key: string;
  /** The authentik_user the default came from ('' for an explicit web_key). */
  readonly user: string;
}

function uniqueWebKey(people: [string, Raw][], where: Where): RuleFinding[] {
  const entries = people.flatMap(([osUser, p]): WebKeyEntry[] => {
    if (!isObj(p.workstation)) return [];
    const explicit = p.workstation.web_key;
    if (explicit !== undefined) return WebKey.safeParse(explicit).success ? [{ osUser, explicit: true, key: explicit as string, user: '' }] : [];
    if (!Username.safeParse(p.authentik_user).success) return [];
    const user = p.authentik_user as string;
    return [{ osUser, explicit: false, key: defaultWebKey(user), user }];
  });
  const ordered = [...entries.filter((e) => !e.explicit), ...entries.filter((e) => e.explicit)];
  const first = new Map<string, WebKeyEntry>();
  const findings: RuleFinding[] = [];
  const place = (e: WebKeyEntry) =>
    e.explicit ? where(['people', e.osUser, 'workstation', 'web_key']) : where(['people', e.osUser, 'authentik_user']);
  for (const e of ordered) {
    const owner = first.get(e.key.toLowerCase());
    if (!owner) {
      first.set(e.key.toLowerCase(), e);
      continue;
    }
    // The same authentik_user twice is already reported by its own uniqueness rule.
    if (!owner.explicit && !e.explicit && owner.user === e.user) continue;
    const ownerDesc = owner.explicit ? owner.osUser : `${owner.osUser} (the local part of its authentik_user)`;
    findings.push(
      e.explicit
        ? {
            path: ['people', e.osUser, 'workstation', 'web_key'],
            message: `web key ${JSON.stringify(e.key)} is already used by ${ownerDesc} (case-insensitive; first at ${place(owner)})`,
          }
        : {
            path: ['people', e.osUser, 'authentik_user'],
            message:
              `its web key ${JSON.stringify(e.key)} (the local part of authentik_user) is already used by ${ownerDesc} ` +
              `(case-insensitive; first at ${place(owner)}): set workstation.web_key to tell them apart`,
          },
    );
  }
  return findings;
}
