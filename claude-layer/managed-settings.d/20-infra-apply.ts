// A confirmation before applying or destroying homelab infrastructure:
// /etc/claude-code/managed-settings.d/20-infra-apply.json. Only admins hold the credentials to
// apply; for them this is a deliberate speed bump, not a boundary (`terraform -chdir=x apply`
// does not match). Managed ask rules come before anyone's allow rules, so they stay in force.
import type { ManagedSettings } from '../../src/claude-layer/settings-model';

export const settings: ManagedSettings = {
  permissions: {
    ask: [
      'Bash(scripts/tg apply*)',
      'Bash(./scripts/tg apply*)',
      'Bash(scripts/tg destroy*)',
      'Bash(./scripts/tg destroy*)',
      'Bash(terragrunt apply*)',
      'Bash(terragrunt destroy*)',
      'Bash(terraform apply*)',
      'Bash(terraform destroy*)',
    ],
  },
};
