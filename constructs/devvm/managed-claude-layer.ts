// ManagedClaudeLayer: ships the org-wide Claude Code managed layer (claude-layer/ in the
// repo, validated and rendered by src/claude-layer) to the devvm through the host agent.
// Replaced when the layer's content hash, the agent, or the Config base commit changes:
// an edit in git plus an apply is the only path to change /etc/claude-code.
import { DataResource } from 'cdktf';
import { Construct } from 'constructs';
import type { RenderedLayer } from '../../src/claude-layer/render';
import { ClaudeLayerSpec, encodeSpec } from '../../src/desired/host-specs';
import type { Site } from '../../src/roster/site-schema';
import { agentCommand, connectionFromSelf, connectionInput } from './connection';

export interface ManagedClaudeLayerProps {
  readonly site: Site;
  /** The rendered, validated layer. */
  readonly layer: RenderedLayer;
  readonly agentSha256: string;
  /** Config base commit: the devvm stack passes its `config_base_commit` variable (resolved by `npm run plan`). */
  readonly configBaseCommit?: string;
  /** The host resource that installs the agent. */
  readonly host: DataResource;
}

export class ManagedClaudeLayer extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: ManagedClaudeLayerProps) {
    super(scope, id);
    const { site, layer } = props;
    const spec: ClaudeLayerSpec = ClaudeLayerSpec.parse({
      files: layer.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      hookScripts: layer.hookScripts.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      configBase: { url: site.config_base.url, branch: site.config_base.branch, path: site.config_base.path, dir: site.config_base.dir },
    });
    this.resource = new DataResource(this, 'claude-layer', {
      triggersReplace: {
        layer_sha256: layer.sha256,
        agent_sha256: props.agentSha256,
        config_base_commit: props.configBaseCommit ?? 'unresolved',
        // The hand-over of managed-settings.json (site devvm.writers) re-installs the layer;
        // the agent reads the writer from the host spec the host resource stored first.
        ...(site.devvm.writers.managed_settings === 'reconciler' ? { managed_settings_writer: 'reconciler' } : {}),
      },
      input: connectionInput(site),
      connection: connectionFromSelf(site),
      dependsOn: [props.host],
      provisioners: [{ type: 'remote-exec', inline: [`${agentCommand()} claude-layer ${encodeSpec(spec)}`] }],
    });
    this.resource.overrideLogicalId('claude_layer');
  }
}
