// A failed apply that could not get an SSH session on the devvm says which site key to fix
// and what to run; Terraform's own error (the texts below are what Terraform 1.11.4 prints:
// internal/communicator Retry and ssh/communicator.go) names neither.
import { sshFailureHint, sshSiteRef } from '../../src/plan/ssh-failure';
import { parseSite } from '../../src/roster/load';

const ECDSA = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLby8rAdgA7N3p1dE4HWVBRiVpgE4jinOKG7IMvKTT5GiSh6VKesWXqnT5YV+TgKQL+OH6qt28PEdULTRGOZglc=';
const SITE = `version: 1
devvm:
  host: 127.77.0.1
  port: 40022
  host_keys: |
    [127.77.0.1]:40022 ${ECDSA}
kubernetes:
  api_server: https://10.0.20.100:6443
infra_repo:
  url: https://github.com/ViktorBarzin/infra.git
config_base:
  url: https://github.com/ViktorBarzin/dotfiles.git
`;

function ref(text = SITE) {
  const r = parseSite('roster/site.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return sshSiteRef('roster/site.yaml', text, r.value);
}

const failed = (last: string) =>
  `terraform_data.host: Creating...\n\nError: remote-exec provisioner error\n\n  with terraform_data.host,\n  on cdk.tf.json line 40, in resource "terraform_data" "host":\n  40:       }\n\n${last}\n`;

it('names the host keys line and ssh-keyscan for a host key mismatch', () => {
  const raw = failed('timeout - last error: SSH authentication failed (root@127.77.0.1:40022): ssh: handshake failed: knownhosts: key mismatch');
  expect(sshFailureHint(raw, ref())).toBe(
    "the devvm's SSH host key is not the one the site pins (roster/site.yaml:5 devvm.host_keys; Terraform pins its ecdsa-sha2-nistp256 key, the type its client negotiates): " +
      "the devvm's keys changed, or this is not the devvm. Run `ssh-keyscan -p 40022 127.77.0.1` from a network you trust, compare the fingerprints with " +
      "`ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub` on the devvm's console, and paste its full output into devvm.host_keys; then `npm run plan` again",
  );
});

it('names the deprecated host_key when that is what the site writes', () => {
  const text = SITE.replace(`  host_keys: |\n    [127.77.0.1]:40022 ${ECDSA}\n`, `  host_key: ${ECDSA}\n`);
  expect(sshFailureHint(failed('... ssh: handshake failed: knownhosts: key mismatch'), ref(text))).toContain('(roster/site.yaml:5 devvm.host_key;');
});

it('names the address and the timeout when the devvm cannot be reached', () => {
  const raw = failed('timeout - last error: dial tcp 127.77.0.1:40022: connect: connection refused');
  expect(sshFailureHint(raw, ref())).toBe(
    'Terraform could not reach the devvm at 127.77.0.1:40022 within the connection timeout 15s (roster/site.yaml:3 devvm.host; the timeout is devvm.connect_timeout): ' +
      'check that the devvm is up and sshd listens there, e.g. with `ssh-keyscan -p 40022 127.77.0.1`',
  );
});

it('tells a refused agent key apart from a wrong host key', () => {
  const raw = failed('timeout - last error: SSH authentication failed (root@127.77.0.1:40022): ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain');
  expect(sshFailureHint(raw, ref())).toMatch(/^the devvm refused every key of your ssh-agent for root@127\.77\.0\.1:40022: `ssh-add -l`/);
});

it('says nothing about other failures', () => {
  expect(sshFailureHint(failed('remote command exited without exit status or exit signal'), ref())).toBeUndefined();
  expect(sshFailureHint(failed('Process exited with status 3'), ref())).toBeUndefined();
});
