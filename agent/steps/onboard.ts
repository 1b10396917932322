// Onboard: create the account with its pinned uid, or adopt an existing one with the
// same uid. A different uid is a failure naming both; an existing home is never chowned
// recursively.
import { closeSync, existsSync, fchmodSync } from 'node:fs';
import { openHome } from '../person-fs';
import type { AccountSpec } from '../input';
import { accountByUid, getAccount, shellProblem } from '../accounts';
import type { Context } from '../context';
import { run } from '../exec';
import { deleteOwn, own } from '../own';
import { changed, failed, ok, Outcome } from '../report';

export function onboard(ctx: Context, spec: AccountSpec): Outcome {
  const existing = getAccount(spec.osUser);
  if (existing) {
    if (existing.uid !== spec.uid) {
      return failed(`account ${spec.osUser} exists with uid ${existing.uid}, the roster pins uid ${spec.uid}`);
    }
    // Re-onboarding after an offboard: clear the expiry; the password stays locked.
    // (An incomplete offboarding, processes having survived, locked and expired it too.)
    if (own(ctx.state.tombstones, spec.osUser) || own(ctx.state.incomplete, spec.osUser)) {
      if (ctx.dryRun) return changed('would re-activate an offboarded account');
      run('usermod', ['--expiredate', '', spec.osUser]);
      deleteOwn(ctx.state.tombstones, spec.osUser);
      deleteOwn(ctx.state.incomplete, spec.osUser);
      ctx.save();
      return changed(`re-activated (uid ${spec.uid})`);
    }
    return ok(`adopted existing account (uid ${spec.uid})`);
  }
  const holder = accountByUid(spec.uid);
  if (holder) return failed(`uid ${spec.uid} already belongs to ${holder.name}`);
  const shell = shellProblem(spec.shell);
  if (shell) return failed(`${shell}; account not created`);
  if (ctx.dryRun) return changed(`would create ${spec.osUser} with uid ${spec.uid}`);

  const homeExisted = existsSync(spec.home);
  // -U: a group of its own; -p '!': password locked (login via SSH keys or the web session).
  run('useradd', ['-U', '-u', String(spec.uid), '-d', spec.home, ...(homeExisted ? ['-M'] : ['-m']), '-s', spec.shell, '-p', '!', spec.osUser]);
  if (!homeExisted) {
    // The home inode itself via an O_DIRECTORY|O_NOFOLLOW fd, never by path (agent/main.ts).
    const fd = openHome({ user: spec.osUser, uid: spec.uid, home: spec.home });
    try {
      fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
  }
  return changed(`created with uid ${spec.uid}${homeExisted ? ' (existing home kept as is)' : ''}`);
}
