// What every npm command accepts: one table per command, read by the shared parser
// (options.ts), by `--help` and by the test that checks README's Commands table.
import { DEVVM_STACK } from '../../stacks/workstations-devvm-stack';
import { WORKSTATIONS_STACK } from '../../stacks/workstations-stack';
import { DEFAULT_MAX_DESTROY_SHARE } from '../plan/guards';
import { CommandSpec, OptionSpec, ROSTER_OPTION, SITE_OPTION } from './options';
import { CREDENTIALS_ENV } from '../ci/credentials';

const STACK_OPTION: OptionSpec = {
  name: 'stack',
  value: 'NAME',
  repeatable: true,
  default: 'every stack',
  help: `only this stack: ${WORKSTATIONS_STACK} or ${DEVVM_STACK}`,
};
const MAX_SHARE_OPTION: OptionSpec = {
  name: 'max-destroy-share',
  value: 'N',
  default: String(DEFAULT_MAX_DESTROY_SHARE),
  help: 'share (0..1) of the people with per-person resources whose resources a plan may destroy or replace (at least one person) before --i-know is needed',
};
const SKIP_GROUP_CHECK_OPTION: OptionSpec = {
  name: 'skip-group-check',
  help: "do not ask Authentik whether the authentik.groups of the site exist (offline development only; the workstations stack is checked otherwise)",
};
const OUTDIR_ENV = ['CDKTF_OUTDIR', 'where synth writes (default cdktf.out)'] as const;

const INPUT_EXIT_CODES = [
  [0, 'ok'],
  [1, 'invalid roster or site (problem lines on stderr)'],
  [2, 'usage error or unreadable file'],
] as const;

export const VALIDATE: CommandSpec = {
  name: 'validate',
  summary: 'Validate the roster and the site; print one summary line. Writes nothing.',
  options: [ROSTER_OPTION, SITE_OPTION],
  exitCodes: [[0, 'valid'], INPUT_EXIT_CODES[1], INPUT_EXIT_CODES[2]],
  positionalRoster: true,
};

export const SYNTH: CommandSpec = {
  name: 'synth',
  summary: [
    'Validate, synthesize every stack into cdktf.out/stacks/<stack>/cdk.tf.json, print the',
    'people table and the capacity arithmetic. Needs only Node: no network, no terraform.',
    'A failed synth leaves cdktf.out untouched; saved plans survive a synth.',
  ].join('\n'),
  options: [ROSTER_OPTION, SITE_OPTION],
  environment: [OUTDIR_ENV],
  exitCodes: INPUT_EXIT_CODES,
  positionalRoster: true,
};

const TERRAFORM_ENV = [
  ['PG_CONN_STR', 'state backend connection string (read by Terraform; never written anywhere)'],
  ['KUBE_CONFIG_PATH', 'kubeconfig of the kubernetes provider (workstations stack)'],
  ['VAULT_TOKEN', 'token of the vault provider (workstations stack)'],
  ['AUTHENTIK_TOKEN', 'token of the authentik provider (workstations stack)'],
  ...CREDENTIALS_ENV,
  OUTDIR_ENV,
  ['WORKSTATIONS_LOCAL_STATE_DIR', 'development and tests only: local state in this directory instead of PG'],
] as const;

export const PLAN: CommandSpec = {
  name: 'plan',
  summary: [
    'Validate, synthesize, resolve the Config base head (git ls-remote), then `terraform init`',
    'and `terraform plan -out` for each stack; save the plans under cdktf.out/plans/ (0600) and',
    'print the per-person summary. Needs terraform on PATH.',
  ].join('\n'),
  options: [
    ROSTER_OPTION,
    SITE_OPTION,
    STACK_OPTION,
    { name: 'summary-file', value: 'FILE', help: 'also write the summary as Markdown to FILE (0600)' },
    MAX_SHARE_OPTION,
    {
      name: 'trusted-endpoints',
      value: 'FILE',
      env: 'WORKSTATIONS_TRUSTED_ENDPOINTS',
      help: "a trusted site file (CI: roster/site.yaml of the target branch): refuse, before any token is used, a site whose vault.address, state_backend.address, authentik.url, kubernetes.api_server, oidc.issuer_url, devvm.host or devvm.port differ from it",
    },
    SKIP_GROUP_CHECK_OPTION,
  ],
  environment: TERRAFORM_ENV,
  exitCodes: [[0, 'planned'], [1, 'invalid roster or site, or Terraform failed'], [2, 'usage error, unreadable file, or no usable terraform']],
};

