// The devvm stack's shard layout as it was before its per-person inputs stayed JSON text in
// the resource (2026-12-01, commit 23e39a4 and before): the profile's desired state and the
// account's input decoded into objects (`jsondecode(each.value)`), and the provisioners
// encoding those objects. Made from today's synth, whose locals hold the same content, so a
// test can apply it and plan today's stack against the state it leaves.
import { AGENT_PATH } from '../../agent/paths';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function previousShardLayout<T extends object>(tf: T): T {
  const copy = JSON.parse(JSON.stringify(tf)) as T & { resource: { terraform_data: Record<string, Body> } };
  for (const [name, r] of Object.entries(copy.resource.terraform_data)) {
    if (/^profile_[0-9a-f]$/.test(name)) {
      r.triggers_replace.desired = '${jsondecode(each.value)}';
      r.provisioner = [{ 'remote-exec': { inline: [`node ${AGENT_PATH} converge \${base64encode(jsonencode(self.triggers_replace.desired))}`] } }];
    }
    if (/^account_[0-9a-f]$/.test(name)) {
      // The object { account, host, port, user, host_key }: the previous input, key for key.
      r.input = '${jsondecode(each.value)}';
      for (const k of ['host', 'port', 'user', 'host_key']) r.connection[k] = `\${self.input.${k}}`;
      r.provisioner[1]['remote-exec'].inline = [`node ${AGENT_PATH} onboard \${base64encode(jsonencode(self.input.account))}`];
      r.provisioner[2]['remote-exec'].inline = [`node ${AGENT_PATH} offboard \${try(base64encode(jsonencode(self.input.account)), self.input.spec)}`];
    }
  }
  return copy;
}
