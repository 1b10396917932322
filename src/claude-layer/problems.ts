// A problem found in the layer's source, printed one per line:
//   <file>[:<line>] <dotted.path>: <message>
// Settings files are TS data (no useful line numbers), so they carry the key path only, rooted
// at their exported `settings`; text files (CLAUDE.md, hook scripts) carry a line.
import { PathSegment } from '../roster/problems';
import { dotted } from '../roster/yaml-source';

export interface LayerProblem {
  readonly file: string;
  readonly line?: number;
  readonly path: string;
  readonly message: string;
}

/** A problem before it is tied to a file: what rule checkers return. */
export interface Finding {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly line?: number;
}

/** The root segment of every settings key path: the data files export `settings`. */
export const SETTINGS_ROOT = 'settings';

export function settingsProblem(file: string, f: Finding): LayerProblem {
  return { file, path: dotted([SETTINGS_ROOT, ...f.path]), message: f.message };
}

export function textProblem(file: string, f: Finding): LayerProblem {
  return { file, line: f.line, path: '(text)', message: f.message };
}

export function formatLayerProblem(p: LayerProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''} ${p.path}: ${p.message}`;
}

/** Stable order: by file, line, path, then message. */
export function sortLayerProblems(problems: readonly LayerProblem[]): LayerProblem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) ||
      a.path.localeCompare(b.path) || a.message.localeCompare(b.message),
  );
}

/** Thrown when asked to render an invalid layer; carries every problem, sorted. */
export class InvalidLayerError extends Error {
  constructor(readonly problems: readonly LayerProblem[]) {
    super(sortLayerProblems(problems).map(formatLayerProblem).join('\n'));
    this.name = 'InvalidLayerError';
  }
}
