// Expands the `for_each` blocks of synthesized Terraform JSON into their instances, the
// way Terraform would, for the blocks this project writes: `for_each = "${local.NAME}"`
// over a map in the JSON's own `locals` block. Inside an instance, `${each.key}` and
// `${each.value.PATH}` standing alone become the value itself (any type); embedded in a
// longer expression, `each.key` becomes the quoted key (so a reference like
// `vault_identity_entity.person[each.key].id` names the instance). Anything else is an
// error: the evaluators must never silently miss a binding.
import type { TfJson } from './synth';

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

const WHOLE_KEY = /^\$\{each\.key\}$/;
const WHOLE_VALUE = /^\$\{each\.value((?:\.[a-z0-9_]+)*)\}$/;

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const seg of path.split('.').filter(Boolean)) v = (v as Record<string, unknown>)[seg];
  if (v === undefined) throw new Error(`each.value${path} is not in the locals entry`);
  return v;
}

function substitute(node: unknown, key: string, value: unknown): unknown {
  if (typeof node === 'string') {
    if (WHOLE_KEY.test(node)) return key;
    const whole = WHOLE_VALUE.exec(node);
    if (whole) return at(value, whole[1]);
    if (node.includes('each.value')) throw new Error(`unsupported each.value use: ${node}`);
    return node.replace(/each\.key/g, JSON.stringify(key));
  }
  if (Array.isArray(node)) return node.map((n) => substitute(n, key, value));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, key, value)]));
  }
  return node;
}

/** The for_each map of a block, read from the JSON's locals (undefined: not a for_each block). */
export function forEachMap(tf: TfJson, body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (body.for_each === undefined) return undefined;
  const m = /^\$\{local\.([A-Za-z0-9_-]+)\}$/.exec(String(body.for_each));
  if (!m) throw new Error(`for_each must iterate a locals map, not ${JSON.stringify(body.for_each)}`);
  const map = (tf.locals as Record<string, unknown> | undefined)?.[m[1]];
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error(`local.${m[1]} is not a map in the JSON`);
  return map as Record<string, unknown>;
}

function expand(tf: TfJson, blocks: Blocks | undefined): Blocks {
  const out: Blocks = {};
  for (const [type, byName] of Object.entries(blocks ?? {})) {
    out[type] = {};
    for (const [name, body] of Object.entries(byName)) {
      const map = forEachMap(tf, body);
      if (!map) {
        out[type][name] = body;
        continue;
      }
      const { for_each: _ignored, ...rest } = body;
      for (const [key, value] of Object.entries(map)) out[type][`${name}[${JSON.stringify(key)}]`] = substitute(rest, key, value) as Record<string, unknown>;
    }
  }
  return out;
}

/** The same JSON with every for_each block replaced by its instances (`name["key"]`). */
export function expandInstances(tf: TfJson): TfJson {
  return { ...tf, resource: expand(tf, tf.resource), data: expand(tf, tf.data) };
}

/** Every resource and data source instance as its address -> canonical JSON text. */
export function instanceIndex(tf: TfJson): Map<string, string> {
  const x = expandInstances(tf);
  const index = new Map<string, string>();
  for (const [type, byName] of Object.entries(x.resource)) for (const [name, body] of Object.entries(byName)) index.set(`${type}.${name}`, JSON.stringify(body));
  for (const [type, byName] of Object.entries(x.data ?? {})) for (const [name, body] of Object.entries(byName)) index.set(`data.${type}.${name}`, JSON.stringify(body));
  return index;
}
