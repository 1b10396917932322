// The SSH connection every devvm provisioner uses, read only from `self.input` (a
// destroy-time provisioner may reference nothing else). The host key is pinned (the one
// of the site's keys Terraform's client negotiates: src/roster/host-keys.ts) and the key
// comes from the admin's ssh-agent: no private key in config or state.
import { Fn, propertyAccess, SSHProvisionerConnection, TerraformSelf, Token } from 'cdktf';
import { pinnedHostKey } from '../../src/roster/host-keys';
import type { Site } from '../../src/roster/site-schema';

/**
 * Where remote-exec uploads each inline script before running it as root. Terraform's
 * default is /tmp/terraform_%RAND%.sh, world-writable /tmp with the script chmodded 0777:
 * a local user could rewrite it between upload and run and get root. /root exists on
 * every Debian host, is 0700 and belongs to root (the only provisioner user the site
 * accepts). Terraform replaces %RAND% in any script_path, not only in its default.
 */
export const SCRIPT_PATH = '/root/terraform_%RAND%.sh';

/** What a resource must carry in its `input` for connectionFromSelf() to work. */
export function connectionInput(site: Pick<Site, 'devvm'>): Record<string, string | number> {
  return { host: site.devvm.host, port: site.devvm.port, user: site.devvm.user, host_key: pinnedHostKey(site.devvm) };
}

/**
 * The connection block. `timeout` bounds Terraform's connect-and-retry loop only (not the
 * script's run time): a wrong host key or an unreachable devvm fails within it instead of
 * after Terraform's default 5 minutes. A literal, not `self.input`: changing it changes no
 * resource, and a destroy-time provisioner may use literals.
 */
export function connectionFromSelf(site: Pick<Site, 'devvm'>): SSHProvisionerConnection {
  return {
    type: 'ssh',
    host: TerraformSelf.getString('input.host'),
    port: TerraformSelf.getNumber('input.port'),
    user: TerraformSelf.getString('input.user'),
    hostKey: TerraformSelf.getString('input.host_key'),
    // cdktf types `agent` as a string; Terraform reads "true" as the boolean.
    agent: 'true',
    scriptPath: SCRIPT_PATH,
    timeout: site.devvm.connect_timeout,
  };
}

/**
 * The same connection for a resource whose `input` is ONE JSON text holding the
 * connectionInput() fields (an account: Terraform plans a string much faster than an
 * object). A state from before the text holds them as `input.<field>`: the fallback
 * serves a destroy-time provisioner planned in the same apply as that upgrade.
 */
export function connectionFromSelfText(site: Pick<Site, 'devvm'>): SSHProvisionerConnection {
  const field = (name: string) => Fn.try([propertyAccess(Fn.jsondecode(TerraformSelf.getString('input')), [name]), TerraformSelf.getAny(`input.${name}`)]);
  return {
    ...connectionFromSelf(site),
    host: Token.asString(field('host')),
    port: Token.asNumber(field('port')),
    user: Token.asString(field('user')),
    hostKey: Token.asString(field('host_key')),
  };
}

/**
 * The same connection from the site's literals, for a resource with no destroy-time
 * provisioner (which alone is limited to `self`): nothing of it needs to be in the state.
 */
export function literalConnection(site: Pick<Site, 'devvm'>): SSHProvisionerConnection {
  const { host, port, user } = site.devvm;
  return { ...connectionFromSelf(site), host, port, user, hostKey: pinnedHostKey(site.devvm) };
}

/**
 * The agent's command-line argument for a structured value of this resource (`self.<path>`):
 * Terraform encodes it at apply time (JSON, then base64: no shell metacharacter can reach
 * the command line), and the agent decodes it and re-validates it with its zod schema.
 * (The host's spec; for an account, only a state written before its input was one JSON
 * text: an offboard's fallback in WorkstationAccounts.)
 */
export function agentArgFromSelf(path: string): string {
  return Fn.base64encode(Fn.jsonencode(TerraformSelf.getAny(path)));
}

/** The same for one field of the JSON text this resource holds at `self.<path>`. */
export function agentArgFromSelfTextField(path: string, field: string): string {
  return Fn.base64encode(Fn.jsonencode(propertyAccess(Fn.jsondecode(TerraformSelf.getString(path)), [field])));
}

/**
 * The same for a value this resource holds as JSON text (`self.<path>`, a string): base64
 * of the text itself, which the agent decodes and validates as it does any argument.
 */
export function agentArgFromSelfText(path: string): string {
  return Fn.base64encode(TerraformSelf.getString(path));
}

/** How a provisioner starts the agent (one definition, shared with the agent): node with the
 * agent's options and its installed path on the devvm (agent/paths.ts). */
export { agentCommand } from '../../agent/paths';
