// The seed policy of the property tests (installed by test/setup/fast-check-seed.ts):
// one fixed seed unless FC_SEED says otherwise, and a failure message that says how to
// replay it.
import { join, relative } from 'node:path';
import fc from 'fast-check';

/** The seed CI uses (any fixed integer; changing it changes which cases run). */
export const DEFAULT_FC_SEED = 20261201;

const REPO_ROOT = join(__dirname, '..', '..');

/** FC_SEED: unset for the fixed seed, an integer to replay a failure, `random` to explore. */
export function seedFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return DEFAULT_FC_SEED;
  if (value === 'random') return undefined; // fast-check draws one per property and reports it
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`FC_SEED must be an integer or "random", got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** The command that replays one failing property: same seed, same file, same test. */
export function reproduceCommand(seed: number, testPath: string | undefined, testName: string | undefined): string {
  const file = testPath ? relative(REPO_ROOT, testPath) : '<test file>';
  const project = file.startsWith('test/e2e/') ? 'e2e' : 'unit';
  const nameFilter = testName ? ` -t ${shellQuote(`^${testName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)}` : '';
  return `FC_SEED=${seed} npx jest --selectProjects ${project} --testPathPatterns ${shellQuote(file)}${nameFilter}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** fast-check's own report (seed, path, counterexample) plus the replay command. */
export function reportWithReproduction(out: fc.RunDetails<unknown>): void {
  if (!out.failed) return;
  const state = expect.getState();
  const message = `${fc.defaultReportMessage(out)}\n\nReproduce with: ${reproduceCommand(out.seed, state.testPath, state.currentTestName)}`;
  throw new Error(message, { cause: out.errorInstance });
}
