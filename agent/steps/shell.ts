// The login shell of an existing account follows the roster (site devvm.login_shell or the
// person's workstation.login_shell): usermod -s when it differs. A legacy account keeps its
// shell until cutover (reported as pending). A shell the host does not list in /etc/shells is
// a failure of this person's step, never a silent skip.
import type { Account } from '../accounts';
import { shellProblem } from '../accounts';
import type { Context } from '../context';
import { run } from '../exec';
import type { WorkstationState } from '../input';
import { changed, failed, ok, Outcome, skipped } from '../report';

export function convergeShell(ctx: Context, ws: WorkstationState, account: Account): Outcome {
  if (account.shell === ws.shell) return ok(ws.shell);
  if (ws.legacy) return skipped(`pending cutover: login shell ${account.shell} -> ${ws.shell}`);
  const problem = shellProblem(ws.shell);
  if (problem) return failed(problem);
  if (ctx.dryRun) return changed(`would change login shell ${account.shell} -> ${ws.shell}`);
  run('usermod', ['-s', ws.shell, ws.osUser]);
  return changed(`login shell ${account.shell} -> ${ws.shell}`);
}
