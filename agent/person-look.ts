// The three read-only looks of a converge that need no answer from each other, in ONE run as
// the person: what is at the code-layout paths (steps/layout.ts), each clone's HEAD and its
// mirror's tips (steps/clone.ts) and where their claude is (steps/claude-install.ts). A
// no-op converge made them as three runusers; each child of the agent is part of what
// every hourly reconcile and every apply pays (docs/bench.md).
//
// Trust is unchanged: both looks already ran as the person, so a person who bends the
// answer can only mislead decisions about their own tree, and every move still runs as them.
// The claude look stays last and `exec`s the login shell; the whole run is under timeout(1)
// (steps/claude-install.ts asPerson), so a hanging profile is killed with all it started.
// The layout part uses only sh builtins. The heads part runs git in the person's clones: a
// FIFO planted as .git/HEAD hangs it until that limit, and then the steps look themselves.
//
// The converge uses the heads and claude answers only if no step after the look changed or
// failed, and a clone's heads only if its mirror was not fetched since (agent/steps/
// converge.ts); anything the look did not fully answer, each step looks at again.
import type { WorkstationState } from './input';
import { asPerson, CLAUDE_LOOK, claudeLookArgs, ClaudeFound, parseClaudeLook } from './steps/claude-install';
import { CloneAt, Heads, HEADS_OF_N, headsLookArgs, parseHeadsOfN } from './steps/clone';
import { Kind, KINDS_OF_FIRST_N, layoutLookPaths, parseKinds } from './steps/layout';

export interface PersonLook {
  /** What is at layoutLookPaths(ws), in that order; undefined if the look did not get that far. */
  readonly layout?: readonly { readonly kind: Kind }[];
  /** Each looked clone's heads, by the clone's path (absent: not answered, the step looks). */
  readonly heads?: ReadonlyMap<string, Heads>;
  /** Where their claude is (found: undefined when neither look finds it). */
  readonly claude?: { readonly found: ClaudeFound };
}

/** sh: the layout look over the first $1 arguments, an empty line, the heads look, then the claude look. */
export const PERSON_LOOK = `${KINDS_OF_FIRST_N}; echo; ${HEADS_OF_N}; ${CLAUDE_LOOK}`;

/** PERSON_LOOK's arguments: the layout paths, the clones, the claude look's. */
export function personLookArgs(ws: Pick<WorkstationState, 'home' | 'shell' | 'osUser'>, paths: readonly string[], clones: readonly CloneAt[]): string[] {
  return [String(paths.length), ...paths, ...headsLookArgs(clones), ...claudeLookArgs(ws)];
}

/** PERSON_LOOK's output and exit status, for `count` layout paths and `clones`. */
export function parsePersonLook(
  ws: Pick<WorkstationState, 'home' | 'shell' | 'osUser'>,
  count: number,
  clones: readonly CloneAt[],
  stdout: string,
  status: number,
): PersonLook {
  const lines = stdout.split('\n');
  // The layout part prints exactly one non-empty line per path before the empty line.
  if (lines.indexOf('') !== count) return {};
  const layout = parseKinds(lines, count);
  const looked = parseHeadsOfN(lines, count + 1, clones.length);
  // Cut short (killed at the limit): the claude look never ran.
  if (!looked) return { layout };
  const heads = new Map<string, Heads>();
  clones.forEach((c, i) => {
    const h = looked.heads[i];
    if (h) heads.set(c.target, h);
  });
  return { layout, heads, claude: { found: parseClaudeLook(ws, lines.slice(looked.next).join('\n'), status) } };
}

/** Never throws: a look that could not run answers nothing, and the steps look themselves. */
export function lookAsPerson(ws: WorkstationState, clones: readonly CloneAt[]): PersonLook {
  const paths = layoutLookPaths(ws);
  // As the claude look alone runs: same environment, same limit, the same process-group kill.
  const r = asPerson(ws, ['sh', '-c', PERSON_LOOK, 'sh', ...personLookArgs(ws, paths, clones)]);
  return parsePersonLook(ws, paths.length, clones, r.stdout, r.status);
}
