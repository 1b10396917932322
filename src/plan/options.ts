// Command-line options of `npm run plan` and `npm run apply`.
import { UsageError } from '../roster/load';
import { DEVVM_STACK } from '../../stacks/workstations-devvm-stack';
import { WORKSTATIONS_STACK } from '../../stacks/workstations-stack';
import type { GuardFlags } from './guards';

/** Apply order: cluster access first (revoked first on offboarding), then the devvm. */
export const ALL_STACKS = [WORKSTATIONS_STACK, DEVVM_STACK] as const;

export interface PlanOptions extends GuardFlags {
  readonly stacks: readonly string[];
  readonly summaryFile?: string;
  readonly roster?: string;
  readonly site?: string;
  readonly maxShare?: number;
  /** apply: stream Terraform's raw output instead of the agent's lines and progress. */
  readonly verbose?: boolean;
}

export function parseOptions(argv: readonly string[]): PlanOptions {
  const stacks: string[] = [];
  const allowOffboard: string[] = [];
  const allowDemoteAdmin: string[] = [];
  let iKnow = false;
  let summaryFile: string | undefined;
  let roster: string | undefined;
  let site: string | undefined;
  let maxShare: number | undefined;
  let verbose = false;
  const value = (i: number, flag: string) => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--stack': {
        const s = value(i++, a);
        if (!(ALL_STACKS as readonly string[]).includes(s)) throw new UsageError(`unknown stack ${s} (stacks: ${ALL_STACKS.join(', ')})`);
        stacks.push(s);
        break;
      }
      case '--allow-offboard':
        allowOffboard.push(...value(i++, a).split(',').filter(Boolean));
        break;
      case '--allow-demote-admin':
        allowDemoteAdmin.push(...value(i++, a).split(',').filter(Boolean));
        break;
      case '--i-know':
        iKnow = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--summary-file':
        summaryFile = value(i++, a);
        break;
      case '--roster':
        roster = value(i++, a);
        break;
      case '--site':
        site = value(i++, a);
        break;
      case '--max-destroy-share': {
        maxShare = Number(value(i++, a));
        if (!(maxShare >= 0 && maxShare <= 1)) throw new UsageError('--max-destroy-share takes a number between 0 and 1');
        break;
      }
      default:
        throw new UsageError(`unknown argument ${a}`);
    }
  }
  return {
    stacks: stacks.length ? ALL_STACKS.filter((s) => stacks.includes(s)) : [...ALL_STACKS],
    allowOffboard,
    allowDemoteAdmin,
    iKnow,
    summaryFile,
    roster,
    site,
    maxShare,
    verbose,
  };
}
