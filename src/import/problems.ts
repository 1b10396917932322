// A disagreement or unreadable line found while importing, in the one problem-line format
// of every command (`<file>:<line>:<col> <path>: <message>`), plus the person it disputes:
// with --allow-problems that person is left out of the written roster.
import type { Problem } from '../roster/problems';

export interface ImportProblem extends Problem {
  /** os_users of the people this problem disputes; empty: it disputes nobody in particular. */
  readonly people: readonly string[];
}

/** Where a value was read: `<file>:<line>`, the citation used in messages and output comments. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export const cite = (p: SourcePos): string => `${p.file}:${p.line}`;

export function problemAt(pos: SourcePos, path: string, message: string, people: readonly string[] = []): ImportProblem {
  return { file: pos.file, line: pos.line, col: pos.col, path, message, people };
}
