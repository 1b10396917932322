// The agent's inputs: the same zod schemas the synth side derives with.
export { AccountSpec, ClaudeLayerSpec, HostSpec, PreflightSpec, decodeSpec } from '../src/desired/host-specs';
export { WorkstationState } from '../src/desired/types';
