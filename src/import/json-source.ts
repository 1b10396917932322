// Reads a JSON file keeping source positions: strict JSON first (JSON.parse decides what is
// valid), then the same text through the YAML 1.2 parser (JSON is a subset of it) for the
// line and column of every value and for duplicate keys, which JSON.parse drops silently.
import { PathSegment } from '../roster/problems';
import { locate, parseYaml, YamlSource } from '../roster/yaml-source';
import { problemAt, ImportProblem, SourcePos } from './problems';

export interface JsonSource {
  readonly file: string;
  readonly value: unknown;
  /** Position of the value (or key) at `path`; the nearest existing parent when absent. */
  at(path: readonly PathSegment[], target?: 'key' | 'value'): SourcePos;
}

export function parseJson(file: string, text: string): { source?: JsonSource; problems: ImportProblem[] } {
  try {
    JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorPosition(text, (err as Error).message);
    return { problems: [problemAt({ file, ...pos }, '', `not valid JSON: ${firstClause((err as Error).message)}`)] };
  }
  const { source, problems } = parseYaml(file, text);
  if (problems.length > 0) return { problems: problems.map((p) => ({ ...p, people: [] })) };
  return { source: jsonSource(source), problems: [] };
}

function jsonSource(source: YamlSource): JsonSource {
  return {
    file: source.file,
    value: source.value,
    at: (path, target = 'value') => ({ file: source.file, ...locate(source, path, target) }),
  };
}

/** Node's messages say "at position N" (Node 20) or "(line L column C)" (Node 22 and later). */
function jsonErrorPosition(text: string, message: string): { line: number; col: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), col: Number(lc[2]) };
  const at = /position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function firstClause(message: string): string {
  return message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '').split('\n')[0];
}
