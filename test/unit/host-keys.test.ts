// The site's devvm host keys: ssh-keyscan output in, the one key Terraform 1.11.4 pins out,
// and a clear error at the line to edit when the keys cannot match what it negotiates.
import { keyscanCommand, negotiatedKey, parseHostKeys, pinnedHostKey } from '../../src/roster/host-keys';
import { parseSite } from '../../src/roster/load';
import { siteProblems } from '../support/inputs';

// Real public key blobs (generated with ssh-keygen for this test; public keys only).
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDQoQulpNT6EQP/qoQbYLIJtvGkiWrig3LWoVJMPSF5qgP2GO7woFG94AgZ630Z0M4YWqrMiKYnd+Hg3Su+/oZaKaisyIm/ehMWhBFcv3A1kAjQ3CLBvTj8WAExi7zd9Mmr15xRDmLl5untdNwlqm/yAos2xawlGQhWZ30RfMk1L+obDXsslvF1TWR4va0ElawwsmaQ72RTCpN3wQLa0NOoogfmvOcAS+GtSLlMO+6jBC46RS1KyPMazXaLsbuYbOoaDhxRFNdUl9WQg16v8SgLepVjcge0VWuEwuCq4wYQxooNQHJGtjg2a69PpRRhMh1SAioVk/DA6LuvnSLESlNQGow+TMDnTDgEm38IWterV07uX+QDCUD54P+f+FjnbuVMWD4X5rimBU+Qrtg8iAeQtFUhVISMF2TzQu9TdfwFRGLxXxADgBV1Nr+QYitTarZnz2SwmgxLEdvSc5/RTaZzcK6GHeTsHVaWW461Nbar9PNQ/qf8ZeX1Td/4KBfCkc8=';
const ECDSA = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLby8rAdgA7N3p1dE4HWVBRiVpgE4jinOKG7IMvKTT5GiSh6VKesWXqnT5YV+TgKQL+OH6qt28PEdULTRGOZglc=';
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK3hvrcwRkBwFYeDL2H4c0vJhU/3WIf99AkevPVkmmMu';
const OTHER_ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb4Rd9lodGS6ZCGAMP0BvAejNYEGawn6t1ddcoQhJWh';

/** A site whose devvm block is `devvm` (indented by the caller's yaml). */
const site = (devvm: string) => `version: 1\ndevvm:\n${devvm}kubernetes:\n  api_server: https://10.0.20.100:6443\ninfra_repo:\n  url: https://github.com/ViktorBarzin/infra.git\nconfig_base:\n  url: https://github.com/ViktorBarzin/dotfiles.git\n`;
const devvmOf = (devvm: string) => {
  const r = parseSite('roster/site.yaml', site(devvm));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value.devvm;
};

/** What `ssh-keyscan 10.0.10.10` prints (the `#` lines go to stderr; `2>&1` keeps them). */
const KEYSCAN = `# 10.0.10.10:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\n10.0.10.10 ${RSA}\n# 10.0.10.10:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\n10.0.10.10 ${ECDSA}\n10.0.10.10 ${ED25519}\n`;
const block = (text: string, indent = '    ') => text.replace(/\n$/, '').split('\n').map((l) => `${indent}${l}`).join('\n') + '\n';

