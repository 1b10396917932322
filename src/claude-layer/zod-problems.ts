// Turns zod issues of the settings model into findings a person can act on, e.g.
// `unknown key "permisions" (did you mean "permissions"?)`. Walks the schema with the roster's
// knownKeys so both inputs suggest keys the same way.
import { z } from 'zod';
import { PathSegment } from '../roster/problems';
import { describeValue, didYouMean, knownKeys, valueAt } from '../roster/schema-problems';
import { Finding } from './problems';

type Issue = z.core.$ZodIssue;

export function zodFindings(schema: z.ZodType, data: unknown): Finding[] {
  const result = schema.safeParse(data);
  return result.success ? [] : result.error.issues.flatMap((issue) => toFindings(schema, data, issue));
}

function toFindings(schema: z.ZodType, data: unknown, issue: Issue): Finding[] {
  const path = issue.path as PathSegment[];
  const got = describeValue(valueAt(data, path));
  const at = (message: string, p: PathSegment[] = path): Finding[] => [{ path: p, message }];

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      return issue.keys.flatMap((key) =>
        at(`unknown key "${key}": not a Claude Code setting this layer models${didYouMean(key, known, false)}`, [...path, key]),
      );
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      return at(`invalid key "${String(path[path.length - 1])}": ${inner?.message ?? 'not allowed'}`);
    }
    case 'invalid_union': {
      // A discriminated union (marketplace `source`) names its allowed values; zod's type omits them.
      const options = (issue as { options?: unknown[] }).options;
      if (options) return at(`expected one of ${options.map(String).join(', ')}, got ${got}`);
      return at(`does not match any allowed shape, got ${got}`);
    }
    case 'invalid_value':
      return at(`expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`);
    case 'invalid_type':
      if (got === 'nothing') return at(`is required (${issue.expected})`);
      return at(`expected ${issue.expected}, got ${got}`);
    case 'too_small':
      if (issue.origin === 'array') return at(`must list at least ${issue.minimum} item(s)`);
      if (issue.origin === 'string') return at('must not be empty');
      return at(`must be at least ${issue.minimum}, got ${got}`);
    case 'too_big':
      return at(`must be at most ${issue.maximum}, got ${got}`);
    case 'custom':
      return at(`${issue.message}, got ${got}`);
    default:
      return at(issue.message);
  }
}
