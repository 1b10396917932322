// The legacy k8s_users map the homelab's rbac stack binds (the JSON of Vault
// `secret/platform` field `k8s_users`): `{<key>: {role, email, namespaces?, ...}}`. Keys the
// import does not use (`domains`, `quota`) belong to that stack and are ignored.
import type { Site } from '../roster/site-schema';
import { Tier, TIER_NAMES } from '../roster/values';
import { parseJson } from './json-source';
import { problemAt, ImportProblem, SourcePos } from './problems';

export interface K8sUser {
  readonly key: string;
  readonly role: string;
  /** The roster tier of `role` (the site's vault.legacy_cross_check.roles). */
  readonly tier: Tier;
  readonly email: string;
  readonly namespaces: readonly string[];
  readonly pos: SourcePos;
  /** Position of a field's value, or of one element of `namespaces`. */
  readonly fieldPos: (field: 'role' | 'email' | 'namespaces', index?: number) => SourcePos;
}

export function parseK8sUsers(file: string, text: string, site: Site): { users: K8sUser[]; problems: ImportProblem[] } {
  const { source, problems } = parseJson(file, text);
  if (!source) return { users: [], problems };
  const map = source.value;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    return { users: [], problems: [problemAt(source.at([]), '', 'expected a JSON object {<k8s_user>: {role, email, namespaces?}}')] };
  }
  const roleToTier = new Map<string, Tier>(TIER_NAMES.map((t) => [site.vault.legacy_cross_check.roles[t], t]));
  const users: K8sUser[] = [];
  const out: ImportProblem[] = [];
  for (const [key, entry] of Object.entries(map as Record<string, unknown>)) {
    const pos = source.at([key], 'key');
    const bad = (where: SourcePos, field: string, message: string) => out.push(problemAt(where, field ? `${key}.${field}` : key, message));
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      bad(pos, '', 'expected an object {role, email, namespaces?}');
      continue;
    }
    const e = entry as Record<string, unknown>;
    const before = out.length;
    const fieldPos = (field: string, index?: number) => source.at(index === undefined ? [key, field] : [key, field, index]);
    if (typeof e.role !== 'string') bad(e.role === undefined ? pos : fieldPos('role'), 'role', 'role is missing or not a string');
    else if (!roleToTier.has(e.role)) bad(fieldPos('role'), 'role', `unknown role ${JSON.stringify(e.role)} (the site's vault.legacy_cross_check.roles: ${[...roleToTier.keys()].join(', ')})`);
    if (typeof e.email !== 'string') bad(e.email === undefined ? pos : fieldPos('email'), 'email', 'email is missing or not a string');
    if (e.namespaces !== undefined && !(Array.isArray(e.namespaces) && e.namespaces.every((n) => typeof n === 'string'))) {
      bad(fieldPos('namespaces'), 'namespaces', 'expected a list of strings');
    }
    if (out.length > before) continue;
    users.push({
      key,
      role: e.role as string,
      tier: roleToTier.get(e.role as string)!,
      email: e.email as string,
      namespaces: (e.namespaces as string[] | undefined) ?? [],
      pos,
      fieldPos,
    });
  }
  return { users, problems: out };
}
