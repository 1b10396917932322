// The one option parser of every command (src/cli/options.ts) and the per-command tables
// (src/cli/commands.ts): spellings, environment fallbacks, usage errors, the help text, and
// README's Commands table listing every option of every command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLY, COMMANDS, PLAN, SCHEMA, SYNTH, VALIDATE } from '../../src/cli/commands';
import { CommandSpec, helpText, ParsedOptions, parseArgs } from '../../src/cli/options';
import { applyCommand, planOptions } from '../../src/plan/options';
import { UsageError } from '../../src/roster/load';
import { REPO_ROOT } from '../support/inputs';

function parsed(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = {}): ParsedOptions {
  const r = parseArgs(spec, argv, env);
  if (r.help) throw new Error('help');
  return r.options;
}

function usageError(spec: CommandSpec, argv: string[]): string {
  try {
    parseArgs(spec, argv, {});
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

const withInputs = COMMANDS.filter((c) => c.options.some((o) => o.name === 'roster'));

describe.each(withInputs.map((c) => [c.name, c] as const))('%s: the shared input options', (_name, spec) => {
  const seeHelp = `see \`npm run ${spec.name} -- --help\``;

  test('--roster FILE, --roster=FILE, the environment, the default', () => {
    expect(parsed(spec, ['--roster', 'a.yaml', '--site', 's.yaml']).get('roster')).toBe('a.yaml');
    expect(parsed(spec, ['--roster=a.yaml', '--site=s.yaml']).get('site')).toBe('s.yaml');
    expect(parsed(spec, [], { ROSTER: 'env.yaml', SITE: 'envsite.yaml' }).get('site')).toBe('envsite.yaml');
    expect(parsed(spec, ['--roster', 'arg.yaml'], { ROSTER: 'env.yaml' }).get('roster')).toBe('arg.yaml');
    expect(parsed(spec, []).get('roster')).toBe('roster/roster.yaml');
    expect(parsed(spec, []).get('site')).toBe('roster/site.yaml');
  });

  test('-h and --help win over everything else', () => {
    expect(parseArgs(spec, ['--bogus', '-h'], {})).toEqual({ help: true });
    expect(parseArgs(spec, ['--help'], {})).toEqual({ help: true });
  });

  test('unknown options, missing and repeated values are usage errors pointing at --help', () => {
    expect(usageError(spec, ['--sight', 'x'])).toBe(`unknown option --sight; ${seeHelp}`);
    expect(usageError(spec, ['--sight=x'])).toBe(`unknown option --sight; ${seeHelp}`);
    expect(usageError(spec, ['-x'])).toBe(`unknown option -x; ${seeHelp}`);
    expect(usageError(spec, ['--site'])).toBe(`--site needs a value (FILE); ${seeHelp}`);
    expect(usageError(spec, ['--site='])).toBe(`--site needs a value (FILE); ${seeHelp}`);
    expect(usageError(spec, ['--site', '--roster', 'r'])).toBe(`--site needs a value (FILE); ${seeHelp}`);
    expect(usageError(spec, ['--site', 'a', '--site', 'b'])).toBe(`--site is given more than once; ${seeHelp}`);
  });
});

test('a bare roster argument: accepted with a deprecation warning by validate and synth only', () => {
  for (const spec of [VALIDATE, SYNTH]) {
    const o = parsed(spec, ['old.yaml']);
    expect(o.get('roster')).toBe('old.yaml');
    expect(o.warnings).toEqual(['warning: a bare roster argument is deprecated: use --roster old.yaml']);
    expect(usageError(spec, ['a.yaml', 'b.yaml'])).toBe(`unexpected argument b.yaml; see \`npm run ${spec.name} -- --help\``);
  }
  for (const spec of [PLAN, APPLY, SCHEMA]) {
    expect(usageError(spec, ['old.yaml'])).toBe(`unexpected argument old.yaml; see \`npm run ${spec.name} -- --help\``);
  }
});

test('plan and apply options: stacks in apply order, lists, flags, the destroy share', () => {
  const o = planOptions(parsed(APPLY, ['--stack', 'workstations-devvm', '--stack=workstations', '--allow-offboard', 'a,b', '--allow-offboard=c', '--i-know']));
  expect(o).toMatchObject({ stacks: ['workstations', 'workstations-devvm'], allowOffboard: ['a', 'b', 'c'], allowDemoteAdmin: [], iKnow: true, maxShare: 0.25 });
  expect(planOptions(parsed(PLAN, [])).stacks).toBeUndefined();
  expect(() => planOptions(parsed(PLAN, ['--stack', 'nope']))).toThrow('unknown stack nope (stacks: workstations, workstations-devvm)');
  expect(() => planOptions(parsed(PLAN, ['--max-destroy-share', '2']))).toThrow('--max-destroy-share takes a number between 0 and 1');
  expect(usageError(APPLY, ['--i-know=yes'])).toBe('--i-know takes no value; see `npm run apply -- --help`');
  expect(usageError(PLAN, ['--i-know'])).toBe('unknown option --i-know; see `npm run plan -- --help`');
});

test('the apply hint names the planned stacks exactly', () => {
  expect(applyCommand(['workstations-devvm'])).toBe('npm run apply -- --stack workstations-devvm');
  expect(applyCommand(['workstations'])).toBe('npm run apply -- --stack workstations');
  expect(applyCommand(['workstations', 'workstations-devvm'])).toBe('npm run apply');
});

test('the help text lists every option with its default and environment variable, and the exit codes', () => {
  expect(helpText(PLAN)).toBe(
    [
      'Usage: npm run plan -- [options]',
      '',
      'Validate, synthesize, resolve the Config base head (git ls-remote), then `terraform init`',
      'and `terraform plan -out` for each stack; save the plans under cdktf.out/plans/ (0600) and',
      'print the per-person summary. Needs terraform on PATH.',
      '',
      'Options:',
      '  --roster FILE                     the roster (env ROSTER; default roster/roster.yaml)',
      '  --site FILE                       the site (env SITE; default roster/site.yaml)',
      '  --stack NAME                      only this stack: workstations or workstations-devvm (repeatable; default every stack)',
      '  --summary-file FILE               also write the summary as Markdown to FILE (0600)',
      '  --max-destroy-share N             share (0..1) of the people with per-person resources whose resources a plan may destroy or replace (at least one person) before --i-know is needed (default 0.25)',
      '  --trusted-endpoints FILE          a trusted site file (CI: roster/site.yaml of the target branch): refuse, before any token is used, a site whose vault.address, state_backend.address, authentik.url, kubernetes.api_server, oidc.issuer_url, devvm.host or devvm.port differ from it (env WORKSTATIONS_TRUSTED_ENDPOINTS)',
      '  --skip-group-check                do not ask Authentik whether the authentik.groups of the site exist (offline development only; the workstations stack is checked otherwise)',
      '  -h, --help                        print this help and exit 0',
      '',
      'Environment:',
      '  PG_CONN_STR                       state backend connection string (read by Terraform; never written anywhere)',
      '  KUBE_CONFIG_PATH                  kubeconfig of the kubernetes provider (workstations stack)',
      '  VAULT_TOKEN                       token of the vault provider (workstations stack)',
      '  AUTHENTIK_TOKEN                   token of the authentik provider (workstations stack)',
      "  WORKSTATIONS_PG_ADDRESS           with PG_CONN_STR unset: overrides the site's state_backend.address (host[:port]/database[?params], default 10.0.20.200:5432/terraform_state); user and password come from Vault",
      "  WORKSTATIONS_PG_CREDS_PATH        overrides the site's state_backend.creds_path, the Vault path of those credentials (default database/static-creds/pg-terraform-state)",
      '  WORKSTATIONS_VAULT_SA_TOKEN_FILE  with VAULT_TOKEN unset: service account JWT for the Kubernetes auth of Vault (default /var/run/secrets/kubernetes.io/serviceaccount/token; used when it exists)',
      '  WORKSTATIONS_VAULT_K8S_ROLE       Vault role of that login (default ci)',
      '  WORKSTATIONS_VAULT_K8S_MOUNT      Vault auth mount of that login (default kubernetes)',
      '  WORKSTATIONS_AUTHENTIK_TOKEN_KV   with AUTHENTIK_TOKEN unset: the KV v2 field holding it, <mount>/<path>#<field>',
      '  CDKTF_OUTDIR                      where synth writes (default cdktf.out)',
      '  WORKSTATIONS_LOCAL_STATE_DIR      development and tests only: local state in this directory instead of PG',
      '',
      'Exit codes:',
      '  0  planned',
      '  1  invalid roster or site, or Terraform failed',
      '  2  usage error, unreadable file, or no usable terraform',
      '',
    ].join('\n'),
  );
  for (const spec of COMMANDS) {
    const text = helpText(spec);
    for (const o of spec.options) expect(text).toContain(`--${o.name}`);
    expect(text).toContain('-h, --help');
    expect(text).toContain('Exit codes:');
  }
});

test("README's Commands table lists every command and every option of it", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Commands');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  for (const spec of COMMANDS) {
    const row = section.split('\n').find((l) => l.startsWith(`| \`npm run ${spec.name}`) || l.startsWith(`| \`npm run --silent ${spec.name}`));
    expect([spec.name, row !== undefined]).toEqual([spec.name, true]);
    for (const o of [...spec.options.map((x) => `--${x.name}`), '--help']) expect([spec.name, o, row!.includes(o)]).toEqual([spec.name, o, true]);
  }
});
