// DevvmHost: the one `host` resource. Uploads the host agent bundle and installs the
// host-wide content that concerns nobody in particular (the tmux pane cap). Its replace
// triggers are named so the plan says why it is replaced; nothing per person is among
// them: the ttyd user map and the t3-serve dispatch table are regenerated on the host by
// the agent whenever someone is converged or offboarded.
import { AssetType, DataResource, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { HostSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import type { AgentBundle } from '../../src/devvm/agent-bundle';
import { UPLOAD_DIR } from '../../agent/paths';
import { agentArgFromSelf, agentCommand, connectionFromSelf, connectionInput } from './connection';
import { terraformLiteral } from './terraform-literal';

export interface DevvmHostProps {
  readonly site: Site;
  /** The bundled host agent. */
  readonly agent: AgentBundle;
  /** Host-wide content (nothing per person). */
  readonly spec: HostSpec;
}

export class DevvmHost extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: DevvmHostProps) {
    super(scope, id);
    const asset = new TerraformAsset(this, 'agent-bundle', { path: props.agent.file, type: AssetType.FILE });
    const uploaded = `${UPLOAD_DIR}/agent-${props.agent.sha256.slice(0, 16)}.js`;

    this.resource = new DataResource(this, 'host', {
      // One named trigger per host-wide input: `npm run plan` lists the names that changed.
      triggersReplace: {
        agent_sha256: props.agent.sha256,
        pane_memory_max: props.spec.paneMemoryMax,
        // A hand-over step (site devvm.writers) re-runs the host: it takes the file over.
        writers: props.spec.writers,
      },
      input: { ...connectionInput(props.site), spec: terraformLiteral(props.spec) },
      connection: connectionFromSelf(props.site),
      provisioners: [
        // A root-only upload directory: never scp as root into a world-writable /tmp.
        { type: 'remote-exec', inline: [`mkdir -p -m 0700 ${UPLOAD_DIR}`] },
        { type: 'file', source: asset.path, destination: uploaded },
        { type: 'remote-exec', inline: [`${agentCommand(uploaded)} host ${agentArgFromSelf('input.spec')}`] },
      ],
    });
    this.resource.overrideLogicalId('host');
  }
}
