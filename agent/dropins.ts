// Which drop-in wins. For a unit such as user-1000.slice systemd reads the drop-ins of
// user-1000.slice.d/, then of its prefix user-.slice.d/ and of the type's slice.d/, in
// every unit directory, and parses them ALL sorted by file name (whatever the directory);
// for the same key the file parsed last wins. A same-named file is read once: the one in
// the first directory (an /etc file hides a /usr/lib one, a specific directory its prefix).
// The homelab's /etc/systemd/system/user-.slice.d/50-devvm-resource.conf (MemoryMax=24G)
// therefore loses to our 90-workstations-memory.conf; this module says so, or says which
// foreign file would beat ours.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { safeReadIfExists } from './safe-read';

/** System unit directories in systemd's order (control and transient first, vendor last). */
export const SYSTEM_UNIT_ROOTS = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
] as const;

/** `user-1000.slice` -> [`user-1000.slice.d`, `user-.slice.d`, `slice.d`]. */
export function dropInDirNames(unit: string): string[] {
  const dot = unit.lastIndexOf('.');
  const [base, type] = [unit.slice(0, dot), unit.slice(dot + 1)];
  const names = [`${unit}.d`];
  for (let i = base.lastIndexOf('-'); i > 0; i = base.lastIndexOf('-', i - 1)) names.push(`${base.slice(0, i + 1)}.${type}.d`);
  names.push(`${type}.d`);
  return names;
}

export interface DropIn {
  readonly path: string;
  readonly name: string;
  /** Key -> value of the assignments in the file (the last one per key). */
  readonly keys: Readonly<Record<string, string>>;
}

export function parseAssignments(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) keys[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return keys;
}

/** The drop-ins systemd reads for `unit`, in the order it parses them (by file name). */
export function dropInsOf(unit: string, roots: readonly string[] = SYSTEM_UNIT_ROOTS): DropIn[] {
  const byName = new Map<string, string>();
  for (const root of roots) {
    for (const dir of dropInDirNames(unit).map((d) => `${root}/${d}`)) {
      if (!existsSync(dir) || !lstatSync(dir).isDirectory()) continue;
      for (const name of readdirSync(dir)) if (name.endsWith('.conf') && !byName.has(name)) byName.set(name, `${dir}/${name}`);
    }
  }
  return [...byName.keys()].sort().map((name) => {
    const path = byName.get(name)!;
    let text = '';
    try {
      text = safeReadIfExists(path)?.toString('utf8') ?? '';
    } catch {
      // A link to /dev/null masks the name: it sets nothing.
    }
    return { path, name, keys: parseAssignments(text) };
  });
}

export interface ForeignSetting {
  readonly path: string;
  readonly key: string;
  readonly value: string;
  /** Whether our file wins for this key (it sorts after the foreign one). */
  readonly oursWins: boolean;
  /** The file whose value systemd uses. */
  readonly winner: string;
}

/** Foreign drop-ins among `dropIns` that set a key `ours` sets, and who wins each key. Pure. */
export function foreignSettings(dropIns: readonly DropIn[], ours: string): ForeignSetting[] {
  const mine = dropIns.find((d) => d.path === ours);
  if (!mine) return [];
  const out: ForeignSetting[] = [];
  for (const d of dropIns) {
    if (d.path === ours) continue;
    for (const key of Object.keys(d.keys).sort()) {
      if (!Object.hasOwn(mine.keys, key)) continue;
      // Parsed by name: the last file setting the key wins.
      const last = [...dropIns].reverse().find((x) => Object.hasOwn(x.keys, key))!;
      out.push({ path: d.path, key, value: d.keys[key], oursWins: last.path === ours, winner: last.path });
    }
  }
  return out;
}

export function describeForeign(f: ForeignSetting, oursName: string): string {
  return f.oursWins
    ? `foreign drop-in ${f.path} sets ${f.key}=${f.value}; ours (${oursName}) wins`
    : `foreign drop-in ${f.path} sets ${f.key}=${f.value}; ${f.winner === f.path ? 'it' : f.winner} wins over ours (${oursName}): rename it to sort before ours or remove the key`;
}
