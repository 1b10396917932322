// The smallest stack that exercises the product's offboarding mechanics end to end:
// ONE terraform_data block with for_each over users, an SSH connection to the test host,
// a create-time remote-exec that makes the account and a destroy-time remote-exec that
// locks it. Removing a key from the map runs that instance's destroy provisioner.
// A deliberately minimal stand-in, not a copy of the product's stack: it keeps one
// unsharded `account` block, since one for_each block is the mechanism a shard block
// (`account_<h>`, src/desired/devvm-addresses.ts) repeats; the sharded stack itself is
// applied by the devvm-*.e2e tests.
import { App, DataResource, PgBackend, TerraformIterator, TerraformSelf, TerraformStack } from 'cdktf';
import * as path from 'node:path';

export interface SmokeTarget {
  address: string;
  port: number;
  hostKey: string;
}

export interface SmokeStackOptions {
  outdir: string;
  users: string[];
  target: SmokeTarget;
  /** Replaces the create-time commands, e.g. to make the provisioner fail on purpose. */
  createCommands?: string[];
  /** Terraform's connection timeout (default 5m: it retries failed connections until then). */
  connectTimeout?: string;
}

/** Synthesizes the stack and returns the directory holding cdk.tf.json. */
export function synthSmokeStack(opts: SmokeStackOptions): string {
  const app = new App({ outdir: opts.outdir });
  const stack = new TerraformStack(app, 'smoke');
  // The product's backend; the Terraform driver points it at the harness's PostgreSQL.
  new PgBackend(stack, { connStr: undefined as unknown as string });
  const users = TerraformIterator.fromMap(Object.fromEntries(opts.users.map((u) => [u, { shell: '/bin/bash' }])));
  const account = new DataResource(stack, 'account', {
    forEach: users,
    // Destroy-time provisioners may reference only self, so the name lives in input.
    input: { name: users.key },
    connection: {
      type: 'ssh',
      host: opts.target.address,
      port: opts.target.port,
      user: 'root',
      // cdktf types `agent` as a string; Terraform converts "true" to the bool it wants.
      agent: 'true',
      hostKey: opts.target.hostKey,
      timeout: opts.connectTimeout,
    },
    provisioners: [
      {
        type: 'remote-exec',
        // '*' (no valid password) rather than useradd's default '!', so a lock is visible.
        inline: opts.createCommands ?? [`useradd -m -p '*' -s ${users.getString('shell')} ${users.key}`],
      },
      {
        type: 'remote-exec',
        inline: [`usermod -L -e 1 ${TerraformSelf.getString('input.name')}`],
      },
    ],
  });
  // cdktf has no typed `when` on remote-exec.
  account.addOverride('provisioner.1.remote-exec.when', 'destroy');
  app.synth();
  return path.join(opts.outdir, 'stacks', 'smoke');
}
