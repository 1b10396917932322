// Turns zod issues into positioned problems with messages a person can act on:
// "expected one of admin, power-user, namespace-owner, got "poweruser"",
// "unknown key "tierr" (did you mean "tier"?)".
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { PathSegment, Problem } from './problems';
import { dotted, locate, YamlSource } from './yaml-source';

type Issue = z.core.$ZodIssue;

export function schemaProblems(source: YamlSource, schema: z.ZodType, issues: readonly Issue[]): Problem[] {
  return issues.flatMap((issue) => toProblems(source, schema, issue));
}

function toProblems(source: YamlSource, schema: z.ZodType, issue: Issue): Problem[] {
  const path = issue.path as PathSegment[];
  const make = (p: PathSegment[], message: string, target: 'key' | 'value' = 'value'): Problem => {
    const pos = locate(source, p, target);
    return { file: source.file, line: pos.line, col: pos.col, path: dotted(p), message };
  };
  const got = describeValue(valueAt(source.value, path));

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      return issue.keys.map((key) => make([...path, key], `unknown key "${key}"${suggest(key, known)}`, 'key'));
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const message = inner && inner.code === 'custom' ? inner.message : inner?.message ?? 'invalid key';
      return [make(path, `invalid key "${String(path[path.length - 1])}": ${message}`, 'key')];
    }
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return [make(path, `${issue.message}, got ${got}`)];
      return [make(path, `expected one of ${issue.values.map(String).join(', ')}, got ${got}`)];
    case 'invalid_type':
      if (got === 'nothing') return [make(path, `is required (${expectedName(issue.expected)})`)];
      return [make(path, `expected ${expectedName(issue.expected)}, got ${got}`)];
    case 'too_small':
      if (issue.origin === 'array') return [make(path, `must list at least ${issue.minimum} item(s)`)];
      return [make(path, `must be at least ${issue.minimum}, got ${got}`)];
    case 'too_big':
      if (issue.origin === 'array') return [make(path, `must list at most ${issue.maximum} item(s)`)];
      return [make(path, `must be at most ${issue.maximum}, got ${got}`)];
    case 'invalid_format':
    case 'custom':
      return [make(path, `${issue.message}, got ${got}`)];
    default:
      return [make(path, issue.message)];
  }
}

function expectedName(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (expected === 'int') return 'an integer';
  return expected;
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    // Own properties only: a roster key such as `constructor` must never reach Object.prototype.
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}

/** A short, single-line rendering of a YAML value for messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

function suggest(key: string, known: readonly string[]): string {
  return didYouMean(key, known, true);
}

/**
 * " (did you mean "x"?)" for the closest known key, or, with `listOtherwise`, the list of
 * known keys when nothing is close. Failing a close spelling, a key that starts a known
 * one counts as close ("memory" for "memory_max").
 */
export function didYouMean(key: string, known: readonly string[], listOtherwise: boolean): string {
  if (known.length === 0) return '';
  const nearest = closest(key, known as string[]);
  const limit = Math.max(2, Math.floor(key.length / 3));
  const best = distance(key, nearest) <= limit ? nearest : known.find((k) => k.startsWith(key) || key.startsWith(k));
  if (best) return ` (did you mean "${best}"?)`;
  return listOtherwise ? ` (known keys: ${known.join(', ')})` : '';
}

/** The keys the schema allows for the object at `path`, found by walking the zod schema. */
export function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (!node) return [];
    if (node instanceof z.ZodObject) node = unwrap(node.shape[seg as string] as z.ZodType | undefined);
    else if (node instanceof z.ZodRecord) node = unwrap(node.valueType as z.ZodType);
    else if (node instanceof z.ZodArray) node = unwrap(node.element as z.ZodType);
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined): z.ZodType | undefined {
  let n = node;
  for (;;) {
    if (n instanceof z.ZodOptional || n instanceof z.ZodDefault || n instanceof z.ZodPrefault || n instanceof z.ZodNullable) {
      n = n.def.innerType as z.ZodType;
    } else if (n instanceof z.ZodPipe) {
      n = n.def.in as z.ZodType;
    } else {
      return n;
    }
  }
}
