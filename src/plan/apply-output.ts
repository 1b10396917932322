// What `npm run apply` prints by default: the host agent's per-person lines and a progress
// line (n of m people, elapsed) instead of Terraform's raw output, over half of which is
// the SSH banner every remote-exec provisioner repeats. Pure: lines in, lines out; the
// caller passes the elapsed time, reads Terraform and keeps the raw log.
import { personOf } from './summary';
import { kindOf, managedChanges, PlanJson } from './plan-json';

export type ApplyEvent =
  /** A line a provisioner printed (the agent's `<os_user>: <step>: <outcome>`), without Terraform's prefix. */
  | { readonly kind: 'provisioner'; readonly address: string; readonly text: string }
  /** Terraform finished one action on one instance. */
  | { readonly kind: 'complete'; readonly address: string; readonly action: 'create' | 'update' | 'delete' }
  /** `Apply complete! Resources: ...` */
  | { readonly kind: 'result'; readonly text: string }
  | { readonly kind: 'other' };

/** The banner Terraform's SSH communicator prints before every remote-exec script. */
const SSH_BANNER = /^(Connecting to remote host via SSH\.\.\.|Connected!|\s+(Host|User|Password|Private key|Certificate|SSH Agent|Checking Host Key|Target Platform|Bastion Host|Bastion User|Bastion Password|Bastion Private key|Bastion Certificate|Port):.*)$/;
const ADDRESS = String.raw`([A-Za-z0-9_.-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?)`;
const PROVISIONER_LINE = new RegExp(`^${ADDRESS} \\((?:remote-exec|local-exec|file)\\): ?(.*)$`);
const COMPLETE_LINE = new RegExp(`^${ADDRESS}: (Creation|Modifications|Destruction) complete after `);
const ACTION = { Creation: 'create', Modifications: 'update', Destruction: 'delete' } as const;

export function parseApplyLine(line: string): ApplyEvent {
  const p = PROVISIONER_LINE.exec(line);
  if (p) return SSH_BANNER.test(p[2]) ? { kind: 'other' } : { kind: 'provisioner', address: p[1], text: p[2] };
  const c = COMPLETE_LINE.exec(line);
  if (c) return { kind: 'complete', address: c[1], action: ACTION[c[2] as keyof typeof ACTION] };
  if (/^Apply complete! Resources: /.test(line)) return { kind: 'result', text: line };
  return { kind: 'other' };
}

/** The last action Terraform reports per changed per-person instance, grouped by person. */
function expectedByPerson(plan: PlanJson): Map<string, Map<string, 'create' | 'update' | 'delete'>> {
  const out = new Map<string, Map<string, 'create' | 'update' | 'delete'>>();
  for (const rc of managedChanges(plan)) {
    const k = kindOf(rc);
    const person = personOf(rc);
    if (person === undefined || k === 'no-op' || k === 'read') continue;
    const last = k === 'delete' ? 'delete' : k === 'update' ? 'update' : 'create'; // a replace ends with its create
    out.set(person, (out.get(person) ?? new Map()).set(rc.address, last));
  }
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Turns Terraform's apply output, line by line, into the quiet default output. */
export class QuietApplyOutput {
  private readonly pending: Map<string, Map<string, 'create' | 'update' | 'delete'>>;
  private readonly total: number;
  private done = 0;

  private readonly personAt = new Map<string, string>();

  constructor(private readonly stack: string, plan: PlanJson) {
    this.pending = expectedByPerson(plan);
    this.total = this.pending.size;
    for (const [person, addresses] of this.pending) for (const a of addresses.keys()) this.personAt.set(a, person);
  }

  /** How many people the plan changes in this stack. */
  get people(): number {
    return this.total;
  }

  /** The lines to print for one line of Terraform's output, `elapsedMs` after the apply started. */
  feed(line: string, elapsedMs: number): string[] {
    const e = parseApplyLine(line);
    switch (e.kind) {
      case 'provisioner':
        return e.text.trim() === '' ? [] : [this.attribute(e.address, e.text)];
      case 'result':
        return [`[${this.stack}] ${e.text} (${seconds(elapsedMs)})`];
      case 'complete':
        return this.complete(e.address, e.action, elapsedMs);
      default:
        return [];
    }
  }

  /** A host-wide step run for one person (the preflight before each onboarding) is named after them. */
  private attribute(address: string, text: string): string {
    const person = this.personAt.get(address);
    return person !== undefined && text.startsWith('(host): ') ? `${person}: ${text.slice('(host): '.length)}` : text;
  }

  private complete(address: string, action: 'create' | 'update' | 'delete', elapsedMs: number): string[] {
    for (const [person, addresses] of this.pending) {
      if (addresses.get(address) !== action) continue;
      addresses.delete(address);
      if (addresses.size > 0) return [];
      this.pending.delete(person);
      this.done++;
      return [`[${this.stack}] ${this.done} of ${people(this.total)} done (${person}), ${seconds(elapsedMs)}`];
    }
    return [];
  }
}

/** The last `n` lines of a text, for a failure report. */
export function tail(text: string, n: number): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - n));
}

/** What a failed apply shows: the end of the raw output, without the SSH banners (the log file has them). */
export function failureTail(raw: string, n: number): string[] {
  return tail(
    raw
      .split('\n')
      .filter((l) => {
        const p = PROVISIONER_LINE.exec(l);
        return !(p && SSH_BANNER.test(p[2]));
      })
      .join('\n'),
    n,
  );
}

export const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;
