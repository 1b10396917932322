// Issue 12, attack class 8 ("infrastructure namespaces can be owned"), through the real
// commands as the npm scripts run them (bin/validate.ts, bin/synth.ts): a roster that names
// `vault`, `kube-system` and `0-core-x` (platform namespaces) and `platform` (a KV name
// holding platform secrets) as a namespace-owner's namespaces is refused with one
// file:line:col error per name, at the name itself, exit 1, and a synth over it writes
// nothing (the previous cdktf.out is left byte for byte, no staging directory is left).
// No host is involved: the refusal happens at validation, before anything is planned.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT } from '../support/inputs';
import { fileTree } from '../support/file-tree';
import { runBin } from '../support/run';

const OWNED = 'namespaces: [vabbit81]';
const HOSTILE = 'namespaces: [vault, kube-system, 0-core-x, platform]';

/** Temporary directories made here, removed after the tests. */
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A local config-base repository, so synth resolves its head without a network. */
function configBaseRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-ns-config-base-'));
  made.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'master');
  writeFileSync(join(dir, 'README.md'), 'config base\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  return dir;
}

function workdir(roster: string, site = EXAMPLE_SITE_TEXT): string {
  const dir = mkdtempSync(join(tmpdir(), 'dw-ns-'));
  made.push(dir);
  mkdirSync(join(dir, 'roster'));
  writeFileSync(join(dir, 'roster/roster.yaml'), roster);
  writeFileSync(join(dir, 'roster/site.yaml'), site.replace('https://github.com/ViktorBarzin/dotfiles.git', configBaseRepo()));
  return dir;
}


/** `roster/roster.yaml:L:C` of `name` in the hostile namespaces line (1-based, as the errors print). */
function at(roster: string, name: string): string {
  const lines = roster.split('\n');
  const l = lines.findIndex((x) => x.includes(HOSTILE));
  return `roster/roster.yaml:${l + 1}:${lines[l].indexOf(name) + 1}`;
}

const K8S = "Kubernetes' own namespaces (reserved whatever kubernetes.reserved_namespaces says)";
const SITE_NS = "the platform's own namespaces are never owned by a namespace-owner";
const KV = 'a namespace-owner gets secret/platform in Vault, which holds platform secrets';

describe('a roster making platform namespaces and KV names a namespace-owner\'s (attack class 8)', () => {
  if (!EXAMPLE_ROSTER_TEXT.includes(OWNED)) throw new Error(`the fixture roster no longer has "${OWNED}": update this test`);
  const roster = EXAMPLE_ROSTER_TEXT.replace(OWNED, HOSTILE);
  const expected = [
    `${at(roster, 'vault')} people.gheorghe.namespaces.0: namespace "vault" is reserved by the site rule kubernetes.reserved_namespaces (it matches "vault"): ${SITE_NS}`,
    `${at(roster, 'kube-system')} people.gheorghe.namespaces.1: namespace "kube-system" is reserved: it matches "kube-*", ${K8S}`,
    `${at(roster, '0-core-x')} people.gheorghe.namespaces.2: namespace "0-core-x" is reserved by the site rule kubernetes.reserved_namespaces (it matches "0-core-*"): ${SITE_NS}`,
    `${at(roster, 'platform')} people.gheorghe.namespaces.3: namespace "platform" is reserved by the site rule vault.reserved_kv_names (it matches "platform"): ${KV}`,
  ];

  test('npm run validate exits 1 with one file:line:col error per reserved name, nothing on stdout', () => {
    const r = runBin('validate', [], { cwd: workdir(roster) });
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', `${expected.join('\n')}\n`]);
  });

  test('a site that empties kubernetes.reserved_namespaces still cannot hand out kube-* or a reserved KV name', () => {
    const site = EXAMPLE_SITE_TEXT.replace(/^kubernetes:\n/m, 'kubernetes:\n  reserved_namespaces: []\n');
    expect(site).toContain('reserved_namespaces: []');
    const r = runBin('validate', [], { cwd: workdir(roster, site) });
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', `${expected[1]}\n${expected[3]}\n`]);
  });

  test('npm run synth over it exits 1 with the same errors and leaves the previous cdktf.out byte for byte', () => {
    const dir = workdir(EXAMPLE_ROSTER_TEXT);
    expect(runBin('synth', [], { cwd: dir }).code).toBe(0);
    const before = fileTree(join(dir, 'cdktf.out'));
    expect(before.size).toBeGreaterThan(0);
    writeFileSync(join(dir, 'roster/roster.yaml'), roster);
    const r = runBin('synth', [], { cwd: dir });
    expect(r.code).toBe(1);
    for (const e of expected) expect(r.stderr).toContain(e);
    expect(fileTree(join(dir, 'cdktf.out'))).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['cdktf.out', 'roster']);
  });
});
