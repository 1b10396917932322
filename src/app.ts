// Builds the cdktf App from validated inputs. Shared by main.ts (the `cdktf` entry
// point), bin/synth.ts and the tests, so all three synthesize the same thing.
// First: before anything loads cdktf (src/synth/before-cdktf.ts says why).
import './synth/before-cdktf';
import { derive } from './desired/derive';
import type { DesiredState } from './desired/types';
import type { Inputs } from './roster/load';
import { WorkstationsStack, WORKSTATIONS_STACK } from '../stacks/workstations-stack';
import { DEVVM_STACK, WorkstationsDevvmStack } from '../stacks/workstations-devvm-stack';
import { buildAgentBundle } from './devvm/agent-bundle';
import { renderLayer } from './claude-layer/render';
import { HermeticApp } from './synth/hermetic-app';

export interface BuiltApp {
  readonly app: HermeticApp;
  readonly desired: DesiredState;
  readonly stacks: { readonly workstations: WorkstationsStack; readonly devvm: WorkstationsDevvmStack };
}

export interface BuildOptions {
  /**
   * Default of the devvm stack's `config_base_commit` variable (default "unresolved"). Synth
   * never resolves it (no network at synth): `npm run plan` passes the head with `-var`.
   * End-to-end tests pin it here instead. `false` is the same as absent.
   */
  readonly configBaseCommit?: string | false;
}

export function buildApp(inputs: Inputs, outdir: string, options: BuildOptions = {}): BuiltApp {
  const desired = derive(inputs.roster, inputs.site);
  // Stack traces are off for deterministic output; HermeticApp never runs `terraform version`.
  const app = new HermeticApp({ outdir, stackTraces: false });
  const workstations = new WorkstationsStack(app, WORKSTATIONS_STACK, { desired, site: inputs.site, adoption: inputs.adoption });
  const devvm = new WorkstationsDevvmStack(app, DEVVM_STACK, {
    desired,
    site: inputs.site,
    agent: buildAgentBundle(),
    claudeLayer: renderLayer(),
    configBaseCommit: options.configBaseCommit || undefined,
  });
  return { app, desired, stacks: { workstations, devvm } };
}

/** Terraform resources and data sources each person accounts for, across all stacks. */
export function resourceCountsByPerson(built: BuiltApp): Map<string, number> {
  const counts = new Map<string, number>();
  // The workstations stack: the instances of its for_each blocks keyed by this person.
  for (const [osUser, n] of built.stacks.workstations.profiles.instancesByPerson) counts.set(osUser, (counts.get(osUser) ?? 0) + n);
  for (const [osUser, n] of built.stacks.workstations.vault.instancesByPerson) counts.set(osUser, (counts.get(osUser) ?? 0) + n);
  // The devvm stack: one `account` and one `profile` instance per workstation.
  for (const p of built.desired.people) if (p.workstation) counts.set(p.osUser, (counts.get(p.osUser) ?? 0) + 2);
  return counts;
}
