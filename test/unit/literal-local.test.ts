// constructs/literal-local.ts: literal locals and blocks skip cdktf's resolution and must
// give the same JSON, byte for byte, as a TerraformLocal / stack override of the same data.
import { App, Lazy, TerraformIterator, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { DataResource } from 'cdktf';
import { LiteralBlock, LiteralLocal, literalProblem, LiteralStack as Stack } from '../../constructs/literal-local';

const DATA = {
  emo: { uid: 1001, groups: ['a', 'b'], note: 'a ${literal} Terraform expression stays as written', empty: {}, none: null, skipped: undefined, ok: true },
  'anca-milea': { uid: 1002, groups: [], nested: { deep: [{ x: 1.5 }, 'y'] } },
};
const MOVED = [{ from: 'terraform_data.account["emo"]', to: 'terraform_data.account_3["emo"]' }];

/** The same stack written with cdktf's own local and override, or with the literal ones. */
function synth(literal: boolean): string {
  const stack = new Stack(new App({ stackTraces: false }), 's');
  const local = literal ? new LiteralLocal(stack, 'people', DATA) : new TerraformLocal(stack, 'people', DATA);
  local.overrideLogicalId('people');
  new TerraformLocal(stack, 'small', { a: 1 }).overrideLogicalId('small');
  const each = TerraformIterator.fromMap(local.asAnyMap);
  new DataResource(stack, 'r', { forEach: each, input: { uid: each.getNumber('uid') } });
  if (literal) new LiteralBlock(stack, 'moved', MOVED);
  else stack.addOverride('moved', MOVED);
  stack.addOverride('removed', [{ from: 'x.y' }]);
  return JSON.stringify(stack.toTerraform(), null, 2);
}

describe('LiteralLocal and LiteralBlock', () => {
  it('write the same JSON as TerraformLocal and addOverride, byte for byte', () => {
    const literal = synth(true);
    expect(literal).toBe(synth(false));
    const tf = JSON.parse(literal);
    expect(tf.locals.people.emo).toEqual({ uid: 1001, groups: ['a', 'b'], note: DATA.emo.note, empty: {}, none: null, ok: true });
    expect(tf.resource.terraform_data.r.for_each).toBe('${local.people}');
    expect(tf.moved).toEqual(MOVED);
    expect(Object.keys(tf)).toEqual(Object.keys(JSON.parse(synth(false)))); // same place in the document
  });

  it('refuse a token or anything that is not plain data, naming where it is', () => {
    const stack = new Stack(new App({ stackTraces: false }), 's');
    const ref = new TerraformLocal(stack, 'other', 'x');
    expect(() => new LiteralLocal(stack, 'bad', { emo: { name: ref.asString } })).toThrow(/s\/bad: a LiteralLocal holds only plain data: \(value\)\.emo\.name: a token/);
    expect(() => new LiteralLocal(stack, 'bad2', { n: Token.asNumber('${var.x}') })).toThrow(/\(value\)\.n: a token/);
    expect(() => new LiteralBlock(stack, 'moved', [{ from: 'a', to: ref.asString }])).toThrow(/moved\.0\.to: a token/);
    // Every kind of token cdktf encodes: list and map tokens, a token as a key, a resolvable.
    expect(literalProblem({ l: Token.asList('${var.l}') })).toBe('(value).l.0: a token');
    expect(literalProblem({ m: Token.asStringMap('${var.m}') })).toBe('(value).m: a token as a key'); // a map token is an object keyed by its marker
    expect(literalProblem({ [ref.asString]: 1 })).toBe('(value): a token as a key');
    expect(literalProblem({ z: Lazy.anyValue({ produce: () => 1 }) })).toBe('(value).z: not a plain object');
    expect(literalProblem({ d: new Date(0) })).toBe('(value).d: not a plain object');
    expect(literalProblem([1, undefined])).toBe('(value).1: undefined in a list');
    expect(literalProblem({ f: () => 1 })).toBe('(value).f: a function');
    expect(literalProblem({ n: Number.NaN })).toBe('(value).n: NaN is not a JSON number');
    expect(literalProblem(DATA)).toBeUndefined();
  });

  it('refuse to live in a stack that would not put them in place (its JSON would hold the placeholder)', () => {
    const plain = new TerraformStack(new App({ stackTraces: false }), 'plain');
    expect(() => new LiteralLocal(plain, 'people', DATA)).toThrow(/plain\/people: a LiteralLocal lives only in a LiteralStack/);
  });

  it('fail the synth when the placeholder was overridden (the literal would be lost)', () => {
    const stack = new Stack(new App({ stackTraces: false }), 's');
    new LiteralLocal(stack, 'people', DATA).overrideLogicalId('people');
    stack.addOverride('locals.people', { other: 1 });
    expect(() => stack.toTerraform()).toThrow(/s\/people: local\.people is not in the stack's JSON as written/);
  });
});
