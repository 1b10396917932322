// What every step receives: the host state (saved as it changes), dry-run mode, and
// whether systemd is running (the test host has none).
import { existsSync } from 'node:fs';
import { HostState, saveState } from './host-state';

export interface Context {
  readonly state: HostState;
  /** `plan`: say what would change, change nothing. */
  readonly dryRun: boolean;
  readonly systemd: boolean;
  /** Persists the host state (no-op in dry-run). */
  readonly save: () => void;
}

export function makeContext(state: HostState, dryRun: boolean, stateFile?: string): Context {
  return {
    state,
    dryRun,
    systemd: existsSync('/run/systemd/system'),
    save: () => {
      if (!dryRun) saveState(state, stateFile);
    },
  };
}
