// Reads the layer's source folder into plain data. Settings files are TS modules exporting
// `settings` (typed with ManagedSettings so the editor catches mistakes early); their contents
// are still checked at run time by validate.ts, which is what guards the host.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAYER_SOURCE_DIR, SOURCE } from './layout';

export interface SettingsSource {
  /** Path shown in problems, e.g. claude-layer/managed-settings.d/10-auto-mode.ts */
  readonly file: string;
  /** Output name without extension: `managed-settings` for the base, the file stem for a drop-in. */
  readonly name: string;
  readonly data: unknown;
}

export interface TextSource {
  readonly file: string;
  readonly name: string;
  readonly text: string;
}

export interface LayerSource {
  readonly base: SettingsSource;
  /** In Claude Code's merge order (alphabetical by name). */
  readonly dropIns: readonly SettingsSource[];
  readonly claudeMd: TextSource;
  /** Scripts managed hooks run, by file name. */
  readonly hookScripts: readonly TextSource[];
}

export function loadLayer(dir: string = LAYER_SOURCE_DIR): LayerSource {
  const shown = (...parts: string[]) => path.posix.join(path.basename(dir), ...parts);
  // Hidden files (.gitkeep, editor swap files) are not part of the layer.
  const list = (sub: string) =>
    fs.existsSync(path.join(dir, sub)) ? fs.readdirSync(path.join(dir, sub)).filter((f) => !f.startsWith('.')).sort() : [];

  const settings = (rel: string, name: string): SettingsSource => ({
    file: shown(rel),
    name,
    data: (require(path.join(dir, rel)) as { settings?: unknown }).settings,
  });
  const text = (rel: string, name: string): TextSource => ({
    file: shown(rel),
    name,
    text: fs.readFileSync(path.join(dir, rel), 'utf8'),
  });

  return {
    base: settings(SOURCE.base, 'managed-settings'),
    dropIns: list(SOURCE.dropIns)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => settings(path.posix.join(SOURCE.dropIns, f), f.slice(0, -'.ts'.length))),
    claudeMd: text(SOURCE.claudeMd, SOURCE.claudeMd),
    hookScripts: list(SOURCE.hooks).map((f) => text(path.posix.join(SOURCE.hooks, f), f)),
  };
}
