// Does this person have Claude Code? The devvm deliberately has no system-wide `claude`:
// each person runs their own native install (Anthropic's installer puts it in
// ~/.local/bin/claude), so the question is asked in the person's own context and the
// answer is REPORTED, never a failure: a missing install blocks nobody's onboarding (the
// account, clone and kubeconfig are useful without it), the line says how to install it.
//
// Least privilege: both looks run AS the person (runuser, one run), never as root on their
// home: their login shell with their own profile files (`<shell> -l -c 'command -v claude'`,
// stdin closed, bounded by a short timeout), and `[ -x ~/.local/bin/claude ]` (a PATH set
// only in an interactive rc file is not seen by a login shell run with -c).
import { getAccount } from '../accounts';
import { personEnv, probe, RUNUSER } from '../exec';
import type { WorkstationState } from '../input';
import { ok, Outcome, skipped } from '../report';

/** How long the person's login shell may take to answer (their profile runs first). */
export const CLAUDE_PROBE_TIMEOUT_MS = 15_000;

/** What the person runs, as themselves, to install Claude Code (Anthropic's native installer). */
export const CLAUDE_INSTALL = 'curl -fsSL https://claude.ai/install.sh | bash';

export type Person = Pick<WorkstationState, 'osUser' | 'home' | 'shell'>;

/**
 * Runs `argv` as the person, with their login profile somewhere below it. Under timeout(1),
 * which puts runuser and everything it starts in one process group and signals that whole
 * group at the limit (SIGKILL 2 s later): a profile that hangs in a child of its own (a
 * `sleep`, a read from a FIFO) leaves nothing running. runuser alone, signalled, ends only its
 * own child. The agent's own limit, a little later, is the backstop.
 */
export function asPerson(p: Person, argv: readonly string[]) {
  return probe(TIMEOUT, ['-k', '2', String(CLAUDE_PROBE_TIMEOUT_MS / 1000), RUNUSER, '-u', p.osUser, '--', ...argv], {
    cwd: p.home,
    input: '',
    timeoutMs: CLAUDE_PROBE_TIMEOUT_MS + 5_000,
    env: { ...personEnv(p.osUser, p.home), SHELL: p.shell },
  });
}

/** coreutils timeout(1), by absolute path (the person's environment's PATH is the system's anyway). */
const TIMEOUT = '/usr/bin/timeout';

/** What the look prints first when ~/.local/bin/claude is executable (never an absolute path). */
const LOCAL_INSTALL = 'workstations: ~/.local/bin/claude is executable';

/**
 * sh: both looks in one script with $1 the login shell, $2 ~/.local/bin/claude, $3 the
 * marker (claudeLookArgs): sh tests the native install's path, then `exec`s the login
 * shell, so the login shell is runuser's own child and the timeout's SIGTERM reaches it (a
 * hanging profile leaves nothing behind). Ends with the exec: agent/person-look.ts runs it
 * after its own look, in the same run.
 */
export const CLAUDE_LOOK = 'if [ -x "$2" ]; then printf "%s\\n" "$3"; fi; exec "$1" -l -c "command -v claude"';

export const claudeLookArgs = (p: Person): string[] => [p.shell, `${p.home}/.local/bin/claude`, LOCAL_INSTALL];

export type ClaudeFound = { readonly path: string; readonly onPath: boolean } | undefined;

/** The look's output and exit status: where the person's `claude` is, as they would find it. */
export function parseClaudeLook(p: Person, stdout: string, status: number): ClaudeFound {
  const lines = stdout.split('\n').map((l) => l.trim());
  const hasLocal = lines[0] === LOCAL_INSTALL;
  // A profile may print its own lines first: the answer is the last absolute path.
  const found = status === 0 ? lines.slice(hasLocal ? 1 : 0).filter((l) => l.startsWith('/')).pop() : undefined;
  if (found) return { path: found, onPath: true };
  if (hasLocal) return { path: `${p.home}/.local/bin/claude`, onPath: false };
  return undefined;
}

/** Where the person's `claude` is, as they would find it, or undefined (one runuser). */
export function findClaude(p: Person): ClaudeFound {
  const r = asPerson(p, ['sh', '-c', CLAUDE_LOOK, 'sh', ...claudeLookArgs(p)]);
  return parseClaudeLook(p, r.stdout, r.status);
}

/** `seen`: the answer of a look the converge already made (agent/person-look.ts). */
export function claudeInstall(ws: Person, seen?: { readonly found: ClaudeFound }): Outcome {
  const tilde = (path: string) => (path.startsWith(`${ws.home}/`) ? `~${path.slice(ws.home.length)}` : path);
  const found = seen ? seen.found : findClaude(ws);
  if (found) return ok(found.onPath ? tilde(found.path) : `${tilde(found.path)}, not on the login shell's PATH`);
  return skipped(
    `no claude for ${ws.osUser} (neither on the login shell's PATH nor ~/.local/bin/claude): ` +
      `${ws.osUser} installs it as themselves with \`${CLAUDE_INSTALL}\` (a per-person native install; the devvm has no system-wide claude)`,
  );
}

/** `status`: each person with an account and their Claude Code install, on one line. */
export function claudeStatusLine(people: readonly Person[]): string {
  const parts = people
    .filter((p) => getAccount(p.osUser))
    .map((p) => {
      const found = findClaude(p);
      return `${p.osUser} ${found ? found.path.replace(`${p.home}/`, '~/') : 'not installed'}`;
    });
  return `(people) claude: ${parts.length ? parts.join('; ') : '-'}${parts.some((x) => x.endsWith('not installed')) ? ` (each installs it as themselves: \`${CLAUDE_INSTALL}\`)` : ''}`;
}
