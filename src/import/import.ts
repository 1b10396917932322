// `npm run import` without the file system: source texts in, the roster text (or nothing)
// and every problem out. The written roster is checked by the real validator (parseRoster
// and the capacity check, as `npm run validate` does) against the site with the adoption
// settings merged in; its findings are reported at the source line the value came from.
import { capacityProblems, parseRoster, parseSite } from '../roster/load';
import { InvalidInputError, Problem } from '../roster/problems';
import type { Site } from '../roster/site-schema';
import { parseAuthentikExport } from './authentik-export';
import { parseGroup, parsePasswd } from './etc-files';
import { parseK8sUsers } from './k8s-users';
import { ImportProblem } from './problems';
import { ImportedPerson, reconcile } from './reconcile';
import { renderRoster, renderSiteSnippet, withAdoptionSettings } from './render';
import { parseShippedRoster } from './shipped-roster';

export interface SourceFile {
  /** The path as given (it names the file in problem lines and comments). */
  readonly file: string;
  readonly text: string;
}

export interface ImportInputs {
  readonly shippedRoster: SourceFile;
  readonly k8sUsers: SourceFile;
  readonly passwd: SourceFile;
  readonly group: SourceFile;
  readonly authentikGroups?: SourceFile;
  readonly site: SourceFile;
  /** Where the roster is to be written (it names the file in the validator's findings). */
  readonly out: string;
}

export interface ImportResult {
  /** The roster to write; absent when there are problems and they are not allowed. */
  readonly roster?: string;
  readonly siteSnippet: string;
  /** Every problem, in the order they are printed. */
  readonly problems: readonly ImportProblem[];
  /** The people in the roster, and the disputed ones left out of it. */
  readonly written: readonly string[];
  readonly leftOut: readonly string[];
  /** The site the roster was checked against (the given site with the adoption settings). */
  readonly site?: Site;
}

export function importRoster(inputs: ImportInputs, opts: { readonly allowProblems?: boolean } = {}): ImportResult {
  const siteSnippet = renderSiteSnippet();
  const given = parseSite(inputs.site.file, inputs.site.text);
  if (!given.ok) throw new InvalidInputError(given.problems);
  const merged = parseSite(inputs.site.file, withAdoptionSettings(inputs.site.text));
  if (!merged.ok) throw new InvalidInputError(merged.problems);
  const site = merged.value;

  const shipped = parseShippedRoster(inputs.shippedRoster.file, inputs.shippedRoster.text);
  const k8s = parseK8sUsers(inputs.k8sUsers.file, inputs.k8sUsers.text, site);
  const passwd = parsePasswd(inputs.passwd.file, inputs.passwd.text);
  const group = parseGroup(inputs.group.file, inputs.group.text);
  const authentik = inputs.authentikGroups && parseAuthentikExport(inputs.authentikGroups.file, inputs.authentikGroups.text);
  const reconciled = reconcile(
    {
      shipped: { file: inputs.shippedRoster.file, rows: shipped.rows },
      k8sUsers: { file: inputs.k8sUsers.file, users: k8s.users },
      passwd: { file: inputs.passwd.file, entries: passwd.entries },
      group: { file: inputs.group.file, entries: group.entries },
      authentik: authentik && inputs.authentikGroups ? { file: inputs.authentikGroups.file, groups: authentik.groups } : undefined,
    },
    site,
  );
  const problems: ImportProblem[] = [
    ...shipped.problems, ...k8s.problems, ...passwd.problems, ...group.problems, ...(authentik?.problems ?? []), ...reconciled.problems,
  ];
  const names = [inputs.shippedRoster, inputs.k8sUsers, inputs.passwd, inputs.group, ...(inputs.authentikGroups ? [inputs.authentikGroups] : [])].map((s) => s.file);

  // The validator runs on everyone not already disputed; a person its findings point at is
  // disputed too and left out, until what remains validates (or a finding disputes nobody).
  const disputed = new Set(problems.flatMap((p) => p.people));
  let people = reconciled.people.filter((x) => !disputed.has(x.osUser));
  let fatal = false;
  for (;;) {
    const findings = validatorFindings(inputs, renderRoster(people, names), site, people);
    problems.push(...findings);
    const newly = new Set(findings.flatMap((f) => f.people));
    if (findings.some((f) => f.people.length === 0)) fatal = true;
    if (findings.length === 0 || fatal || newly.size === 0) break;
    for (const n of newly) disputed.add(n);
    people = people.filter((x) => !disputed.has(x.osUser));
  }
  const ok = !fatal && (problems.length === 0 || opts.allowProblems === true);
  const leftOut = reconciled.people.map((x) => x.osUser).filter((n) => disputed.has(n));
  return {
    roster: ok ? renderRoster(people, names, leftOut) : undefined,
    siteSnippet,
    problems: sortImportProblems(problems),
    written: ok ? people.map((x) => x.osUser) : [],
    leftOut,
    site,
  };
}

/** What `npm run validate` would say about the roster text, at the lines the values came from. */
function validatorFindings(inputs: ImportInputs, text: string, site: Site, people: readonly ImportedPerson[]): ImportProblem[] {
  const r = parseRoster(inputs.out, text, site);
  const found: Problem[] = r.ok ? capacityProblems(inputs.site.file, inputs.site.text, r.value, site) : r.problems;
  return found.map((f) => {
    const person = people.find((x) => f.path === `people.${x.osUser}` || f.path.startsWith(`people.${x.osUser}.`));
    if (!person) return { ...f, message: `${f.message} (in the imported roster)`, people: [] };
    const segments = f.path.slice(`people.${person.osUser}`.length).split('.').filter(Boolean);
    let pos = person.sources[0];
    for (let n = segments.length; n > 0; n--) {
      const at = person.fieldSource[segments.slice(0, n).join('.')];
      if (at) {
        pos = at;
        break;
      }
    }
    return { file: pos.file, line: pos.line, col: pos.col, path: f.path, message: `${f.message} (in the imported roster)`, people: [person.osUser] };
  });
}

function sortImportProblems(problems: readonly ImportProblem[]): ImportProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path) || a.message.localeCompare(b.message))
    .filter((p) => {
      const k = `${p.file}:${p.line}:${p.col}:${p.path}:${p.message}`;
      return !seen.has(k) && (seen.add(k), true);
    });
}
