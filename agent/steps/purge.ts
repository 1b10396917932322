// Purge (explicit host command, never reached by apply): only after the offboarding
// archive verifies against its checksum are the account and its home deleted.
import type { Context } from '../context';
import { getAccount } from '../accounts';
import { run } from '../exec';
import { own } from '../own';
import { changed, failed, Outcome, skipped } from '../report';
import { verifyArchive } from './offboard';

export function purge(ctx: Context, osUser: string): Outcome {
  const tomb = own(ctx.state.tombstones, osUser);
  if (!tomb) return failed(`${osUser} has not been offboarded (no tombstone): purge refuses`);
  const account = getAccount(osUser);
  if (!account) return skipped('account already deleted');
  if (account.uid !== tomb.uid) return failed(`account uid ${account.uid} differs from the tombstone's ${tomb.uid}`);
  const problem = verifyArchive(tomb.archive);
  if (problem) return failed(`${tomb.archive}: ${problem}; nothing deleted`);
  if (ctx.dryRun) return changed(`would delete account ${osUser} and ${account.home}`);
  run('userdel', ['--remove', osUser]);
  return changed(`deleted account and home; archive ${tomb.archive} kept; uid ${tomb.uid} stays retired`);
}
