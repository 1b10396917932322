// Loads the adoption file (site `migration.adoption_file`) with the roster's positioned
// problems: every line that names a group the site does not manage, or a person the roster
// does not have, is reported at that line, with everything else wrong in the file.
import { dirname, join } from 'node:path';
import { Adoption } from './adoption-schema';
import { LoadResult, readInput, validate } from './load';
import type { Roster } from './roster-schema';
import type { Site } from './site-schema';
import type { PathSegment, Problem } from './problems';
import { dotted, locate } from './yaml-source';

export { Adoption } from './adoption-schema';

/** Where the site's adoption file is: relative to the site file's folder. */
export function adoptionPath(siteFile: string, site: Site): string | undefined {
  const rel = site.migration.adoption_file;
  return rel === undefined ? undefined : join(dirname(siteFile), rel);
}

export function parseAdoption(file: string, text: string, site: Site, roster: Roster): LoadResult<Adoption> {
  const result = validate(file, text, Adoption, (source) => {
    const out: Problem[] = [];
    const at = (path: PathSegment[], message: string) => {
      const pos = locate(source, path, 'key');
      out.push({ file, line: pos.line, col: pos.col, path: dotted(path), message });
    };
    const value = (source.value ?? {}) as { authentik?: { groups?: Record<string, unknown> }; vault?: Record<string, unknown> };
    const managed = Object.values(site.authentik.groups);
    for (const name of Object.keys(value.authentik?.groups ?? {})) {
      if (!managed.includes(name)) at(['authentik', 'groups', name], `is not one of the site's authentik.groups (${managed.join(', ')})`);
    }
    for (const [osUser, record] of Object.entries(value.vault ?? {})) {
      if (!(osUser in roster.people)) {
        at(['vault', osUser], 'is not a person of the roster');
        continue;
      }
      const missing = ownImportMissing(site, record);
      if (missing.length) {
        at(['vault', osUser], `migration.vault is own: importing this identity needs both entity_id and alias_id; add ${missing.join(' and ')}`);
      }
    }
    return out;
  });
  if (result.ok || site.migration.vault !== 'own') return result;
  // In own the rule above says what to add; the schema's "at least one" line would only echo it.
  const echoed = new Set(result.problems.filter((p) => p.message.startsWith('migration.vault is own')).map((p) => p.path));
  return { ok: false, problems: result.problems.filter((p) => !(echoed.has(p.path) && p.message.startsWith('must give entity_id, alias_id or both'))) };
}

/**
 * In own the Vault plane imports a recorded identity, and an import needs both IDs (the
 * entity's and the alias's). Returns the keys a record lacks (none in observe and adopt,
 * where either ID is enough for the lookup, or when the record is not a mapping: the
 * schema reports that).
 */
function ownImportMissing(site: Site, record: unknown): string[] {
  if (site.migration.vault !== 'own' || !record || typeof record !== 'object' || Array.isArray(record)) return [];
  const r = record as Record<string, unknown>;
  return (['entity_id', 'alias_id'] as const).filter((k) => r[k] === undefined || r[k] === null);
}

/** Reads the site's adoption file, if it names one. Throws InputFileError when it cannot be read. */
export function readAdoption(siteFile: string, site: Site, roster: Roster): LoadResult<Adoption> | undefined {
  const file = adoptionPath(siteFile, site);
  return file === undefined ? undefined : parseAdoption(file, readInput(file), site, roster);
}
