// The devvm host agent. Terraform's provisioners call it with the desired state as
// base64 JSON (never interpolated into a shell); admins call it for host-only commands.
//
//   agent.js host <b64 HostSpec>          install this agent and the host-wide files
//   agent.js claude-layer <b64 ClaudeLayerSpec>  install the managed Claude Code layer
//   agent.js preflight <b64 PreflightSpec>  check the devvm can carry Workstations
//   agent.js onboard <b64 AccountSpec>    create or adopt the account
//   agent.js converge <b64 Workstation>   converge one person's Workstation profile
//   agent.js offboard <b64 AccountSpec>   lock, archive, tombstone (destroy-time)
//   agent.js plan [<b64 Workstation>]     dry run of converge: every change, nothing changed
//   agent.js status                       accounts, state and drift
//   agent.js purge <os_user>              delete account + home after verifying the archive
//   agent.js cutover <os_user> [--force]  legacy account -> tier target, with snapshot
//   agent.js rollback <os_user>           restore the cutover snapshot exactly
import { copyFileSync, chmodSync, mkdirSync, renameSync } from 'node:fs';
import { OsUser } from '../src/roster/values';
import { makeContext } from './context';
import { allDesired, loadDesired, storeDesired } from './desired-store';
import { loadState } from './host-state';
import { AccountSpec, ClaudeLayerSpec, decodeSpec, HostSpec, PreflightSpec, WorkstationState } from './input';
import { withHostLock } from './lock';
import { AGENT_DIR, AGENT_PATH } from './paths';
import { changed, Reporter } from './report';
import { statusTable } from './status';
import { installClaudeLayer } from './steps/claude-layer';
import { converge } from './steps/converge';
import { cutover, rollback } from './steps/cutover';
import { convergeHost } from './steps/host';
import { offboard } from './steps/offboard';
import { onboard } from './steps/onboard';
import { preflight } from './steps/preflight';
import { purge } from './steps/purge';

const USAGE = 'usage: agent.js host|claude-layer|preflight|onboard|converge|offboard <base64-json> | plan [<base64-json>] | status | purge|rollback <os_user> | cutover <os_user> [--force]';

class UsageError extends Error {}

function osUserArg(arg: string | undefined): string {
  const r = OsUser.safeParse(arg);
  if (!r.success) throw new UsageError(`invalid os_user ${JSON.stringify(arg ?? '')}`);
  return r.data;
}

function desiredOf(osUser: string) {
  const ws = loadDesired(osUser);
  if (!ws) throw new UsageError(`no converged desired state for ${osUser} on this host`);
  return ws;
}

export function main(argv: string[]): number {
  const [command, arg, ...rest] = argv;
  const report = new Reporter();
  try {
    return withHostLock(() => {
      const state = loadState();
      const ctx = makeContext(state, command === 'plan');
      switch (command) {
        case 'host': {
          const spec = decodeSpec(HostSpec, arg ?? '');
          report.step('(host)', 'agent', () => installSelf());
          convergeHost(ctx, report, spec);
          break;
        }
        case 'claude-layer':
          installClaudeLayer(ctx, report, decodeSpec(ClaudeLayerSpec, arg ?? ''));
          break;
        case 'preflight': {
          const spec = decodeSpec(PreflightSpec, arg ?? '');
          report.step('(host)', 'preflight', () => preflight(spec));
          break;
        }
        case 'onboard': {
          const spec = decodeSpec(AccountSpec, arg ?? '');
          report.step(spec.osUser, 'account', () => onboard(ctx, spec));
          break;
        }
        case 'converge': {
          const ws = decodeSpec(WorkstationState, arg ?? '');
          storeDesired(ws);
          converge(ctx, report, ws);
          break;
        }
        case 'plan': {
          const targets = arg ? [decodeSpec(WorkstationState, arg)] : allDesired();
          for (const ws of targets) converge(ctx, report, ws);
          break;
        }
        case 'offboard':
          offboard(ctx, report, decodeSpec(AccountSpec, arg ?? ''));
          break;
        case 'purge': {
          const u = osUserArg(arg);
          report.step(u, 'purge', () => purge(ctx, u));
          break;
        }
        case 'cutover':
          cutover(ctx, report, desiredOf(osUserArg(arg)), rest.includes('--force'));
          break;
        case 'rollback':
          rollback(ctx, report, desiredOf(osUserArg(arg)));
          break;
        case 'status':
          process.stdout.write(`${statusTable(ctx)}\n`);
          break;
        default:
          throw new UsageError(USAGE);
      }
      return report.failed ? 1 : 0;
    });
  } catch (err) {
    process.stderr.write(`agent: ${(err as Error).message}\n`);
    return 2;
  }
}

/** Copies the running bundle to its installed path (atomically), unless it already runs from there. */
function installSelf() {
  const self = process.argv[1];
  if (self === AGENT_PATH) return changed('already installed');
  mkdirSync(AGENT_DIR, { recursive: true, mode: 0o755 });
  const tmp = `${AGENT_PATH}.tmp-${process.pid}`;
  copyFileSync(self, tmp);
  chmodSync(tmp, 0o644);
  renameSync(tmp, AGENT_PATH);
  return changed(`installed ${AGENT_PATH}`);
}

process.exitCode = main(process.argv.slice(2));
