// Parses a YAML file keeping source positions, so that every problem found later (by
// the schema or by cross-field rules) can be reported at the exact line and column of
// the offending value. Also catches what YAML itself lets through: duplicate keys
// (reported with their first occurrence) and unbounded alias expansion. A file that is
// plain data is read quickly first (yaml-fast.ts); its positioned document is parsed only
// when a problem asks for a position.
import type { Document, LineCounter, Node, Scalar } from 'yaml';
import { Problem, PathSegment } from './problems';
import { fastYamlValue } from './yaml-fast';

/**
 * The yaml library, loaded when a text is read exactly or a position is asked for: a file
 * the quick reading accepts and that has no problem never needs it (loading it took
 * about 40 ms of every command).
 */
let loaded: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (loaded ??= require('yaml') as typeof import('yaml'));

/** Aliases are legal YAML but each expansion is bounded, so a small file cannot blow up. */
const MAX_ALIAS_COUNT = 50;

export interface YamlSource {
  readonly file: string;
  /** The parsed document with every node's range (parsed on first use after a quick reading). */
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Plain JS value of the document; undefined when the YAML could not be read. */
  readonly value: unknown;
  /** The document has no content: the file is empty or holds only comments. */
  readonly empty: boolean;
}

export interface ParsedYaml {
  readonly source: YamlSource;
  readonly problems: Problem[];
}

/**
 * Reads `text`: quickly when it is plain data both YAML libraries read alike (yaml-fast.ts),
 * then the positioned document is parsed only if something asks for a position; otherwise
 * exactly, with positions (exactYaml).
 */
export function parseYaml(file: string, text: string): ParsedYaml {
  const quick = fastYamlValue(text);
  if (quick) return { source: parsedOnUse(file, text, quick.value), problems: [] };
  return exactYaml(file, text);
}

/** Reads `text` with the yaml library, keeping positions, and finds what YAML lets through. */
export function exactYaml(file: string, text: string): ParsedYaml {
  const { doc, lines } = positioned(text);
  const problems: Problem[] = [];

  problems.push(...syntaxProblems(file, text, doc, lines));
  let value: unknown;
  if (problems.length === 0) {
    problems.push(...duplicateKeys(file, doc, lines));
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      problems.push({
        file, line: 1, col: 1, path: '',
        message: `YAML aliases: ${(err as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`,
      });
    }
  }
  return { source: { file, doc, lines, value: problems.length === 0 ? value : undefined, empty: doc.contents === null }, problems };
}

function positioned(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lib = yaml();
  const lines = new lib.LineCounter();
  const doc = lib.parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, version: '1.2' });
  return { doc, lines };
}

/** A source read quickly (its root is a mapping): the positioned document is parsed from the same text on first use. */
function parsedOnUse(file: string, text: string, value: unknown): YamlSource {
  let parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;
  const get = () => (parsed ??= positioned(text));
  return {
    file,
    value,
    empty: false,
    get doc() {
      return get().doc;
    },
    get lines() {
      return get().lines;
    },
  };
}

/**
 * One line per root cause. A tab in indentation derails the parser into a cascade
 * ("implicit keys", "same column", ...) on every following line, so when the text has
 * such tabs only they are reported, each at the tab itself. Otherwise the first syntax
 * error is reported: the parser's recovery after it is a guess, and the later errors
 * are mostly echoes of the first.
 */
function syntaxProblems(file: string, text: string, doc: Document.Parsed, lines: LineCounter): Problem[] {
  if (doc.errors.length === 0) return [];
  const tabs = indentationTabs(text);
  if (tabs.length > 0) {
    return tabs.map((pos) => ({ file, ...pos, path: '', message: 'tabs are not allowed for indentation in YAML; use spaces' }));
  }
  const first = doc.errors[0];
  const opened = unclosedOpening(doc, first.message, first.pos[0]);
  if (opened) {
    const pos = lines.linePos(opened.offset);
    return [{ file, line: pos.line, col: pos.col, path: '', message: `YAML syntax: ${opened.message}` }];
  }
  const pos = lines.linePos(first.pos[0]);
  return [{ file, line: pos.line, col: pos.col, path: '', message: `YAML syntax: ${firstLine(first.message)}` }];
}