describe('parsing ssh-keyscan output', () => {
  it('reads every key, with or without the host field, and skips comments and blank lines', () => {
    const { keys, findings } = parseHostKeys(`${KEYSCAN}\n\n`);
    expect(findings).toEqual([]);
    expect(keys.map((k) => k.type)).toEqual(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(parseHostKeys(`${ECDSA}\n${ED25519} root@devvm\n`).keys.map((k) => [k.type, k.line])).toEqual([['ecdsa-sha2-nistp256', 0], ['ssh-ed25519', 1]]);
    // A non-22 port and a hashed host (ssh-keyscan -H) are host fields too.
    expect(parseHostKeys(`[10.0.10.10]:2222 ${ECDSA}\n|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ${ED25519}\n`).findings).toEqual([]);
  });

  it('pins what Terraform 1.11.4 negotiates: ECDSA, then RSA, then ed25519', () => {
    const pin = (text: string) => negotiatedKey(parseHostKeys(text).keys)?.type;
    expect(pin(KEYSCAN)).toBe('ecdsa-sha2-nistp256');
    expect(pin(`${ED25519}\n${RSA}\n`)).toBe('ssh-rsa');
    expect(pin(`${ED25519}\n`)).toBe('ssh-ed25519');
    expect(pinnedHostKey({ host: '10.0.10.10', port: 22, host_keys: KEYSCAN })).toBe(ECDSA);
  });

  it('refuses what is not a pinnable key, naming the line', () => {
    expect(parseHostKeys(`${ECDSA}\n10.0.10.10 ssh-dss AAAAB3NzaC1kc3MAAACBAP\n`).findings).toEqual([
      { line: 1, message: 'ssh-dss keys cannot be pinned (Terraform pins ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, ssh-ed25519), got "10.0.10.10 ssh-dss AAAAB3NzaC1kc3MAAACBAP"' },
    ]);
    // The type must be the one inside the base64 (a cut or mixed-up paste).
    expect(parseHostKeys(`ssh-rsa ${ED25519.split(' ')[1]}\n`).findings[0].message).toMatch(/^the base64 is a ssh-ed25519 key, not ssh-rsa/);
    expect(parseHostKeys(`${ED25519}\n${OTHER_ED25519}\n`).findings[0]).toEqual({
      line: 1, message: 'a second ssh-ed25519 key (the first is on line 1 of the value): an sshd shows one key per type; keep only this host\'s',
    });
    expect(parseHostKeys(`@cert-authority * ${ECDSA}\n`).findings[0].message).toMatch(/^known_hosts markers such as @cert-authority are not supported/);
  });

  it('names the keyscan command with the port when it is not 22', () => {
    expect(keyscanCommand('10.0.10.10', 22)).toBe('ssh-keyscan 10.0.10.10');
    expect(keyscanCommand('127.77.0.1', 40022)).toBe('ssh-keyscan -p 40022 127.77.0.1');
  });
});

describe('the site', () => {
  it('takes the ssh-keyscan output as a literal block and pins the ECDSA key', () => {
    const d = devvmOf(`  host_keys: |\n${block(KEYSCAN)}`);
    expect(pinnedHostKey(d)).toBe(ECDSA);
    expect(d.connect_timeout).toBe('15s');
    expect(d.host_keys_complete).toBe(false);
  });

  it('keeps the deprecated one-line host_key, with the same meaning as a one-line host_keys', () => {
    expect(pinnedHostKey(devvmOf(`  host_key: ${ECDSA}\n`))).toBe(ECDSA);
    expect(pinnedHostKey(devvmOf(`  host_keys: ${ECDSA}\n`))).toBe(ECDSA);
  });

  it('refuses an ed25519 key alone (what fails against a stock sshd), telling the admin to paste the full keyscan output', () => {
    const message = (field: string) =>
      `has no ECDSA key, so Terraform would pin ssh-ed25519, which a stock Debian sshd (RSA, ECDSA and ed25519 keys) never shows it: ` +
      `Terraform's SSH client (1.11.4, golang.org/x/crypto) negotiates ECDSA first, then RSA, then ed25519, and the connection fails with ` +
      `"knownhosts: key mismatch". Paste the full output of \`ssh-keyscan -p 2222 10.0.10.10\` (every line) into devvm.host_keys` +
      (field === 'host_key' ? ' in place of host_key' : '') +
      ' (only if this sshd has no ECDSA host key at all, set devvm.host_keys_complete: true)';
    expect(siteProblems(site(`  port: 2222\n  host_key: ${ED25519}\n`))).toEqual([`roster/site.yaml:4:13 devvm.host_key: ${message('host_key')}`]);
    expect(siteProblems(site(`  port: 2222\n  host_keys: |\n    10.0.10.10 ${ED25519}\n`))).toEqual([`roster/site.yaml:4:14 devvm.host_keys: ${message('host_keys')}`]);
    // RSA and ed25519 without ECDSA: the same (a stock sshd would show ECDSA).
    expect(siteProblems(site(`  host_keys: |\n    ${RSA}\n    ${ED25519}\n`))[0]).toMatch(/^roster\/site.yaml:3:14 devvm.host_keys: has no ECDSA key, so Terraform would pin ssh-rsa/);
  });

  it('accepts keys without ECDSA when the admin says they are all the sshd has', () => {
    expect(pinnedHostKey(devvmOf(`  host_keys: |\n    ${ED25519}\n  host_keys_complete: true\n`))).toBe(ED25519);
  });

  it('reports a bad key at its own line inside the block', () => {
    const text = site(`  host_keys: |\n    # 10.0.10.10:22 SSH-2.0-OpenSSH_9.2p1\n    10.0.10.10 ${ECDSA}\n      10.0.10.10 ssh-ed25519 AAAA not-base64!\n`);
    expect(siteProblems(text)).toEqual([
      'roster/site.yaml:6:7 devvm.host_keys: the base64 is not a public key, not ssh-ed25519 (a paste cut or mixed up?), got "10.0.10.10 ssh-ed25519 AAAA not-base64!"',
    ]);
  });

  it('refuses a folded block that joins several keys into one line; one folded key is fine', () => {
    expect(siteProblems(site(`  host_keys: >\n${block(`${ECDSA}\n${ED25519}\n`)}`))).toEqual([
      `roster/site.yaml:3:14 devvm.host_keys: several keys on one line: give one key per line, as ssh-keyscan prints them (a folded block ">" joins lines: write "host_keys: |"), got "${ECDSA.slice(0, 57)}..."`,
    ]);
    // What the yaml library writes for one long line: folded over two source lines.
    expect(pinnedHostKey(devvmOf(`  host_keys: >\n    10.0.10.10\n    ${ECDSA}\n  port: 22\n`))).toBe(ECDSA);
  });

  it('refuses both fields, and no key at all', () => {
    expect(siteProblems(site(`  host_keys: ${ECDSA}\n  host_key: ${ECDSA}\n`))).toEqual([
      'roster/site.yaml:4:13 devvm.host_key: give the keys once, in host_keys: host_key is its deprecated one-line form; remove it',
    ]);
    expect(siteProblems(site(`  host_keys: |\n    # 10.0.10.10:22 SSH-2.0-OpenSSH_9.2p1\n`))).toEqual([
      'roster/site.yaml:3:14 devvm.host_keys: has no key: paste the output of `ssh-keyscan 10.0.10.10` (all its lines)',
    ]);
  });

  it('takes a connect timeout as a Terraform duration', () => {
    expect(devvmOf(`  host_keys: ${ECDSA}\n  connect_timeout: 1m30s\n`).connect_timeout).toBe('1m30s');
    expect(siteProblems(site(`  host_keys: ${ECDSA}\n  connect_timeout: 15\n`))).toEqual(['roster/site.yaml:4:20 devvm.connect_timeout: expected string, got number 15']);
    expect(siteProblems(site(`  host_keys: ${ECDSA}\n  connect_timeout: soon\n`))).toEqual([
      'roster/site.yaml:4:20 devvm.connect_timeout: must be a duration such as 15s, 90s or 1m30s, got "soon"',
    ]);
  });
});
