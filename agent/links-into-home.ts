// Other people's symlinks into a home, found before cutover tightens that home (0751 -> 0700
// breaks every link of someone else that leads into it: on the devvm, emo's
// ~/.claude/{rules,skills} link into wizard's home).
//
// Root never walks a home a person controls: a walk by root could be led anywhere by a
// swapped directory, and would read names the person's own permissions hide. Each other
// person's home is walked AS THAT PERSON (runuser: their uid, gid and groups) with find -P
// (no link is followed), on one filesystem (-xdev), to a bounded depth, with a bounded number
// of links reported and a timeout. Root only parses what find printed (NUL-separated) and
// decides lexically whether each link's target (relative targets resolved against the
// link's directory) lies inside the home being tightened. A link reaching the home through
// another link (a chain) is not resolved: the report says the check is lexical.
import { dirname, isAbsolute, normalize, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { probe, RUNUSER } from './exec';

/** How deep below each home the walk looks (~/.claude/rules is depth 2). */
export const WALK_DEPTH = 6;
/** At most this much of find's output (link paths and targets) is read per person; more is reported as incomplete. */
export const WALK_MAX_BYTES = 16 * 1024 * 1024;
/** Per person: a huge or hostile tree costs at most this long. */
export const WALK_TIMEOUT_MS = 30_000;

export interface ForeignLink {
  readonly owner: string;
  readonly path: string;
  readonly target: string;
}

export interface LinkScan {
  readonly links: ForeignLink[];
  /** People whose home could not be walked completely, with why. */
  readonly incomplete: string[];
  /** How many other homes were walked. */
  readonly walked: number;
}

interface Other {
  readonly name: string;
  readonly home: string;
}

/** Accounts of people (uid 1000-65533) with a home other than `home` itself. */
export function otherPeople(home: string, except: string): Other[] {
  const r = probe('getent', ['passwd']);
  if (r.status !== 0) return [];
  const out: Other[] = [];
  for (const line of r.stdout.split('\n')) {
    const [name, , uid, , , dir] = line.split(':');
    const n = Number(uid);
    if (!name || name === except || !(n >= 1000 && n < 65534)) continue;
    if (!dir || !isAbsolute(dir) || dir === '/' || normalize(dir) === normalize(home)) continue;
    out.push({ name, home: normalize(dir) });
  }
  return out;
}

/** Whether `target` (already absolute and normalized) is `home` or lies below it. */
export function inside(target: string, home: string): boolean {
  return target === home || target.startsWith(`${home}/`);
}

/** The absolute, normalized target of a link at `path` whose content is `link`. */
export function targetOf(path: string, link: string): string {
  return isAbsolute(link) ? normalize(link) : resolve(dirname(path), link);
}

/** Parses find's `%p\0%l\0` pairs. */
export function parsePairs(out: string): { path: string; link: string }[] {
  const parts = out.split('\0');
  const pairs: { path: string; link: string }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) pairs.push({ path: parts[i], link: parts[i + 1] });
  return pairs;
}

export function linksInto(home: string, except: string): LinkScan {
  const target = normalize(home);
  const links: ForeignLink[] = [];
  const incomplete: string[] = [];
  const others = otherPeople(home, except);
  for (const o of others) {
    // No shell, no pipe: runuser forwards the timeout's SIGTERM to find itself. The output
    // is bounded by maxBuffer (find is killed beyond it); find's own errors (their unreadable
    // subdirectories) are theirs and ignored.
    const r = spawnSync(RUNUSER, ['-u', o.name, '--', 'find', '-P', o.home, '-xdev', '-maxdepth', String(WALK_DEPTH), '-type', 'l', '-printf', '%p\\0%l\\0'], {
      cwd: '/',
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: o.home, LANG: 'C.UTF-8' },
      encoding: 'utf8',
      timeout: WALK_TIMEOUT_MS,
      killSignal: 'SIGTERM',
      maxBuffer: WALK_MAX_BYTES,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    let out = r.stdout ?? '';
    if (code === 'ETIMEDOUT') incomplete.push(`${o.name}: walk of ${o.home} timed out after ${WALK_TIMEOUT_MS / 1000} s`);
    else if (code === 'ENOBUFS') incomplete.push(`${o.name}: more than ${WALK_MAX_BYTES >> 20} MiB of symlink names in ${o.home}, stopped`);
    else if (r.error) incomplete.push(`${o.name}: walk of ${o.home} failed (${r.error.message})`);
    else if (r.status !== 0 && r.status !== 1) incomplete.push(`${o.name}: walk of ${o.home} failed (exit ${r.status})`);
    // A cut-off output ends in a partial pair: dropped.
    if (r.error) out = out.slice(0, out.lastIndexOf('\0', out.length - 1) + 1);
    const pairs = parsePairs(out);
    for (const p of pairs) if (inside(targetOf(p.path, p.link), target)) links.push({ owner: o.name, path: p.path, target: p.link });
  }
  links.sort((a, b) => (a.owner + '\0' + a.path < b.owner + '\0' + b.path ? -1 : 1));
  return { links, incomplete, walked: others.length };
}

/** One line: each link, at most `max` of them. */
export function describeLinks(links: readonly ForeignLink[], max = 10): string {
  const shown = links.slice(0, max).map((l) => `${l.owner}'s ${l.path} -> ${l.target}`);
  return `${shown.join(', ')}${links.length > max ? ` and ${links.length - max} more` : ''}`;
}
