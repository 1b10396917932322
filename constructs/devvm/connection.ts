// The SSH connection every devvm provisioner uses, read only from `self.input` (a
// destroy-time provisioner may reference nothing else). The host key is pinned and the
// key comes from the admin's ssh-agent: no private key in config or state.
import { SSHProvisionerConnection, TerraformSelf } from 'cdktf';
import type { Site } from '../../src/roster/site-schema';

/** What a resource must carry in its `input` for connectionFromSelf() to work. */
export function connectionInput(site: Site): Record<string, string | number> {
  return { host: site.devvm.host, port: site.devvm.port, user: site.devvm.user, host_key: site.devvm.host_key };
}

export function connectionFromSelf(): SSHProvisionerConnection {
  return {
    type: 'ssh',
    host: TerraformSelf.getString('input.host'),
    port: TerraformSelf.getNumber('input.port'),
    user: TerraformSelf.getString('input.user'),
    hostKey: TerraformSelf.getString('input.host_key'),
    // cdktf types `agent` as a string; Terraform reads "true" as the boolean.
    agent: 'true',
  };
}

/** The agent's installed path on the devvm (one definition, shared with the agent). */
export { AGENT_PATH as AGENT_ON_HOST } from '../../agent/paths';
