// DevvmHost: the one `host` resource. Uploads the host agent bundle and installs the
// host-wide pieces generated from the whole roster (tmux pane cap, /etc/ttyd-user-map,
// /etc/t3-serve/dispatch.json). Replaced when the bundle or those inputs change.
import { AssetType, DataResource, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { HostSpec } from '../../src/desired/host-specs';
import { encodeSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import type { AgentBundle } from '../../src/devvm/agent-bundle';
import { UPLOAD_DIR } from '../../agent/paths';
import { connectionFromSelf, connectionInput } from './connection';


export interface DevvmHostProps {
  readonly site: Site;
  /** The bundled host agent. */
  readonly agent: AgentBundle;
  /** Host-wide files' input, derived from the whole roster. */
  readonly spec: HostSpec;
}

export class DevvmHost extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: DevvmHostProps) {
    super(scope, id);
    const asset = new TerraformAsset(this, 'agent-bundle', { path: props.agent.file, type: AssetType.FILE });
    const spec = encodeSpec(props.spec);
    const uploaded = `${UPLOAD_DIR}/agent-${props.agent.sha256.slice(0, 16)}.js`;

    this.resource = new DataResource(this, 'host', {
      triggersReplace: {
        agent_sha256: props.agent.sha256,
        host_files_sha256: createHash('sha256').update(spec).digest('hex'),
      },
      input: connectionInput(props.site),
      connection: connectionFromSelf(),
      provisioners: [
        // A root-only upload directory: never scp as root into a world-writable /tmp.
        { type: 'remote-exec', inline: [`mkdir -p -m 0700 ${UPLOAD_DIR}`] },
        { type: 'file', source: asset.path, destination: uploaded },
        { type: 'remote-exec', inline: [`node ${uploaded} host ${spec}`] },
      ],
    });
    this.resource.overrideLogicalId('host');
  }
}