/**
 * An unclosed quote or bracket is detected where the text ends or the next line starts,
 * but the line to edit is where it was opened: the last quoted scalar or flow collection
 * starting before the error.
 */
function unclosedOpening(doc: Document.Parsed, message: string, at: number): { offset: number; message: string } | undefined {
  const quote = /^Missing closing (["'])quote/.exec(message);
  const flow = /^Flow (sequence|map) .*end with a ([\]}])/.exec(message);
  if (!quote && !flow) return undefined;
  const { isCollection, isScalar, visit } = yaml();
  let offset: number | undefined;
  visit(doc, (_key, node) => {
    const start = (node as Node).range?.[0];
    if (start === undefined || start >= at) return;
    const matches = quote
      ? isScalar(node) && node.type === (quote[1] === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE')
      : isCollection(node) && node.flow === true;
    if (matches && (offset === undefined || start > offset)) offset = start;
  });
  if (offset === undefined) return undefined;
  return quote
    ? { offset, message: `the quote (${quote[1]}) opened here is never closed` }
    : { offset, message: `the "${flow![2] === ']' ? '[' : '{'}" opened here is never closed with "${flow![2]}"` };
}

/** Position of the first tab in each line's leading whitespace (comment and blank lines aside). */
function indentationTabs(text: string): { line: number; col: number }[] {
  const found: { line: number; col: number }[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const indent = /^[ \t]*/.exec(content)![0];
    const rest = content.slice(indent.length);
    if (indent.includes('\t') && rest !== '' && !rest.startsWith('#')) found.push({ line: i + 1, col: indent.indexOf('\t') + 1 });
  });
  return found;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Every key that appears twice in one mapping, pointing at the repeat and naming the
 * first; and every `__proto__` key, which no JavaScript object can hold as data.
 */
function duplicateKeys(file: string, doc: Document.Parsed, lines: LineCounter): Problem[] {
  const { isMap, isScalar, isSeq } = yaml();
  const problems: Problem[] = [];
  const walk = (node: unknown, path: PathSegment[]) => {
    if (isMap(node)) {
      const seen = new Map<string, Scalar>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (key !== undefined && isScalar(keyNode)) {
          const first = seen.get(key);
          if (key === '__proto__') {
            // toJS keeps it as an own property, but any later copy into a plain object
            // (zod's record among them) sets the prototype instead: the entry would vanish
            // without an error. Refused wherever it appears.
            const here = lines.linePos(keyNode.range![0]);
            problems.push({
              file, line: here.line, col: here.col, path: dotted([...path, key]),
              message: 'key "__proto__" is not allowed: JavaScript treats it as the object\'s prototype, so this entry would be silently dropped',
            });
          } else if (first) {
            const here = lines.linePos(keyNode.range![0]);
            const there = lines.linePos(first.range![0]);
            problems.push({
              file, line: here.line, col: here.col, path: dotted([...path, key]),
              message: `duplicate key "${key}" (first defined at ${file}:${there.line}:${there.col})`,
            });
          } else {
            seen.set(key, keyNode);
          }
        }
        walk(pair.value, key === undefined ? path : [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return problems;
}

export function dotted(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

export interface Position {
  readonly line: number;
  readonly col: number;
}

/**
 * Where `path` is written in the source. `target: 'key'` points at a mapping key
 * (used for problems with the key itself, such as an invalid os_user or an unknown
 * key). A path that does not exist (a missing required field) resolves to the key of
 * its nearest existing ancestor, so "people.emo.email is required" points at `emo:`.
 */
export function locate(source: YamlSource, path: readonly PathSegment[], target: 'value' | 'key' = 'value'): Position {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
  let node: unknown = source.doc.contents;
  let keyNode: Node | null = null;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(source.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair || !isPair(pair)) return start(keyNode ?? (node as Node), source);
      keyNode = pair.key as Node;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      return start(keyNode ?? (node as Node | null), source);
    }
  }
  if (target === 'key' && keyNode) return start(keyNode, source);
  return start(node as Node | null, source);
}

function start(node: Node | null | undefined, source: YamlSource): Position {
  const offset = node?.range?.[0] ?? 0;
  return source.lines.linePos(offset);
}
