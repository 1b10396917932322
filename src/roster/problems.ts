// A problem found in an input file, and the one line format every command prints:
//   <file>:<line>:<col> <dotted.path>: <message>
export type PathSegment = string | number;

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted path of the offending field; empty for problems with the document itself. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path || '(document)'}: ${p.message}`;
}

/** Stable order: by file, then position, then path and message. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col ||
      a.path.localeCompare(b.path) || a.message.localeCompare(b.message),
  );
}

/** Thrown by loaders when input is invalid; carries every problem, already sorted. */
export class InvalidInputError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(sortProblems(problems).map(formatProblem).join('\n'));
    this.name = 'InvalidInputError';
  }
}
