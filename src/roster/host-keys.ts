// The devvm's SSH host keys as the site gives them (the output of `ssh-keyscan <host>`,
// pasted into `devvm.host_keys`) and the ONE key Terraform's connection pins.
//
// Why one key, and which: Terraform's `host_key` takes a single key. Terraform 1.11.4
// (internal/communicator/ssh/provisioner.go, buildSSHClientConfig) writes it as the only
// line of a temporary known_hosts file, builds the HostKeyCallback with
// golang.org/x/crypto/ssh/knownhosts, and leaves ssh.ClientConfig.HostKeyAlgorithms unset.
// So its client offers x/crypto's default order (v0.35.0, ssh/common.go
// supportedHostKeyAlgos: certificates, then ecdsa-sha2-nistp256/384/521, rsa-sha2-256/512,
// ssh-rsa, ssh-dss, ssh-ed25519 last), and the first one the server also has wins
// (findCommon in the client's order). The server then shows that key, and knownhosts
// refuses it with "knownhosts: key mismatch" unless it is the pinned one. A stock Debian
// sshd has RSA, ECDSA and ed25519 keys, so it shows its ECDSA key: pinning the ed25519
// key (what most people copy) can never work there.
import type { Problem } from './problems';

/** The host key types Terraform's client offers, in its order of preference (x/crypto v0.35.0). */
export const NEGOTIATION_ORDER = ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa', 'ssh-ed25519'] as const;
export type HostKeyType = (typeof NEGOTIATION_ORDER)[number];

export interface HostKey {
  readonly type: HostKeyType;
  readonly base64: string;
  /** 0-based line of the given text the key was on. */
  readonly line: number;
}

/** A problem with the given text; `line` is the 0-based line of the text, absent for the text as a whole. */
export interface HostKeyFinding {
  readonly line?: number;
  readonly message: string;
}

/** What the host-key fields of `devvm` hold (host_key is the deprecated one-line form). */
export interface HostKeyFields {
  readonly host: string;
  readonly port: number;
  readonly host_keys?: string;
  readonly host_key?: string;
  readonly host_keys_complete?: boolean;
}

const isType = (t: string | undefined): t is HostKeyType => (NEGOTIATION_ORDER as readonly string[]).includes(t ?? '');
const looksLikeType = (t: string | undefined) => /^(ssh|ecdsa|sk|rsa)-[a-z0-9@.-]+$/.test(t ?? '');
const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** The key type a public key blob names (its first SSH string), or undefined when it is no blob. */
function blobType(base64: string): string | undefined {
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** The `ssh-keyscan` command for this host (port 22 is the default). */
export function keyscanCommand(host: string, port: number): string {
  return `ssh-keyscan ${port === 22 ? '' : `-p ${port} `}${host}`;
}

/**
 * Parses ssh-keyscan output: one key per line, `[<host>] <type> <base64> [comment]`,
 * blank lines and `#` comment lines ignored. Every bad line is a finding.
 */
export function parseHostKeys(text: string): { keys: HostKey[]; findings: HostKeyFinding[] } {
  const keys: HostKey[] = [];
  const findings: HostKeyFinding[] = [];
  text.split('\n').forEach((raw, line) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    const t = l.split(/\s+/);
    if (t[0].startsWith('@')) {
      findings.push({ line, message: `known_hosts markers such as ${t[0]} are not supported: give the plain keys as ssh-keyscan prints them, got ${shown(l)}` });
      return;
    }
    const at = isType(t[0]) ? 0 : isType(t[1]) ? 1 : -1;
    if (at < 0) {
      const named = looksLikeType(t[0]) ? t[0] : looksLikeType(t[1]) ? t[1] : undefined;
      findings.push({
        line,
        message: named
          ? `${named} keys cannot be pinned (Terraform pins ${NEGOTIATION_ORDER.join(', ')}), got ${shown(l)}`
          : `must be a line of ssh-keyscan output, "[<host>] <type> <base64>", got ${shown(l)}`,
      });
      return;
    }
    const type = t[at] as HostKeyType;
    const base64 = t[at + 1] ?? '';
    if (!/^[A-Za-z0-9+/]+={0,3}$/.test(base64)) {
      findings.push({ line, message: `the ${type} key must be base64 after the type, got ${shown(l)}` });
      return;
    }
    if (t.slice(at + 2).some(isType)) {
      findings.push({ line, message: `several keys on one line: give one key per line, as ssh-keyscan prints them (a folded block ">" joins lines: write "host_keys: |"), got ${shown(l)}` });
      return;
    }
    const inBlob = blobType(base64);
    if (inBlob !== type) {
      findings.push({ line, message: `the base64 is ${inBlob ? `a ${inBlob} key` : 'not a public key'}, not ${type} (a paste cut or mixed up?), got ${shown(l)}` });
      return;
    }
    const first = keys.find((k) => k.type === type);
    if (first && first.base64 !== base64) {
      findings.push({ line, message: `a second ${type} key (the first is on line ${first.line + 1} of the value): an sshd shows one key per type; keep only this host's` });
      return;
    }
    if (!first) keys.push({ type, base64, line });
  });
  return { keys, findings };
}

