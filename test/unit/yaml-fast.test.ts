// The quick YAML reading (src/roster/yaml-fast.ts) may decline any text, but a text it
// accepts must read exactly as the positioned parse reads it: no problem there, and the
// same value (Object.is for every number: -0, large ints). Checked on generated documents
// full of scalars the two libraries might resolve differently, and on random edits of
// them (which make most of them invalid YAML).
import fc from 'fast-check';
import { fastYamlValue } from '../../src/roster/yaml-fast';
import { exactYaml, parseYaml } from '../../src/roster/yaml-source';

/** Plain scalars whose type depends on the schema (YAML 1.1 vs 1.2 core, library quirks). */
const TRICKY = [
  '0', '-0', '+1', '007', '0o17', '0O17', '0x1F', '0X1F', '-0x1F', '+0o7', '0b101', '1_000', '1e3', '1E3', '1.', '.5', '-.5', '+.5',
  '1.5e-3', '1e+3', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', 'null', 'Null', 'NULL', '~', 'nULL', 'true',
  'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '2026-01-01', '2026-01-01T10:00:00Z', '12:30', '1:2',
  '0.1.2', '1e', 'e3', '0x', '0o', '0o8', '0xG', '9007199254740993', '1e400', '-1e400', '123456789012345678901234567890',
  '0x7FFFFFFFFFFFFFFFFF', '0.0', '-0.0', '00', '08', '09.5', '.', '.e3', '1.e3', '=', '<<', 'a b', 'a#b', 'a%b', '@x', '`x',
  'emo', 'wizard', 'power-user', 'admin', 'https://example.com/x', 'git@github.com:o/r.git', '/home/emo', '10.0.10.10',
];
/** Quoted and block scalars. */
const QUOTED = ['"1"', "'1'", '"a\\x41"', '"\\u263A"', '"\\N"', '"\\_"', "'it''s'", '"tab\\tend"', '""', "''", '"a # b"', '"null"', "'~'"];

const indentOf = (n: number) => ' '.repeat(n);

type Tree = { kind: 'scalar'; text: string } | { kind: 'map'; entries: [string, Tree][] } | { kind: 'seq'; items: Tree[] } | { kind: 'flow'; text: string } | { kind: 'block'; header: string; lines: string[] };

const key = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.constantFrom(...QUOTED) },
);
const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.constantFrom(...QUOTED) },
  { weight: 1, arbitrary: fc.constant('') },
).map((text): Tree => ({ kind: 'scalar', text }));
const flow = fc.constantFrom('[]', '{}', '[a, b]', '[1, 0x1F, null, "x"]', '[ ~ ]', '{a: 1}', '{a: 1, b: [c]}').map((text): Tree => ({ kind: 'flow', text }));
const block = fc
  .record({ header: fc.constantFrom('|', '|-', '|+', '>', '>-', '>+', '|2'), lines: fc.array(fc.constantFrom('text', '  more', '', 'a: b', '# not a comment', '- x'), { minLength: 1, maxLength: 4 }) })
  .map(({ header, lines }): Tree => ({ kind: 'block', header, lines }));

const { tree } = fc.letrec<{ tree: Tree; map: Tree; seq: Tree }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, flow, block, tie('map'), tie('seq')),
  map: fc.array(fc.tuple(key, tie('tree')), { minLength: 1, maxLength: 4 }).map((entries): Tree => ({ kind: 'map', entries })),
  seq: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((items): Tree => ({ kind: 'seq', items })),
}));
const comment = fc.option(fc.constantFrom(' # note', ' # who? & *x !tag', '  #'), { nil: '' });

/** Renders a tree as block YAML, `at` columns in. */
function render(t: Tree, at: number, comments: string[]): string[] {
  const c = () => comments[(comments.length && at) % comments.length] ?? '';
  switch (t.kind) {
    case 'map':
      return t.entries.flatMap(([k, v]) => {
        if (v.kind === 'scalar' || v.kind === 'flow') return [`${indentOf(at)}${k}: ${v.text}${v.text === '' ? '' : c()}`];
        if (v.kind === 'block') return [`${indentOf(at)}${k}: ${v.header}`, ...v.lines.map((l) => (l === '' ? '' : `${indentOf(at + 2)}${l}`))];
        return [`${indentOf(at)}${k}:${c()}`, ...render(v, at + 2, comments)];
      });
    case 'seq':
      return t.items.flatMap((v) => {
        if (v.kind === 'scalar' || v.kind === 'flow') return [`${indentOf(at)}- ${v.text}`];
        if (v.kind === 'block') return [`${indentOf(at)}- ${v.header}`, ...v.lines.map((l) => (l === '' ? '' : `${indentOf(at + 2)}${l}`))];
        return [`${indentOf(at)}-`, ...render(v, at + 2, comments)];
      });
    default:
      return [`${indentOf(at)}${(t as { text?: string }).text ?? ''}`];
  }
}

