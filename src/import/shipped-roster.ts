// The shipped bash system's roster (`scripts/workstation/roster.yaml` of the homelab's infra
// repo): `users: {<os_user>: {authentik_user, k8s_user, tier, namespaces?, code_layout?,
// repos?, parked?, claude_auth?}}`. Its `authentik_user` is the key the web terminal and t3
// dispatch use (the local part of the Authentik username): this product's web key.
// A row the admin commented out (`# name: {...}`) is a removed person: the shipped
// reconciler treats it as absent, and so does the import, except to name it in messages
// and to know who a cluster-only k8s_users entry is.
import { parse } from 'yaml';
import { PathSegment } from '../roster/problems';
import { TIER_NAMES, Tier } from '../roster/values';
import { dotted, locate, parseYaml } from '../roster/yaml-source';
import { problemAt, ImportProblem, SourcePos } from './problems';

export interface ShippedRow {
  readonly osUser: string;
  readonly authentikUser: string;
  readonly k8sUser: string;
  readonly tier: Tier;
  readonly namespaces?: readonly string[];
  readonly codeLayout?: 'single' | 'workspace';
  readonly repos?: readonly string[];
  readonly parked?: boolean;
  readonly claudeAuth?: boolean;
  /** false: the row is commented out (removed in the shipped system). */
  readonly active: boolean;
  /** The row's key, and each field's value. */
  readonly pos: SourcePos;
  readonly fieldPos: (field: string) => SourcePos;
}

const KNOWN = ['authentik_user', 'k8s_user', 'tier', 'namespaces', 'code_layout', 'repos', 'parked', 'claude_auth'];
const REQUIRED = ['authentik_user', 'k8s_user', 'tier'];

export function parseShippedRoster(file: string, text: string): { rows: ShippedRow[]; problems: ImportProblem[] } {
  const { source, problems: yamlProblems } = parseYaml(file, text);
  if (yamlProblems.length > 0) return { rows: [], problems: yamlProblems.map((p) => ({ ...p, people: [] })) };
  const where = (path: readonly PathSegment[], target: 'key' | 'value' = 'value'): SourcePos => ({ file, ...locate(source, path, target) });
  const doc = source.value as { users?: unknown } | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc.users === null || typeof doc.users !== 'object' || Array.isArray(doc.users)) {
    return { rows: [], problems: [problemAt(where(['users']), 'users', 'expected a mapping `users: {<os_user>: {authentik_user, k8s_user, tier, ...}}` (the shipped roster format)')] };
  }
  const rows: ShippedRow[] = [];
  const problems: ImportProblem[] = [];
  for (const [osUser, spec] of Object.entries(doc.users as Record<string, unknown>)) {
    const row = readRow(osUser, spec, true, (field) => where(field === undefined ? ['users', osUser] : ['users', osUser, field], field === undefined ? 'key' : 'value'), ['users', osUser], problems);
    if (row) rows.push(row);
  }
  rows.push(...commentedRows(file, text, new Set(rows.map((r) => r.osUser))));
  return { rows, problems };
}

function readRow(
  osUser: string,
  spec: unknown,
  active: boolean,
  where: (field?: string) => SourcePos,
  path: PathSegment[],
  problems: ImportProblem[],
): ShippedRow | undefined {
  const bad = (field: string | undefined, message: string) =>
    problems.push(problemAt(where(field), dotted(field ? [...path, field] : path), message, [osUser]));
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    bad(undefined, 'expected a mapping {authentik_user, k8s_user, tier, ...}');
    return undefined;
  }
  const s = spec as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(s)) if (!KNOWN.includes(key)) bad(key, `unknown key "${key}" in the shipped roster format (known: ${KNOWN.join(', ')})`);
  for (const key of REQUIRED) if (s[key] === undefined) bad(undefined, `${key} is missing`);
  for (const key of ['authentik_user', 'k8s_user']) if (s[key] !== undefined && typeof s[key] !== 'string') bad(key, 'expected a string');
  if (s.tier !== undefined && !TIER_NAMES.includes(s.tier as Tier)) bad('tier', `expected one of ${TIER_NAMES.join(', ')}, got ${JSON.stringify(s.tier)}`);
  for (const key of ['namespaces', 'repos']) {
    if (s[key] !== undefined && s[key] !== null && !(Array.isArray(s[key]) && (s[key] as unknown[]).every((x) => typeof x === 'string'))) bad(key, 'expected a list of strings');
  }
  if (s.code_layout !== undefined && s.code_layout !== 'single' && s.code_layout !== 'workspace') bad('code_layout', `expected single or workspace, got ${JSON.stringify(s.code_layout)}`);
  for (const key of ['parked', 'claude_auth']) if (s[key] !== undefined && typeof s[key] !== 'boolean') bad(key, 'expected true or false');
  if (problems.length > before) return undefined;
  return {
    osUser,
    authentikUser: s.authentik_user as string,
    k8sUser: s.k8s_user as string,
    tier: s.tier as Tier,
    namespaces: (s.namespaces as string[] | null | undefined) ?? undefined,
    codeLayout: s.code_layout as ShippedRow['codeLayout'],
    repos: (s.repos as string[] | null | undefined) ?? undefined,
    parked: s.parked as boolean | undefined,
    claudeAuth: s.claude_auth as boolean | undefined,
    active,
    pos: where(),
    fieldPos: (field) => where(field),
  };
}

/** `# name: {authentik_user: ..., tier: ...}` lines after `users:`: rows the admin commented out. */
function commentedRows(file: string, text: string, active: ReadonlySet<string>): ShippedRow[] {
  const rows: ShippedRow[] = [];
  const all = text.split('\n');
  const usersAt = all.findIndex((l) => /^users\s*:/.test(l));
  all.forEach((content, i) => {
    if (i <= usersAt) return;
    const m = /^(\s*#\s*)([a-z_][a-z0-9_-]*):(\s*)(\{[^#]*\})/.exec(content);
    if (!m || active.has(m[2])) return;
    let spec: unknown;
    try {
      spec = parse(m[4]);
    } catch {
      return; // prose that merely looks like a row
    }
    if (spec === null || typeof spec !== 'object' || !('tier' in spec)) return;
    const rowPos = { file, line: i + 1, col: m[1].length + 1 };
    const ignored: ImportProblem[] = [];
    const row = readRow(m[2], spec, false, () => rowPos, ['users', m[2]], ignored);
    if (row) rows.push(row);
  });
  return rows;
}
