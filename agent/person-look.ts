// The two read-only looks of a converge that need no answer from each other, in ONE run as
// the person: what is at the code-layout paths (steps/layout.ts) and where their claude is
// (steps/claude-install.ts). A no-op converge made them as two runusers; each child of the
// agent is part of what every hourly reconcile and every apply pays (docs/bench.md).
//
// Trust is unchanged: both looks already ran as the person, so a person who bends the
// answer can only mislead decisions about their own tree, and every move still runs as them.
// The claude look stays last and `exec`s the login shell; the whole run is under timeout(1)
// (steps/claude-install.ts asPerson), so a hanging profile is killed with all it started.
// The layout part uses only sh builtins: nothing before the exec can hang.
//
// The converge uses the claude answer only if no step after the look changed or failed
// (agent/steps/converge.ts); anything the look did not fully answer, each step looks at again.
import type { WorkstationState } from './input';
import { asPerson, CLAUDE_LOOK, claudeLookArgs, ClaudeFound, parseClaudeLook } from './steps/claude-install';
import { Kind, KINDS_OF_FIRST_N, layoutLookPaths, parseKinds } from './steps/layout';

export interface PersonLook {
  /** What is at layoutLookPaths(ws), in that order; undefined if the look did not get that far. */
  readonly layout?: readonly { readonly kind: Kind }[];
  /** Where their claude is (found: undefined when neither look finds it). */
  readonly claude?: { readonly found: ClaudeFound };
}

/** sh: the layout look over the first $1 arguments, an empty line, then the claude look. */
export const PERSON_LOOK = `${KINDS_OF_FIRST_N}; echo; ${CLAUDE_LOOK}`;

/** PERSON_LOOK's output and exit status, for `count` layout paths. */
export function parsePersonLook(ws: Pick<WorkstationState, 'home' | 'shell' | 'osUser'>, count: number, stdout: string, status: number): PersonLook {
  const lines = stdout.split('\n');
  // The layout part prints exactly one non-empty line per path before the empty line.
  if (lines.indexOf('') !== count) return {};
  return { layout: parseKinds(lines, count), claude: { found: parseClaudeLook(ws, lines.slice(count + 1).join('\n'), status) } };
}

/** Never throws: a look that could not run answers nothing, and the steps look themselves. */
export function lookAsPerson(ws: WorkstationState): PersonLook {
  const paths = layoutLookPaths(ws);
  // As the claude look alone runs: same environment, same limit, the same process-group kill.
  const r = asPerson(ws, ['sh', '-c', PERSON_LOOK, 'sh', String(paths.length), ...paths, ...claudeLookArgs(ws)]);
  return parsePersonLook(ws, paths.length, r.stdout, r.status);
}
