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
//   agent.js tombstones                   offboarding tombstones as JSON (read by `npm run plan`)
//   agent.js purge <os_user>              delete account + home after verifying the archive
//   agent.js cutover <os_user> [--force] [--break-links]  legacy account -> tier target, with snapshot
//   agent.js rollback <os_user>           restore the cutover snapshot exactly
//   agent.js --help | <command> --help    usage, arguments, exit codes (agent/usage.ts)
//
// Privilege rule: root never acts by path inside a person's home. Whatever the agent does
// there (create, write, move, chmod, read a file to restore it) runs AS that person
// (runAs/runuser: their uid, gid and groups; agent/person-fs.ts, agent/managed-files.ts),
// so a link, rename or race they plant reaches only what they could reach anyway. Root
// acts only where no person can interfere: account tools (useradd, usermod, gpasswd),
// root-owned directories outside homes (/var/lib/workstations, the archive directory),
// and a home-side inode only through an fd it opened itself without following links
// (the home via O_DIRECTORY|O_NOFOLLOW; a file via no-follow dir fds; then fchmod/fchown).
// Root's reads in a home use safeRead (no link, no FIFO, owned by the person). What the agent
// fetches with git (mirrors, the Config base checkout) is fetched by the unprivileged
// workstations-mirror account (agent/mirror-account.ts), never by root; offboarding's tar
// reads the home as the person.
import { copyFileSync, chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { OsUser } from '../src/roster/values';
import { Context, makeContext } from './context';
import { allDesired, loadDesired, storeDesired } from './desired-store';
import { loadState } from './host-state';
import { AccountSpec, ClaudeLayerSpec, decodeSpec, HostSpec, PreflightSpec, WorkstationState } from './input';
import { withHostLock } from './lock';
import { AGENT_DIR, AGENT_PATH, UPLOAD_DIR } from './paths';
import { changed, Reporter } from './report';
import { converge } from './steps/converge';
import { convergeHost, convergeHostMaps } from './steps/host';
import { AGENT_COMMANDS, agentHelp, commandHelp } from './usage';

/**
 * The steps of the rarer commands, loaded only when their command runs: every apply calls
 * `converge` once per changed person, and it should not build the managed Claude settings
 * schema or compile offboarding's code to do nothing (the bundler evaluates a module it
 * reaches through require() on the first call only).
 */
const lazy = {
  claudeLayer: () => require('./steps/claude-layer') as typeof import('./steps/claude-layer'),
  cutover: () => require('./steps/cutover') as typeof import('./steps/cutover'),
  offboard: () => require('./steps/offboard') as typeof import('./steps/offboard'),
  onboard: () => require('./steps/onboard') as typeof import('./steps/onboard'),
  preflight: () => require('./steps/preflight') as typeof import('./steps/preflight'),
  purge: () => require('./steps/purge') as typeof import('./steps/purge'),
  status: () => require('./status') as typeof import('./status'),
  tombstones: () => require('./tombstones') as typeof import('./tombstones'),
};

const USAGE = 'usage: agent.js host|claude-layer|preflight|onboard|converge|offboard <base64-json> | plan [<base64-json>] | status | tombstones | purge|rollback <os_user> | cutover <os_user> [--force] [--break-links]; see agent.js --help';

class UsageError extends Error {}

const isHelp = (a: string) => a === '--help' || a === '-h';

/** `--help` text to print, if asked (before anything else is parsed, locked or read). */
function helpRequest(argv: string[]): string | undefined {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || isHelp(command)) return command === undefined ? undefined : agentHelp();
  if (Object.hasOwn(AGENT_COMMANDS, command) && rest.some(isHelp)) return commandHelp(command);
  return undefined;
}

/** Options a command does not take are usage errors (only cutover takes one). */
function checkOptions(command: string, args: string[]): void {
  const allowed = (AGENT_COMMANDS[command]?.options ?? []).map(([o]) => o);
  for (const a of args) if (a.startsWith('-') && !allowed.includes(a)) throw new UsageError(`${command}: unknown option ${a}; see agent.js ${command} --help`);
  const positional = args.filter((a) => !a.startsWith('-'));
  if (positional.length > 1) throw new UsageError(`${command}: unexpected argument ${positional[1].slice(0, 40)}; see agent.js ${command} --help`);
}

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

type Run = (ctx: Context, report: Reporter) => void;

/**
 * Parses and validates the command line BEFORE taking the host lock or reading state:
 * an invalid input (hostile values included) exits 2 having changed nothing at all.
 */
