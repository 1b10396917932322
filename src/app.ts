// Builds the cdktf App from validated inputs. Shared by main.ts (the `cdktf` entry
// point), bin/synth.ts and the tests, so all three synthesize the same thing.
import { App } from 'cdktf';
import { derive } from './desired/derive';
import type { DesiredState } from './desired/types';
import type { Inputs } from './roster/load';
import { WorkstationsStack, WORKSTATIONS_STACK } from '../stacks/workstations-stack';

export interface BuiltApp {
  readonly app: App;
  readonly desired: DesiredState;
  readonly stacks: { readonly workstations: WorkstationsStack };
}

export function buildApp(inputs: Inputs, outdir: string): BuiltApp {
  const desired = derive(inputs.roster, inputs.site);
  // skipValidation would hide construct errors; stack traces are off for deterministic output.
  const app = new App({ outdir, stackTraces: false });
  const workstations = new WorkstationsStack(app, WORKSTATIONS_STACK, { desired, site: inputs.site });
  return { app, desired, stacks: { workstations } };
}