export const APPLY: CommandSpec = {
  name: 'apply',
  summary: [
    'Apply exactly the saved plans of the last `npm run plan` (its stacks, unless --stack), after',
    'showing their summary again and checking the guards. Never re-plans. Refuses a plan that',
    'no longer matches cdktf.out or the roster and site. Needs terraform on PATH.',
  ].join('\n'),
  options: [
    ROSTER_OPTION,
    SITE_OPTION,
    { ...STACK_OPTION, default: 'the stacks of the last plan' },
    { name: 'allow-offboard', value: 'USERS', repeatable: true, list: true, help: 'allow offboarding exactly these os_users (comma-separated)' },
    { name: 'allow-demote-admin', value: 'USERS', repeatable: true, list: true, help: 'allow removing the admin tier of exactly these os_users' },
    { name: 'i-know', help: 'allow a plan that destroys more than --max-destroy-share' },
    MAX_SHARE_OPTION,
    SKIP_GROUP_CHECK_OPTION,
    { name: 'verbose', help: "print Terraform's raw output instead of the agent's per-person lines and a progress line" },
  ],
  environment: TERRAFORM_ENV,
  exitCodes: [[0, 'applied'], [1, 'refused (guards or stale plan) or Terraform failed'], [2, 'usage error, no saved plan, or no usable terraform']],
};

export const SCHEMA: CommandSpec = {
  name: 'schema',
  summary: 'Regenerate roster/roster.schema.json and roster/site.schema.json from the zod schemas.',
  options: [],
  exitCodes: [[0, 'written'], [2, 'usage error or a file could not be written']],
};

export const IMPORT: CommandSpec = {
  name: 'import',
  summary: [
    'Write a first roster from what exists: the shipped roster file, the legacy k8s_users JSON,',
    "the devvm's /etc/passwd and /etc/group and (optional) an Authentik group export. Pinned uids",
    'from passwd, legacy: true for existing accounts, tiers and namespaces from k8s_users; checked',
    'by the validator against --site with the adoption settings (every plane observe, every host',
    'file the reconciler\'s), which it prints (or writes to --site-snippet). Every disagreement',
    'between the sources is a problem line <file>:<line>:<col> naming the source line; then nothing',
    'is written, unless --allow-problems (the disputed people are left out). Never overwrites',
    'without --force.',
  ].join('\n'),
  options: [
    { name: 'shipped-roster', value: 'FILE', help: "a copy of the shipped system's roster (scripts/workstation/roster.yaml of the infra repo); required" },
    { name: 'k8s-users', value: 'FILE', help: 'the legacy k8s_users JSON (vault kv get -field=k8s_users secret/platform); required' },
    { name: 'passwd', value: 'FILE', help: "a copy of the devvm's /etc/passwd; required" },
    { name: 'group', value: 'FILE', help: "a copy of the devvm's /etc/group; required" },
    { name: 'authentik-groups', value: 'FILE', help: 'optional: the JSON of GET /api/v3/core/groups/?include_users=true (Authentik usernames and emails)' },
    SITE_OPTION,
    { name: 'out', value: 'FILE', help: 'where to write the roster; required' },
    { name: 'site-snippet', value: 'FILE', default: 'stdout', help: 'write the adoption settings for the site here' },
    { name: 'force', help: 'overwrite --out and --site-snippet if they exist' },
    { name: 'allow-problems', help: 'write the roster anyway, leaving out every person a problem disputes (the problems are still printed)' },
  ],
  exitCodes: [
    [0, 'written'],
    [1, 'problems (printed on stderr; nothing written), or the roster would be invalid'],
    [2, 'usage error, unreadable file, or an output exists without --force'],
  ],
};

export const COMMANDS: readonly CommandSpec[] = [VALIDATE, SYNTH, PLAN, APPLY, SCHEMA, IMPORT];
