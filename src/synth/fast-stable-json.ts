// cdktf writes each stack's JSON (and its manifest) with json-stable-stringify(doc, { space: 2 }):
// keys sorted, two-space indent, and an empty object or list written open ("{" newline,
// the indent, "}"). At 3000 people that is 11 MB and 0.2-0.3 s of every synth, built string
// by string in JavaScript. Imported before cdktf (src/synth/before-cdktf.ts), this stand-in
// writes the same bytes through V8's own JSON.stringify: a copy of the document with each
// object's keys in sorted order and each empty object or list as a marker string, which one
// replace then writes open at its depth.
//
// Whatever the two could write differently goes to the library itself: other options, a
// key of digits only (JSON.stringify writes integer keys first, in numeric order), a toJSON
// method or an object that is not plain, a NUL in any string or key (the marker's first
// character), nesting deeper than MAX_DEPTH. test/unit/fast-stable-json.test.ts compares the
// two on generated documents and on both stacks.
import { dirname } from 'node:path';
import { standInModule } from './module-stand-in';

type StableStringify = (value: unknown, opts?: unknown) => string | undefined;

/** Where cdktf's `require("json-stable-stringify")` resolves (cdktf bundles its own copy). */
export const STABLE_STRINGIFY_PATH = require.resolve('json-stable-stringify', { paths: [dirname(require.resolve('cdktf/package.json'))] });

const MARK = '\u0000';
const MAX_DEPTH = 200;
/** A marker as JSON.stringify writes it: `"\u0000{3"` is an empty object at depth 3. */
const MARKER_JSON = /"\\u0000([[{])(\d+)"/g;

class Declined extends Error {}

const isDigits = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^\d+$/.test(k);
};

/**
 * What JSON.stringify writes as json-stable-stringify would: `value` itself where it already
 * is (keys in sorted order, nothing empty inside), otherwise a copy with the keys sorted and
 * each empty object or list a marker. Only what differs is copied: most of a stack's JSON
 * (the roster's maps) is built in sorted order, and copying all 11 MB of it was most of this
 * function's time and garbage. Throws Declined where the two could differ.
 */
function sortedCopy(value: unknown, depth: number, empties: { n: number }): unknown {
  if (typeof value === 'string') {
    if (value.includes(MARK)) throw new Declined();
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new Declined();
  if (Array.isArray(value)) {
    if (value.length === 0) {
      empties.n++;
      return `${MARK}[${depth}`;
    }
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const c = sortedCopy(v, depth + 1, empties);
      if (c !== v && out === undefined) out = value.slice(0, i) as unknown[];
      if (out !== undefined) out[i] = c;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new Declined();
  const keys = Object.keys(value);
  let same = true;
  for (let i = 1; i < keys.length && same; i++) same = keys[i - 1] < keys[i];
  const sorted = same ? keys : keys.sort();
  // Without a prototype, `__proto__` is a key like any other.
  let out: Record<string, unknown> | undefined;
  let written = 0;
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i];
    if (isDigits(k) || k.includes(MARK)) throw new Declined();
    const v = (value as Record<string, unknown>)[k];
    // Left out by both, as JSON leaves them out.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
      same = false;
      continue;
    }
    const c = sortedCopy(v, depth + 1, empties);
    if (c !== v) same = false;
    if (!same && out === undefined) {
      // The keys before this one, unchanged.
      out = Object.create(null) as Record<string, unknown>;
      for (let j = 0; j < i; j++) {
        const before = (value as Record<string, unknown>)[sorted[j]];
        if (before !== undefined && typeof before !== 'function' && typeof before !== 'symbol') out[sorted[j]] = before;
      }
    }
    if (out !== undefined) out[k] = c;
    written++;
  }
  if (written === 0) {
    empties.n++;
    return `${MARK}{${depth}`;
  }
  return out ?? value;
}

/** json-stable-stringify's output for `(value, { space: 2 })`, or undefined where it could differ. */
export function quickStableJson(value: unknown): string | undefined {
  const empties = { n: 0 };
  let copy: unknown;
  try {
    copy = sortedCopy(value, 0, empties);
  } catch (err) {
    if (err instanceof Declined) return undefined;
    throw err;
  }
  const text = JSON.stringify(copy, null, 2);
  if (empties.n === 0) return text;
  return text.replace(MARKER_JSON, (_m, open: string, depth: string) => `${open}\n${'  '.repeat(Number(depth))}${open === '[' ? ']' : '}'}`);
}

/** The library itself (loaded on first need, in place of this stand-in). */
let library: StableStringify | undefined;
export function libraryStableStringify(): StableStringify {
  if (!library) {
    delete require.cache[STABLE_STRINGIFY_PATH];
    library = require(STABLE_STRINGIFY_PATH) as StableStringify;
  }
  return library;
}

const isSpace2 = (opts: unknown) => opts !== null && typeof opts === 'object' && Object.keys(opts).length === 1 && (opts as { space?: unknown }).space === 2;

standInModule(STABLE_STRINGIFY_PATH, () => {
  const stringify: StableStringify = (value, opts) => (isSpace2(opts) ? quickStableJson(value) : undefined) ?? libraryStableStringify()(value, opts);
  // How test/unit/before-cdktf.test.ts tells the stand-in from the library.
  return Object.assign(stringify, { quick: true });
});
