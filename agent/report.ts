// One line per step: `<os_user>: <step>: changed | ok | skipped (<why>) | FAILED (<why>)`.
// A failed step never stops the other people; the run's exit code says whether any failed.
import { stdoutLine } from './stdout-line';

export type Outcome =
  | { readonly kind: 'changed'; readonly detail?: string }
  | { readonly kind: 'ok'; readonly detail?: string }
  | { readonly kind: 'skipped'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string };

export const changed = (detail?: string): Outcome => ({ kind: 'changed', detail });
export const ok = (detail?: string): Outcome => ({ kind: 'ok', detail });
export const skipped = (why: string): Outcome => ({ kind: 'skipped', why });
export const failed = (why: string): Outcome => ({ kind: 'failed', why });

export class Reporter {
  private failures = 0;
  private touched = 0;
  readonly lines: string[] = [];

  constructor(private readonly out: (line: string) => void = stdoutLine) {}

  record(subject: string, step: string, outcome: Outcome): Outcome {
    if (outcome.kind === 'failed') this.failures++;
    if (outcome.kind === 'failed' || outcome.kind === 'changed') this.touched++;
    const line = `${subject}: ${step}: ${render(outcome)}`;
    this.lines.push(line);
    this.out(line);
    return outcome;
  }

  /** Runs one step, turning an exception into a FAILED line instead of aborting the run. */
  step(subject: string, step: string, fn: () => Outcome): Outcome {
    let outcome: Outcome;
    try {
      outcome = fn();
    } catch (err) {
      outcome = failed(oneLine(err instanceof Error ? err.message : String(err)));
    }
    return this.record(subject, step, outcome);
  }

  get failed(): boolean {
    return this.failures > 0;
  }

  /** Steps so far that changed something or failed (either may have changed something). */
  get changesOrFailures(): number {
    return this.touched;
  }
}

function render(o: Outcome): string {
  switch (o.kind) {
    case 'changed':
      return o.detail ? `changed (${o.detail})` : 'changed';
    case 'ok':
      return o.detail ? `ok (${o.detail})` : 'ok';
    case 'skipped':
      return `skipped (${o.why})`;
    case 'failed':
      return `FAILED (${o.why})`;
  }
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 400);
}
