// A `locals` entry (LiteralLocal) or a top-level block list such as `moved` (LiteralBlock)
// whose value is a literal: plain data the roster derived, with no token in it (the
// per-person maps each for_each block iterates, the moved list). cdktf resolves every value of a
// stack twice at synth (each element's fragment, then the whole document) and once more
// to find cross-stack references, walking every string, number and key of it; for these
// maps (most of a stack's JSON) that was most of synth's time at 3000 people (docs/bench.md).
// A literal needs none of it: resolving plain data returns it unchanged. So the element (or
// the stack override) carries a placeholder through cdktf, and the stack puts the literal
// in its place in the resolved document (LiteralStack's toTerraform: the only kind of stack
// they may live in). Same JSON, byte for byte; references (`local.<name>`, iterators) work as
// for any TerraformLocal.
//
// "No token in it" is checked once, when the local is made: a token (a reference to a
// resource, say) inside would otherwise reach the JSON unresolved. A literal that holds one
// is a programming error, thrown with the path of the value.
import { TerraformLocal, TerraformStack, Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';

/** What cdktf sees as the local's value. */
const PLACEHOLDER = 'literal-local: replaced after resolution';

/**
 * In every marker cdktf encodes a string, list or map token with (`${TfToken[`, `#{TfToken[`,
 * `&{TfToken[`): a string without it is no token, and asking cdktf (a regular expression per
 * string) was 0.1 s of synth at 3000 people. A string with it is refused outright.
 */
const TOKEN_MARK = 'TfToken[';

/** Where `value` is not plain JSON data without tokens (undefined: it is). */
export function literalProblem(value: unknown, at = '(value)'): string | undefined {
  const found = problemIn(value);
  return found && `${[at, ...found.path].join('.')}: ${found.problem}`;
}

/**
 * The first problem in `value` and the keys down to it. The path is built only for a
 * problem: built for every value it was a third of this check's time at 3000 people.
 */
function problemIn(value: unknown): { path: string[]; problem: string } | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return value.includes(TOKEN_MARK) ? { path: [], problem: 'a token' } : undefined;
  if (typeof value === 'number') {
    if (Token.isUnresolved(value)) return { path: [], problem: 'a token' };
    return Number.isFinite(value) ? undefined : { path: [], problem: `${value} is not a JSON number` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = value[i] === undefined ? { path: [], problem: 'undefined in a list' } : problemIn(value[i]);
      if (found) return { path: [String(i), ...found.path], problem: found.problem };
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if ((proto !== Object.prototype && proto !== null) || Tokenization.isResolvable(value)) return { path: [], problem: 'not a plain object' };
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue; // left out, as cdktf leaves it out
      if (k.includes(TOKEN_MARK)) return { path: [], problem: 'a token as a key' };
      const found = problemIn(v);
      if (found) return { path: [k, ...found.path], problem: found.problem };
    }
    return undefined;
  }
  return { path: [], problem: `a ${typeof value}` };
}

export class LiteralLocal extends TerraformLocal {
  /** The value written to `locals` (never resolved: plain data, checked). */
  readonly literal: unknown;

  constructor(scope: Construct, id: string, literal: unknown) {
    super(scope, id, PLACEHOLDER);
    if (!(TerraformStack.of(this) instanceof LiteralStack)) throw new Error(`${this.node.path}: a LiteralLocal lives only in a LiteralStack (any other stack would write its placeholder)`);
    const problem = literalProblem(literal);
    if (problem) throw new Error(`${this.node.path}: a LiteralLocal holds only plain data: ${problem}`);
    this.literal = literal;
  }
}

/** A top-level block list of the stack (`moved`, `import`, `removed`) that is plain data. */
export class LiteralBlock extends Construct {
  /** The top-level key of the stack's JSON. */
  readonly key: string;
  /** The blocks written there (never resolved: plain data, checked). */
  readonly literal: readonly unknown[];

  constructor(stack: LiteralStack, key: string, literal: readonly unknown[]) {
    super(stack, `literal-block-${key}`);
    const problem = literalProblem(literal, key);
    if (problem) throw new Error(`${this.node.path}: a LiteralBlock holds only plain data: ${problem}`);
    this.key = key;
    this.literal = literal;
    // Where the blocks go in the document: a stack override, as cdktf writes `moved` & co.
    stack.addOverride(key, PLACEHOLDER);
  }
}

/** A stack whose resolved JSON gets its LiteralLocals and LiteralBlocks put in place. */
export class LiteralStack extends TerraformStack {
  override toTerraform(): ReturnType<TerraformStack['toTerraform']> {
    return fillLiterals(this, super.toTerraform());
  }
}

/** Puts each LiteralLocal and LiteralBlock of `stack` in place of its placeholder in the stack's resolved JSON. */
function fillLiterals<T extends Record<string, unknown>>(stack: TerraformStack, tf: T): T {
  const doc = tf as Record<string, unknown> & { locals?: Record<string, unknown> };
  for (const c of stack.node.findAll()) {
    if (c instanceof LiteralLocal) {
      const name = c.friendlyUniqueId;
      if (doc.locals?.[name] !== PLACEHOLDER) throw new Error(`${c.node.path}: local.${name} is not in the stack's JSON as written (overridden?)`);
      doc.locals[name] = c.literal;
    } else if (c instanceof LiteralBlock) {
      if (doc[c.key] !== PLACEHOLDER) throw new Error(`${c.node.path}: ${c.key} is not in the stack's JSON as written (overridden?)`);
      doc[c.key] = c.literal;
    }
  }
  return tf;
}
