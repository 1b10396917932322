// Org-wide Claude Code managed settings for the devvm: /etc/claude-code/managed-settings.json.
// Identical for every person and inherited live; the highest-precedence settings file, which
// people cannot override. Security-relevant policy lives HERE, not in a drop-in: drop-ins
// need Claude Code >= 2.1.83 and an older CLI would silently skip them.
//
// Shared and world-readable: no secrets, nothing per person. `npm test` enforces both.
import { HOOKS_DIR } from '../src/claude-layer/layout';
import type { ManagedSettings } from '../src/claude-layer/settings-model';

export const settings: ManagedSettings = {
  permissions: {
    // Nobody runs with every prompt switched off on a shared machine with infra access.
    disableBypassPermissionsMode: 'disable',
    // Keep Claude's Read tool away from credentials. Read denies do not stop subprocesses
    // (cat, git): the real boundary is the OS (0700 homes, git-crypt). These stop the
    // model from pulling a secret into a transcript by accident.
    deny: [
      // Every person's own Claude login.
      'Read(//home/*/.claude/.credentials.json)',
      // git-crypt secrets of the infra repo (plaintext in an admin's unlocked clone).
      'Read(**/terraform.tfvars)',
      'Read(**/secrets/**)',
      // The git-crypt key itself, in an unlocked clone.
      'Read(**/.git/git-crypt/**)',
      // Per-person cluster and Vault tokens.
      'Read(//home/*/.kube/cache/**)',
      'Read(//home/*/.vault-token)',
    ],
  },
  env: {
    // Opt out of telemetry and error reporting for the whole devvm (env-vars docs). Note that
    // DISABLE_TELEMETRY also stops feature-flag fetching.
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  },
  // Managed scalars win over a person's own value: this caps how long transcripts stay on the
  // shared disk (the default, made binding).
  cleanupPeriodDays: 30,
  hooks: {
    // Tells Claude at session start whether the project's git-crypt tree is locked, so it does
    // not treat encrypted blobs as corrupt files or try to decrypt them. Prints one line, never
    // blocks, never returns a permission decision.
    SessionStart: [
      {
        hooks: [{ type: 'command', command: `${HOOKS_DIR}/session-start-git-crypt`, timeout: 5 }],
      },
    ],
  },
};
