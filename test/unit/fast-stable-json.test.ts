// src/synth/fast-stable-json.ts: the quick path writes exactly what json-stable-stringify
// writes with { space: 2 } (cdktf's call), on generated JSON documents (empty objects and
// lists at every depth, `__proto__` and other awkward keys, undefined and functions left
// out) and on both stacks of the example roster; and it declines (the library then writes)
// whatever the two could write differently. In jest, Node's module cache is not the one
// modules load through, so the require below gets the library itself.
import fc from 'fast-check';
import { Testing } from 'cdktf';
import { quickStableJson, STABLE_STRINGIFY_PATH } from '../../src/synth/fast-stable-json';
import { buildApp } from '../../src/app';
import { exampleInputs } from '../support/inputs';

const library = require(STABLE_STRINGIFY_PATH) as (value: unknown, opts: { space: number }) => string;
const both = (value: unknown) => [quickStableJson(value), library(value, { space: 2 })];

const key = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }).filter((k) => !/^\d+$/.test(k) && !k.includes('\u0000')) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'a b', 'é', '"', '\\', '\n', '𝄞', 'A', 'a', 'B') },
);
const leaf = fc.oneof(
  fc.string().filter((s) => !s.includes('\u0000')),
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant({}),
  fc.constant([]),
);
const doc = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 5 }),
  map: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).value;

test('generated documents: the quick path writes what the library writes', () => {
  fc.assert(
    fc.property(doc, (value) => {
      const [quick, lib] = both(value);
      expect(quick).toBe(lib);
    }),
    { numRuns: 2000 },
  );
});

test('both stacks of the example roster, byte for byte', () => {
  const { stacks } = buildApp(exampleInputs(), Testing.app().outdir, { configBaseCommit: false });
  for (const stack of [stacks.workstations, stacks.devvm]) {
    const [quick, lib] = both(stack.toTerraform());
    expect(quick).toBeDefined();
    expect(quick).toBe(lib);
  }
});

test('empty objects and lists are written open, at their depth', () => {
  expect(quickStableJson({ b: [], a: { c: {} } })).toBe('{\n  "a": {\n    "c": {\n    }\n  },\n  "b": [\n  ]\n}');
  expect(quickStableJson([])).toBe('[\n]');
});

test('declines what JSON.stringify would write differently, so the library writes it', () => {
  for (const value of [{ '10': 1, '9': 2 }, { a: 'nul \u0000 inside' }, { ['x\u0000']: 1 }, { d: new Date(0) }, new Map(), { s: new Set([1]) }, Object.create({ inherited: 1 })]) {
    expect(quickStableJson(value)).toBeUndefined();
  }
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  expect(quickStableJson(deep)).toBeUndefined();
  expect(library(deep, { space: 2 })).toBeDefined();
});
