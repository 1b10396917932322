// The host spec the `host` command last installed, kept on the host (root-only) so that
// every later command (converge, offboard, claude-layer, preflight, status) knows who
// writes each host-wide file (site devvm.writers) without carrying it in its own input:
// a hand-over step replaces only the host resource, never every profile.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic';
import { HostSpec } from './input';
import { ALL_WORKSTATIONS, type HostWriters } from '../src/desired/host-specs';
import { HOST_SPEC_FILE } from './paths';

export function storeHostSpec(spec: HostSpec, file = HOST_SPEC_FILE): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

export function loadHostSpec(file = HOST_SPEC_FILE): HostSpec | undefined {
  return existsSync(file) ? HostSpec.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

/**
 * The writers of the host-wide files. Before any `host` run of this agent (the host
 * resource always runs first: it installs the agent) there is nothing to hand over: the
 * site default, this product writes everything.
 */
export function hostWriters(file = HOST_SPEC_FILE): HostWriters {
  return loadHostSpec(file)?.writers ?? ALL_WORKSTATIONS;
}
