// The options of `npm run plan` and `npm run apply`, read from the shared parser's result
// (src/cli/options.ts) and checked: stack names, the destroy share.
import { UsageError } from '../roster/load';
import type { ParsedOptions } from '../cli/options';
import { DEVVM_STACK } from '../../stacks/workstations-devvm-stack';
import { WORKSTATIONS_STACK } from '../../stacks/workstations-stack';
import type { GuardFlags } from './guards';

/** Apply order: cluster access first (revoked first on offboarding), then the devvm. */
export const ALL_STACKS = [WORKSTATIONS_STACK, DEVVM_STACK] as const;

export interface PlanOptions extends GuardFlags {
  /** The stacks named with --stack, in apply order; undefined: none named. */
  readonly stacks?: readonly string[];
  readonly summaryFile?: string;
  readonly roster: string;
  readonly site: string;
  readonly maxShare?: number;
  /** apply: stream Terraform's raw output instead of the agent's lines and progress. */
  readonly verbose?: boolean;
}

export function planOptions(o: ParsedOptions): PlanOptions {
  const named = o.all('stack');
  for (const s of named) {
    if (!(ALL_STACKS as readonly string[]).includes(s)) throw new UsageError(`unknown stack ${s} (stacks: ${ALL_STACKS.join(', ')})`);
  }
  let maxShare: number | undefined;
  const share = o.get('max-destroy-share');
  if (share !== undefined) {
    maxShare = Number(share);
    if (!(maxShare >= 0 && maxShare <= 1)) throw new UsageError('--max-destroy-share takes a number between 0 and 1');
  }
  return {
    stacks: named.length ? inApplyOrder(named) : undefined,
    allowOffboard: o.all('allow-offboard'),
    allowDemoteAdmin: o.all('allow-demote-admin'),
    iKnow: o.flag('i-know'),
    summaryFile: o.get('summary-file'),
    roster: o.get('roster')!,
    site: o.get('site')!,
    maxShare,
    verbose: o.flag('verbose'),
  };
}

export function inApplyOrder(stacks: readonly string[]): string[] {
  return ALL_STACKS.filter((s) => stacks.includes(s));
}

/** The exact `npm run apply` command for these stacks (the hint after a plan). */
export function applyCommand(stacks: readonly string[]): string {
  const all = stacks.length === ALL_STACKS.length;
  return `npm run apply${all ? '' : ` -- ${stacks.map((s) => `--stack ${s}`).join(' ')}`}`;
}
