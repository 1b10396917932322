// The quick reading of a YAML file that is plain data, which a roster is. The yaml library
// (yaml-source.ts) keeps every node's position, so that a problem can name the line to
// edit; at 3000 people that parse took 0.7-1.0 s of a 3.5 s synth, while js-yaml reads the
// same file in 0.04-0.19 s (docs/bench.md). So parseYaml reads the file with js-yaml first
// and keeps the positioned parse for when a problem needs a position.
//
// The quick reading is used only when it cannot differ from the exact one. js-yaml's
// CORE_SCHEMA is YAML 1.2's core schema, as the exact parse uses it; everything where the
// two libraries may read a text differently, or where the exact parse has a problem to
// report, is declined here and read by the exact parse:
//   - anything js-yaml itself refuses (syntax, duplicate keys, an alias: maxAliases 0);
//   - a carriage return not followed by a line feed (js-yaml breaks the line there, the
//     yaml library keeps it in the scalar), a tab in a line's indentation (where the two
//     disagree on where a block scalar ends);
//   - not exactly one document, a directive, or a root that is not a mapping;
//   - an anchor, an alias or a tag; a key that is a collection (`? [a, b]`, `[a]: b`);
//   - a plain key that may not be a string (`~:`, `null:`, an empty key, a number);
//   - a `__proto__` key (reported by the exact parse), a key of more than 1000 characters;
//   - a plain scalar that reads as a number too large for a double (`1e400`: js-yaml keeps
//     the text, the exact parse gives Infinity).
// test/unit/yaml-fast.test.ts checks, on generated and on mutated documents, that whenever
// this accepts a text, the exact parse finds no problem and the same value.
import { constructFromEvents, CORE_SCHEMA, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE } from 'js-yaml';
import type { Event } from 'js-yaml';

/** A plain scalar the core schema might read as null, a boolean or a number (so not as a string). */
const MAYBE_NOT_A_STRING = /^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9.][0-9a-fA-FoxXeE._+-]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** A carriage return that does not end a CRLF line ending, or a tab in a line's indentation. */
const LONE_CR_OR_INDENT_TAB = /\r(?!\n)|^ *\t/m;
/** A plain scalar that starts like a number (the core schema's ints and floats). */
const NUMBER_LIKE = /^[-+]?(?:[0-9]|\.[0-9])/;

/** The value of `text` when it is plain data both parsers read alike; undefined otherwise. */
export function fastYamlValue(text: string): { value: unknown } | undefined {
  if (LONE_CR_OR_INDENT_TAB.test(text)) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  if (!plainData(events, text)) return undefined;
  try {
    const docs = constructFromEvents(events, { source: text, schema: CORE_SCHEMA, json: false, maxAliases: 0 });
    return docs.length === 1 ? { value: docs[0] } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the events are one document whose root is a mapping, with nothing declined above. */
function plainData(events: readonly Event[], text: string): boolean {
  // Per open collection: is it a mapping, and how many children it has had (even: a key next).
  const open: { mapping: boolean; children: number }[] = [];
  let documents = 0;
  for (const e of events) {
    const parent = open[open.length - 1];
    const isKey = parent !== undefined && parent.mapping && parent.children % 2 === 0;
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        if (++documents > 1 || e.directives.length > 0) return false;
        open.push({ mapping: false, children: 0 });
        continue;
      case EVENT_ID.POP:
        open.pop();
        continue;
      case EVENT_ID.ALIAS:
        return false;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        if (e.anchorStart !== -1 || e.tagStart !== -1 || isKey) return false;
        if (open.length === 1 && e.type !== EVENT_ID.MAPPING) return false;
        parent.children++;
        open.push({ mapping: e.type === EVENT_ID.MAPPING, children: 0 });
        continue;
      case EVENT_ID.SCALAR: {
        if (e.anchorStart !== -1 || e.tagStart !== -1) return false;
        if (open.length === 1) return false; // a scalar root
        parent.children++;
        const plain = e.style === SCALAR_STYLE.PLAIN;
        if (!plain && !isKey) continue;
        // YAML allows an implicit key of at most 1024 characters; the exact parse enforces it.
        if (isKey && e.valueEnd - e.valueStart > 1000) return false;
        const value = getScalarValue(text, e);
        if (isKey && (value === '__proto__' || (plain && MAYBE_NOT_A_STRING.test(value)))) return false;
        if (plain && NUMBER_LIKE.test(value) && Math.abs(Number(value)) === Infinity) return false;
        continue;
      }
    }
  }
  return documents === 1;
}