function parseCommand(argv: string[]): { run: Run; dryRun: boolean } {
  const [command, ...args] = argv;
  if (command !== undefined && Object.hasOwn(AGENT_COMMANDS, command)) checkOptions(command, args);
  const arg = args.find((a) => !a.startsWith('-'));
  const rest = args.filter((a) => a.startsWith('-'));
  switch (command) {
    case 'host': {
      const spec = decodeSpec(HostSpec, arg ?? '');
      return { dryRun: false, run: (ctx, report) => { report.step('(host)', 'agent', () => installSelf()); convergeHost(ctx, report, spec); } };
    }
    case 'claude-layer': {
      const spec = decodeSpec(ClaudeLayerSpec, arg ?? '');
      return { dryRun: false, run: (ctx, report) => lazy.claudeLayer().installClaudeLayer(ctx, report, spec) };
    }
    case 'preflight': {
      const spec = decodeSpec(PreflightSpec, arg ?? '');
      return { dryRun: false, run: (_ctx, report) => void report.step('(host)', 'preflight', () => lazy.preflight().preflight(spec)) };
    }
    case 'onboard': {
      const spec = decodeSpec(AccountSpec, arg ?? '');
      return { dryRun: false, run: (ctx, report) => void report.step(spec.osUser, 'account', () => lazy.onboard().onboard(ctx, spec)) };
    }
    case 'converge': {
      const ws = decodeSpec(WorkstationState, arg ?? '');
      // The host maps follow every person's converge: no host resource run is needed for it.
      return { dryRun: false, run: (ctx, report) => { storeDesired(ws); converge(ctx, report, ws); convergeHostMaps(ctx, report); } };
    }
    case 'plan': {
      const one = arg ? decodeSpec(WorkstationState, arg) : undefined;
      return { dryRun: true, run: (ctx, report) => { for (const ws of one ? [one] : allDesired()) converge(ctx, report, ws); if (!one) convergeHostMaps(ctx, report); } };
    }
    case 'offboard': {
      const spec = decodeSpec(AccountSpec, arg ?? '');
      return { dryRun: false, run: (ctx, report) => { lazy.offboard().offboard(ctx, report, spec); convergeHostMaps(ctx, report); } };
    }
    case 'purge': {
      const u = osUserArg(arg);
      return { dryRun: false, run: (ctx, report) => void report.step(u, 'purge', () => lazy.purge().purge(ctx, u)) };
    }
    case 'cutover': {
      const u = osUserArg(arg);
      return { dryRun: false, run: (ctx, report) => lazy.cutover().cutover(ctx, report, desiredOf(u), { force: rest.includes('--force'), breakLinks: rest.includes('--break-links') }) };
    }
    case 'rollback': {
      const u = osUserArg(arg);
      return { dryRun: false, run: (ctx, report) => lazy.cutover().rollback(ctx, report, desiredOf(u)) };
    }
    case 'status':
      return { dryRun: true, run: (ctx) => void process.stdout.write(`${lazy.status().statusTable(ctx)}\n`) };
    case 'tombstones':
      return { dryRun: true, run: (ctx) => void process.stdout.write(`${lazy.tombstones().tombstonesJson(ctx)}\n`) };
    default:
      throw new UsageError(USAGE);
  }
}

export function main(argv: string[]): number {
  const help = helpRequest(argv);
  if (help) {
    process.stdout.write(help);
    return 0;
  }
  const report = new Reporter();
  try {
    const { run, dryRun } = parseCommand(argv);
    return withHostLock(() => {
      run(makeContext(loadState(), dryRun), report);
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
  // Earlier uploads and temps of killed installs: only this bundle is needed from now on.
  for (const name of existsSync(UPLOAD_DIR) ? readdirSync(UPLOAD_DIR) : []) {
    if (name.startsWith('agent-') && `${UPLOAD_DIR}/${name}` !== self) rmSync(`${UPLOAD_DIR}/${name}`, { force: true });
  }
  // ... and the code caches of the agent this one replaces (agent/loader.ts): named by
  // their bundle's hash, they would never be read again.
  for (const name of readdirSync(AGENT_DIR)) {
    if (name.startsWith('agent.js.tmp-') || /\.v8cache(\.tmp-\d+)?$/.test(name)) rmSync(`${AGENT_DIR}/${name}`, { force: true });
  }
  return changed(`installed ${AGENT_PATH}`);
}

process.exitCode = main(process.argv.slice(2));
