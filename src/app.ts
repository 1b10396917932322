// Builds the cdktf App from validated inputs. Shared by main.ts (the `cdktf` entry
// point), bin/synth.ts and the tests, so all three synthesize the same thing.
import { App } from 'cdktf';
import { derive } from './desired/derive';
import type { DesiredState } from './desired/types';
import type { Inputs } from './roster/load';
import { WorkstationsStack, WORKSTATIONS_STACK } from '../stacks/workstations-stack';
import { DEVVM_STACK, WorkstationsDevvmStack } from '../stacks/workstations-devvm-stack';
import { buildAgentBundle } from './devvm/agent-bundle';
import { renderLayer } from './claude-layer/render';
import { resolveConfigBaseHead } from './devvm/config-base-head';

export interface BuiltApp {
  readonly app: App;
  readonly desired: DesiredState;
  readonly stacks: { readonly workstations: WorkstationsStack; readonly devvm: WorkstationsDevvmStack };
  /** The Config base commit the devvm stack pins, or undefined when it could not be resolved. */
  readonly configBaseCommit?: string;
}

export interface BuildOptions {
  /** Resolve the Config base head with `git ls-remote` (default true; tests pin it instead). */
  readonly configBaseCommit?: string | false;
}

export function buildApp(inputs: Inputs, outdir: string, options: BuildOptions = {}): BuiltApp {
  const desired = derive(inputs.roster, inputs.site);
  // skipValidation would hide construct errors; stack traces are off for deterministic output.
  const app = new App({ outdir, stackTraces: false });
  const workstations = new WorkstationsStack(app, WORKSTATIONS_STACK, { desired, site: inputs.site });
  const { config_base: base } = inputs.site;
  const configBaseCommit =
    options.configBaseCommit === false ? undefined : (options.configBaseCommit ?? resolveConfigBaseHead(base.url, base.branch));
  const devvm = new WorkstationsDevvmStack(app, DEVVM_STACK, {
    desired,
    site: inputs.site,
    agent: buildAgentBundle(),
    claudeLayer: renderLayer(),
    configBaseCommit,
  });
  return { app, desired, stacks: { workstations, devvm }, configBaseCommit };
}

/** Terraform resources and data sources each person accounts for, across all stacks. */
export function resourceCountsByPerson(built: BuiltApp): Map<string, number> {
  const counts = new Map<string, number>();
  // The workstations stack: the instances of its for_each blocks keyed by this person.
  for (const [osUser, n] of built.stacks.workstations.profiles.instancesByPerson) counts.set(osUser, (counts.get(osUser) ?? 0) + n);
  // The devvm stack: one `account` and one `profile` instance per workstation.
  for (const p of built.desired.people) if (p.workstation) counts.set(p.osUser, (counts.get(p.osUser) ?? 0) + 2);
  return counts;
}
