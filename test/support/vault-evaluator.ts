// A small Vault ACL evaluator over policies parsed by a real HCL parser
// (@cdktf/hcl2json). Policies attached to one token are merged by path (capabilities
// of identical paths are unioned) and a request uses the most specific matching path:
// an exact path wins over a glob; among globs the longest prefix wins. `+` matches one
// segment. `deny` on the winning path denies everything.
import { parse } from '@cdktf/hcl2json';

export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'];

export type ParsedPolicy = Map<string, Set<string>>;

export async function parsePolicy(name: string, hcl: string): Promise<ParsedPolicy> {
  const json = (await parse(`${name}.hcl`, hcl)) as { path?: Record<string, { capabilities: string[] }[]> };
  const out: ParsedPolicy = new Map();
  for (const [path, blocks] of Object.entries(json.path ?? {})) {
    for (const block of blocks) {
      const caps = out.get(path) ?? new Set<string>();
      for (const c of block.capabilities) caps.add(c);
      out.set(path, caps);
    }
  }
  return out;
}

export function mergePolicies(policies: readonly ParsedPolicy[]): ParsedPolicy {
  const merged: ParsedPolicy = new Map();
  for (const p of policies) {
    for (const [path, caps] of p) merged.set(path, new Set([...(merged.get(path) ?? []), ...caps]));
  }
  return merged;
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const re = new RegExp(`^${body.split('+').map((s) => s.replace(/[.*?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}${glob ? '.*' : ''}$`);
  return re.test(path);
}

export function allows(policy: ParsedPolicy, capability: string, path: string): boolean {
  const candidates = [...policy.keys()].filter((p) => matches(p, path));
  if (candidates.length === 0) return false;
  const exact = candidates.find((p) => !p.endsWith('*') && !p.includes('+'));
  const best = exact ?? candidates.sort((a, b) => b.length - a.length)[0];
  const caps = policy.get(best)!;
  return !caps.has('deny') && caps.has(capability);
}
