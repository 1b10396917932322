// An export of Authentik's groups, as its API returns them:
//   GET /api/v3/core/groups/?include_users=true   (saved as is, or just its `results` array)
// Read from each group: `name` and `users_obj[]` with `username` and `email` (every other
// field is ignored). Only the groups the site names (authentik.groups) matter.
import { parseJson } from './json-source';
import { problemAt, ImportProblem, SourcePos } from './problems';

export interface AuthentikMember {
  readonly username: string;
  readonly email: string;
  readonly pos: SourcePos;
  readonly emailPos: SourcePos;
}

export interface AuthentikGroup {
  readonly name: string;
  readonly members: readonly AuthentikMember[];
  readonly pos: SourcePos;
}

export function parseAuthentikExport(file: string, text: string): { groups: AuthentikGroup[]; problems: ImportProblem[] } {
  const { source, problems } = parseJson(file, text);
  if (!source) return { groups: [], problems };
  const v = source.value as unknown;
  const inResults = v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { results?: unknown }).results);
  const list = inResults ? (v as { results: unknown[] }).results : v;
  const base = inResults ? ['results'] : [];
  if (!Array.isArray(list)) {
    return { groups: [], problems: [problemAt(source.at([]), '', 'expected the JSON of GET /api/v3/core/groups/?include_users=true: {"results": [{name, users_obj: [{username, email}]}]} or that array')] };
  }
  const groups: AuthentikGroup[] = [];
  const out: ImportProblem[] = [];
  list.forEach((g, i) => {
    const gpath = [...base, i];
    const obj = g as { name?: unknown; users_obj?: unknown } | null;
    if (obj === null || typeof obj !== 'object' || typeof obj.name !== 'string') {
      out.push(problemAt(source.at(gpath), `results[${i}]`, 'expected a group object with a string "name"'));
      return;
    }
    if (!Array.isArray(obj.users_obj)) {
      out.push(problemAt(source.at(gpath), obj.name, 'group has no "users_obj" list (export with ?include_users=true)'));
      return;
    }
    const members: AuthentikMember[] = [];
    obj.users_obj.forEach((u, j) => {
      const upath = [...gpath, 'users_obj', j];
      const m = u as { username?: unknown; email?: unknown } | null;
      if (m === null || typeof m !== 'object' || typeof m.username !== 'string' || typeof m.email !== 'string') {
        out.push(problemAt(source.at(upath), `${obj.name}.users_obj[${j}]`, 'expected a member object with string "username" and "email"'));
        return;
      }
      members.push({ username: m.username, email: m.email, pos: source.at([...upath, 'username']), emailPos: source.at([...upath, 'email']) });
    });
    groups.push({ name: obj.name, members, pos: source.at([...gpath, 'name']) });
  });
  return { groups, problems: out };
}
