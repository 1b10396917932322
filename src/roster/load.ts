// Loads and validates the site file and the roster, once, reporting ALL problems.
// Everything downstream (derivation, constructs, host agent) receives the typed result
// and never re-reads the YAML.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError, PathSegment, Problem, sortProblems } from './problems';
import { Roster } from './roster-schema';
import { rosterRules } from './roster-rules';
import { schemaProblems } from './schema-problems';
import { Site } from './site-schema';
import { hostKeyProblems } from './host-keys';
import { checkCapacity } from '../capacity/check';
import { derive } from '../desired/derive';
import { locate, parseYaml, YamlSource, dotted } from './yaml-source';
// adoption.ts uses validate() and readInput() from here; only at call time, so the cycle is harmless.
import { readAdoption, type Adoption } from './adoption';

export const DEFAULT_ROSTER = 'roster/roster.yaml';
export const DEFAULT_SITE = 'roster/site.yaml';

export type LoadResult<T> = { ok: true; value: T; problems: [] } | { ok: false; problems: Problem[] };

/** Raised when an input file cannot be read at all (missing, unreadable): a usage error, not a roster problem. */
export class InputFileError extends Error {
  constructor(readonly file: string, cause: NodeJS.ErrnoException) {
    super(`cannot read ${file}: ${cause.code === 'ENOENT' ? 'no such file' : cause.code === 'EACCES' ? 'permission denied' : cause.code === 'EISDIR' ? 'is a directory' : cause.message}`);
    this.name = 'InputFileError';
  }
}

export function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputFileError(file, err as NodeJS.ErrnoException);
  }
}

export function validate<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  extraRules?: (source: YamlSource, where: (p: PathSegment[], target?: 'key' | 'value') => string) => Problem[],
): LoadResult<z.infer<S>> {
  const { source, problems } = parseYaml(file, text);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  if (source.empty) {
    // Empty or comments only: "expected a mapping, got null" would not say what is wrong.
    const message = `the file is empty; expected a mapping with ${listKeys(requiredKeys(schema))}`;
    return { ok: false, problems: [{ file, line: 1, col: 1, path: '', message }] };
  }
  const parsed = schema.safeParse(source.value);
  const all = parsed.success ? [] : schemaProblems(source, schema, parsed.error.issues);
  if (extraRules) {
    const where = (p: PathSegment[], target: 'key' | 'value' = 'value') => {
      const pos = locate(source, p, target);
      return `${file}:${pos.line}:${pos.col}`;
    };
    all.push(...extraRules(source, where));
  }
  if (all.length > 0 || !parsed.success) return { ok: false, problems: dedupe(sortProblems(withoutEchoes(all))) };
  return { ok: true, value: parsed.data, problems: [] };
}

/** The top-level keys a file must write (no default, not optional). */
function requiredKeys(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => !field.safeParse(undefined).success && !(field instanceof z.ZodOptional))
    .map(([key]) => key);
}

