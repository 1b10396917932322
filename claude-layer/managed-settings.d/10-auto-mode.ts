// Auto mode classifier context for the homelab: /etc/claude-code/managed-settings.d/10-auto-mode.json.
// Every list starts with "$defaults" (needs Claude Code >= 2.1.118) so Claude Code's built-in
// rules stay in force and these only add to them. Prose, not permission patterns: the
// classifier reads them as part of its prompt (https://code.claude.com/docs/en/auto-mode-config).
import type { ManagedSettings } from '../../src/claude-layer/settings-model';

export const settings: ManagedSettings = {
  autoMode: {
    environment: [
      '$defaults',
      'Trusted source control: the GitHub repositories of ViktorBarzin, including the homelab infra repo.',
      'Trusted internal domain: viktorbarzin.me and its subdomains are the homelab\'s own Services (Authentik, Vault, the Kubernetes API).',
    ],
    soft_deny: [
      '$defaults',
      'Applying or destroying shared infrastructure (scripts/tg apply, terraform or terragrunt apply/destroy, cdktf deploy): homelab changes go through an admin\'s reviewed apply.',
      'Reading, decrypting or copying git-crypt protected files (terraform.tfvars, secrets/**), or reading another person\'s files under /home.',
    ],
  },
};