const document = fc
  .tuple(fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 5 }), fc.array(comment, { maxLength: 3 }), fc.boolean(), fc.constantFrom('\n', '\r\n'))
  .map(([entries, comments, header, eol]) => `${header ? `# roster${eol}` : ''}${render({ kind: 'map', entries }, 0, comments).join(eol)}${eol}`);

/** An edit of the text: insert, delete or replace one character. */
const edit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('insert', 'delete', 'replace'),
  ch: fc.constantFrom(' ', '  ', '\n', '\r', '\r\n', '\t', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', '&a ', '*a', '!', '!!str ', '?', '|', '>', '%', '\\', 'x', '0', '.'),
});
function applyEdits(text: string, edits: { at: number; op: string; ch: string }[]): string {
  let s = text;
  for (const e of edits) {
    const i = e.at % (s.length + 1);
    s = e.op === 'insert' ? s.slice(0, i) + e.ch + s.slice(i) : e.op === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + e.ch + s.slice(i + 1);
  }
  return s;
}

/** When the quick reading accepts `text`, the exact parse agrees. Returns whether it accepted. */
function agrees(text: string): boolean {
  const quick = fastYamlValue(text);
  if (!quick) return false;
  const exact = exactYaml('t.yaml', text);
  expect({ text, problems: exact.problems }).toEqual({ text, problems: [] });
  expect({ text, value: quick.value }).toEqual({ text, value: exact.source.value });
  return true;
}

describe('the quick YAML reading', () => {
  it('reads generated documents as the exact parse does, whenever it accepts them', () => {
    let accepted = 0;
    fc.assert(fc.property(document, (text) => void (agrees(text) && accepted++)), { numRuns: 1500 });
    // Not vacuous: most generated documents are plain data.
    expect(accepted).toBeGreaterThan(300);
  });

  it('never accepts an edited document the exact parse finds a problem in, or reads differently', () => {
    fc.assert(fc.property(document, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => void agrees(applyEdits(text, edits))), { numRuns: 3000 });
  });

  it('declines what the two libraries read differently, and what the exact parse must report', () => {
    const declined = [
      'a: 1e400\n', // js-yaml keeps the text; the exact parse gives Infinity
      '~: x\n', 'null: x\n', ': x\n', '1: x\n', // keys that are not strings
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', '%YAML 1.2\n---\na: 1\n', // anchors, aliases, tags, directives
      '? [a, b]\n: c\n', '[a]: b\n', // collection keys
      '__proto__: x\n', 'a: 1\na: 2\n', // reported by the exact parse
      'a: 1\n---\nb: 2\n', '', '# only a comment\n', '- a\n', 'just text\n', // not one mapping
      `${'k'.repeat(1100)}: x\n`,
      'a: 1\r', 'a: 1\rb: 2\n', // a lone carriage return: a line break to js-yaml, not to the yaml library
      'a: |\n    x\n\t    y\n', // a tab in the indentation: where does the block scalar end?
    ];
    for (const text of declined) expect([text, fastYamlValue(text)]).toEqual([text, undefined]);
  });

  it('accepts a roster-like file, and its positions still come from the exact parse', () => {
    const text = 'people:\n  emo:\n    email: emo@example.com\n    uid: 1001\n    workstation: {}\n';
    expect(fastYamlValue(text)).toEqual({ value: { people: { emo: { email: 'emo@example.com', uid: 1001, workstation: {} } } } });
    const { source, problems } = parseYaml('r.yaml', text);
    expect(problems).toEqual([]);
    expect(source.empty).toBe(false);
    const uid = source.doc.getIn(['people', 'emo', 'uid'], true) as { range: [number, number, number] };
    expect(source.lines.linePos(uid.range[0])).toEqual({ line: 4, col: 10 });
  });
});