function listKeys(keys: readonly string[]): string {
  const quoted = keys.map((k) => JSON.stringify(k));
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * One cause, one line: a misspelt key ("namspaces") also leaves the key it meant missing
 * ("namespaces is required"). The unknown-key line, at the line to edit and naming the
 * right spelling, says both, so the "is required" echo is dropped.
 */
function withoutEchoes(problems: Problem[]): Problem[] {
  const meant = new Set<string>();
  for (const p of problems) {
    const m = /^unknown key "(.*)" \(did you mean "(.*)"\?\)$/.exec(p.message);
    if (m && p.path.endsWith(m[1])) meant.add(`${p.path.slice(0, p.path.length - m[1].length)}${m[2]}`);
  }
  return problems.filter((p) => !(meant.has(p.path) && p.message.startsWith('is required')));
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function parseSite(file: string, text: string): LoadResult<Site> {
  return validate(file, text, Site, (source) => siteHostKeyProblems(file, text, source));
}

/** The devvm host keys, checked key by key (src/roster/host-keys.ts), when `devvm` is a mapping. */
function siteHostKeyProblems(file: string, text: string, source: YamlSource): Problem[] {
  const devvm = (source.value as { devvm?: unknown } | undefined)?.devvm;
  if (!devvm || typeof devvm !== 'object' || Array.isArray(devvm)) return [];
  const d = devvm as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // A wrongly typed field is the schema's to report.
  if ((d.host_keys !== undefined && str(d.host_keys) === undefined) || (d.host_key !== undefined && str(d.host_key) === undefined)) return [];
  const fields = {
    host: str(d.host) ?? '10.0.10.10',
    port: typeof d.port === 'number' ? d.port : 22,
    host_keys: str(d.host_keys),
    host_key: str(d.host_key),
    host_keys_complete: d.host_keys_complete === true,
  };
  return hostKeyProblems(file, text, fields, (field, target) => locate(source, ['devvm', field], target));
}

/** Validates the roster; `site` (when valid) supplies site-dependent rules such as the uid range. */
export function parseRoster(file: string, text: string, site: Site | undefined): LoadResult<Roster> {
  return validate(file, text, Roster, (source, where) =>
    rosterRules(source.value, site, where).map((f) => {
      const pos = locate(source, f.path, f.target ?? 'value');
      return { file, line: pos.line, col: pos.col, path: dotted(f.path), message: f.message };
    }),
  );
}

export interface Inputs {
  readonly roster: Roster;
  readonly site: Site;
  /** The site's adoption file (migration.adoption_file), when it names one. */
  readonly adoption?: Adoption;
}

/**
 * Reads and validates both files. Throws InputFileError when a file cannot be read and
 * InvalidInputError carrying every problem of both files when either is invalid.
 */
export function loadInputs(rosterFile = DEFAULT_ROSTER, siteFile = DEFAULT_SITE): Inputs {
  const siteText = readInput(siteFile);
  const rosterText = readInput(rosterFile);
  const site = parseSite(siteFile, siteText);
  const roster = parseRoster(rosterFile, rosterText, site.ok ? site.value : undefined);
  if (!site.ok || !roster.ok) throw new InvalidInputError([...site.problems, ...roster.problems]);
  const capacity = capacityProblems(siteFile, siteText, roster.value, site.value, { file: rosterFile, text: rosterText });
  if (capacity.length > 0) throw new InvalidInputError(capacity);
  const adoption = readAdoption(siteFile, site.value, roster.value);
  if (adoption && !adoption.ok) throw new InvalidInputError(adoption.problems);
  return { roster: roster.value, site: site.value, ...(adoption?.ok ? { adoption: adoption.value } : {}) };
}

/**
 * Capacity refusals, positioned at the line to edit: a person's `workstation.memory_max`
 * in the roster when that override is the cause (needs `rosterInput`), the site's
 * `memory_budgets.<tier>` when a tier budget is, otherwise the site's capacity key the
 * finding is about. A key the site does not write resolves to its nearest written parent.
 */
export function capacityProblems(
  siteFile: string,
  siteText: string,
  roster: Roster,
  site: Site,
  rosterInput?: { readonly file: string; readonly text: string },
): Problem[] {
  const report = checkCapacity(derive(roster, site), site);
  if (report.findings.length === 0) return [];
  const siteSource = parseYaml(siteFile, siteText).source;
  const rosterSource = rosterInput && parseYaml(rosterInput.file, rosterInput.text).source;
  return report.findings.map((f) => {
    const [source, path] = f.person !== undefined && rosterSource
      ? [rosterSource, ['people', f.person, 'workstation', 'memory_max']]
      : f.tier !== undefined
        ? [siteSource, ['memory_budgets', f.tier]]
        : [siteSource, ['capacity', f.key === 'memory' ? 'ram' : f.key]];
    const pos = locate(source, path);
    return { file: source.file, line: pos.line, col: pos.col, path: dotted(path), message: f.message };
  });
}

/** Paths from the command line and the ROSTER / SITE environment variables. */
export function inputPaths(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { roster: string; site: string } {
  let roster: string | undefined;
  let site: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--site') {
      if (i + 1 >= argv.length) throw new UsageError('--site needs a file');
      site = argv[++i];
    } else if (arg.startsWith('--site=')) {
      site = arg.slice('--site='.length);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (roster === undefined) {
      roster = arg;
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
  }
  return { roster: roster ?? env.ROSTER ?? DEFAULT_ROSTER, site: site ?? env.SITE ?? DEFAULT_SITE };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
