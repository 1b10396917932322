// What a failed apply says when Terraform could not get an SSH session on the devvm: a
// wrong host key, an unreachable host, or keys the devvm refuses. Terraform's own error
// (`timeout - last error: SSH authentication failed (root@host:22): ssh: handshake
// failed: knownhosts: key mismatch`) names neither the site key to fix nor the command
// that shows the right value; this line does. Pure: raw output and site positions in.
import { keyscanCommand, hostKeysField, pinnedHostKey } from '../roster/host-keys';
import type { Site } from '../roster/site-schema';
import { locate, parseYaml } from '../roster/yaml-source';

/** Where the site says how to reach the devvm. */
export interface SshSiteRef {
  /** `roster/site.yaml:13 devvm.host_keys`: the host keys' line (or `devvm` when not written). */
  readonly keys: string;
  /** `roster/site.yaml:8 devvm.host` (or `devvm`). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly connectTimeout: string;
  /** The "<type> <base64>" the connection pins. */
  readonly pinned: string;
}

export function sshSiteRef(siteFile: string, siteText: string, site: Pick<Site, 'devvm'>): SshSiteRef {
  const { source } = parseYaml(siteFile, siteText);
  // A key the site does not write points at `devvm:`, where it would be added.
  const at = (key: string) => `${siteFile}:${locate(source, ['devvm', key], 'key').line} devvm.${key}`;
  return {
    keys: at(hostKeysField(site.devvm)),
    address: at('host'),
    host: site.devvm.host,
    port: site.devvm.port,
    user: site.devvm.user,
    connectTimeout: site.devvm.connect_timeout,
    pinned: pinnedHostKey(site.devvm),
  };
}

const HOST_KEY = /knownhosts: key mismatch|knownhosts: key is unknown|ssh: handshake failed: .*host key/;
const UNREACHABLE = /dial tcp [^\n]*(connection refused|i\/o timeout|no route to host|network is unreachable|connect: )/;
const REFUSED_KEYS = /ssh: unable to authenticate/;

/** The explanation for Terraform's output, or undefined when it failed for another reason. */
export function sshFailureHint(raw: string, ref: SshSiteRef): string | undefined {
  const keyscan = `\`${keyscanCommand(ref.host, ref.port)}\``;
  const type = ref.pinned.split(' ')[0];
  if (HOST_KEY.test(raw)) {
    return (
      `the devvm's SSH host key is not the one the site pins (${ref.keys}; Terraform pins its ${type} key, the type its client negotiates): ` +
      `the devvm's keys changed, or this is not the devvm. Run ${keyscan} from a network you trust, compare the fingerprints with ` +
      `\`ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub\` on the devvm's console, and paste its full output into devvm.host_keys; then \`npm run plan\` again`
    );
  }
  if (UNREACHABLE.test(raw)) {
    return (
      `Terraform could not reach the devvm at ${ref.host}:${ref.port} within the connection timeout ${ref.connectTimeout} (${ref.address}; ` +
      `the timeout is devvm.connect_timeout): check that the devvm is up and sshd listens there, e.g. with ${keyscan}`
    );
  }
  if (REFUSED_KEYS.test(raw)) {
    return (
      `the devvm refused every key of your ssh-agent for ${ref.user}@${ref.host}:${ref.port}: \`ssh-add -l\` must list a key in ` +
      `${ref.user}'s authorized_keys on the devvm (the site's keys, ${ref.keys}, did match)`
    );
  }
  return undefined;
}
