// A tiny YAML emitter for the agent's own documents (the kubeconfig): block mappings and
// sequences, every string double-quoted JSON-style (valid YAML). It keeps the yaml
// library (160 KB) out of the agent bundle, which every provisioner call has to parse.
type Value = string | number | boolean | null | Value[] | { [key: string]: Value | undefined };

const scalar = (v: string | number | boolean | null) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const isScalar = (v: Value): v is string | number | boolean | null => v === null || typeof v !== 'object';
const isEmpty = (v: Value) => (Array.isArray(v) ? v.length === 0 : !isScalar(v) && Object.keys(v).length === 0);

function emit(value: Value, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isScalar(item) || isEmpty(item)) return [`${indent}- ${isScalar(item) ? scalar(item) : Array.isArray(item) ? '[]' : '{}'}`];
      const [first, ...rest] = emit(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  return Object.entries(value).flatMap(([key, v]) => {
    if (v === undefined) return [];
    const k = /^[A-Za-z][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
    if (isScalar(v)) return [`${indent}${k}: ${scalar(v)}`];
    if (isEmpty(v)) return [`${indent}${k}: ${Array.isArray(v) ? '[]' : '{}'}`];
    return [`${indent}${k}:`, ...emit(v, Array.isArray(v) ? indent : `${indent}  `)];
  });
}

export function toYaml(value: Value): string {
  return `${emit(value, '').join('\n')}\n`;
}