/** The key Terraform's client negotiates among `keys` (the server has exactly these). */
export function negotiatedKey(keys: readonly HostKey[]): HostKey | undefined {
  for (const type of NEGOTIATION_ORDER) {
    const k = keys.find((x) => x.type === type);
    if (k) return k;
  }
  return undefined;
}

/** Which field holds the keys: host_keys, or the deprecated host_key. */
export function hostKeysField(devvm: Pick<HostKeyFields, 'host_keys' | 'host_key'>): 'host_keys' | 'host_key' {
  return devvm.host_keys === undefined && devvm.host_key !== undefined ? 'host_key' : 'host_keys';
}

/**
 * Everything wrong with the host-key fields, each tied to the field and (for one bad key)
 * its line inside the value. Empty: `pinnedHostKey` gives the key to pin.
 */
export function hostKeyFindings(devvm: HostKeyFields): { field: 'host_keys' | 'host_key'; findings: HostKeyFinding[] } {
  const field = hostKeysField(devvm);
  const keyscan = `\`${keyscanCommand(devvm.host, devvm.port)}\``;
  if (devvm.host_keys !== undefined && devvm.host_key !== undefined) {
    return { field: 'host_key', findings: [{ message: 'give the keys once, in host_keys: host_key is its deprecated one-line form; remove it' }] };
  }
  const text = devvm.host_keys ?? devvm.host_key;
  if (text === undefined) {
    return { field, findings: [{ message: `is required: the devvm's public host keys, the output of ${keyscan} (all its lines), as a block "host_keys: |"` }] };
  }
  const { keys, findings } = parseHostKeys(text);
  if (findings.length > 0) return { field, findings };
  if (keys.length === 0) return { field, findings: [{ message: `has no key: paste the output of ${keyscan} (all its lines)` }] };
  const pin = negotiatedKey(keys)!;
  if (!pin.type.startsWith('ecdsa-') && !devvm.host_keys_complete) {
    return {
      field,
      findings: [{
        message:
          `has no ECDSA key, so Terraform would pin ${pin.type}, which a stock Debian sshd (RSA, ECDSA and ed25519 keys) never shows it: ` +
          `Terraform's SSH client (1.11.4, golang.org/x/crypto) negotiates ECDSA first, then RSA, then ed25519, and the connection fails with ` +
          `"knownhosts: key mismatch". Paste the full output of ${keyscan} (every line) into devvm.host_keys` +
          (field === 'host_key' ? ' in place of host_key' : '') +
          ' (only if this sshd has no ECDSA host key at all, set devvm.host_keys_complete: true)',
      }],
    };
  }
  return { field, findings: [] };
}

/** The one "<type> <base64>" Terraform's connection pins (the site is valid: checked at load). */
export function pinnedHostKey(devvm: HostKeyFields): string {
  const text = devvm.host_keys ?? devvm.host_key ?? '';
  const pin = negotiatedKey(parseHostKeys(text).keys);
  if (!pin) throw new Error('the site has no usable devvm host key (loadInputs validates it)');
  return `${pin.type} ${pin.base64}`;
}

/** Every given key, "<type> <base64>" (for OpenSSH's known_hosts, which negotiates on its own). */
export function allHostKeys(devvm: HostKeyFields): string[] {
  return parseHostKeys(devvm.host_keys ?? devvm.host_key ?? '').keys.map((k) => `${k.type} ${k.base64}`);
}

/**
 * The findings as problems at the line to edit: a bad key at its own line inside a block
 * scalar (`host_keys: |`), anything else at the field's value (or at `devvm` when missing).
 */
export function hostKeyProblems(
  file: string,
  text: string,
  devvm: HostKeyFields,
  locateField: (field: 'host_keys' | 'host_key', target: 'key' | 'value') => { line: number; col: number },
): Problem[] {
  const { field, findings } = hostKeyFindings(devvm);
  if (findings.length === 0) return []; // positions are looked up only for a finding
  const path = `devvm.${field}`;
  const present = devvm[field] !== undefined;
  const at = locateField(field, present ? 'value' : 'key');
  const textLines = text.split('\n');
  // A literal block scalar's first content line is the one after its header (`|`, `|-`).
  const header = textLines[at.line - 1]?.slice(at.col - 1) ?? '';
  const block = present && /^[|]/.test(header);
  return findings.map((f) => {
    if (f.line === undefined || !block) return { file, line: at.line, col: at.col, path, message: f.message };
    const line = at.line + 1 + f.line;
    const col = (textLines[line - 1] ?? '').search(/\S/) + 1;
    return { file, line, col: Math.max(col, 1), path, message: f.message };
  });
}
