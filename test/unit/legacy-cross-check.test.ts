// Legacy cross-check (issue 7 item 4); the pull-request pipeline is tested in pipeline-file.test.ts.
//
// The cross-check's conditions are HCL strings, so matching them as text proves little.
// Beyond the synthesized-JSON assertions, the cross-check part of the synthesized stack
// is run through the real Terraform (no provider needed: terraform_data is built in), with
// a sensitive local standing in for the Vault data source's `data` attribute.
import { execFileSync, spawnSync } from 'node:child_process';
import { hasTerraform } from '../support/terraform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEGACY_CROSS_CHECK_NAMES as N } from '../../constructs/legacy-cross-check';
import type { Inputs } from '../../src/roster/load';
import type { SiteInput } from '../../src/roster/site-schema';
import { exampleInputs, siteProblems, EXAMPLE_SITE_TEXT } from '../support/inputs';
import { synthWorkstations, TfJson } from '../support/synth';

type CrossCheckInput = NonNullable<NonNullable<SiteInput['vault']>['legacy_cross_check']>;
type Block = Record<string, Record<string, unknown>>;

const base = exampleInputs();

/** Temporary directories of this file, removed after all tests. */
const scratch: string[] = [];
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function withCrossCheck(patch: CrossCheckInput): Inputs {
  const current = base.site.vault.legacy_cross_check;
  const legacy = { ...current, ...patch, roles: { ...current.roles, ...(patch.roles ?? {}) } };
  return { ...base, site: { ...base.site, vault: { ...base.site.vault, legacy_cross_check: legacy } } };
}

const disabled = synthWorkstations(base);
const enabled = synthWorkstations(withCrossCheck({ enabled: true }));

const terraformData = (tf: TfJson): Block => (tf.resource.terraform_data ?? {}) as Block;
const locals = (tf: TfJson): Record<string, unknown> => (tf.locals ?? {}) as Record<string, unknown>;
const checks = (tf: TfJson): Block => (tf.check ?? {}) as Block;
const outputs = (tf: TfJson): Block => (tf.output ?? {}) as Block;
const preconditionOf = (tf: TfJson, name: string) =>
  (terraformData(tf)[name] as { lifecycle: { precondition: { condition: string; error_message: string }[] } }).lifecycle.precondition;

const EMO_MESSAGE_PREFIX =
  'Legacy cross-check failed for emo (k8s_user emo): roster tier power-user expects legacy role "power-user", ' +
  'but secret/platform field k8s_users gives "emo" the role "';

describe('site keys', () => {
  test('vault.legacy_cross_check defaults: off, secret/platform field k8s_users, identity role mapping', () => {
    expect(base.site.vault.legacy_cross_check).toEqual({
      enabled: false,
      mount: 'secret',
      name: 'platform',
      field: 'k8s_users',
      roles: { admin: 'admin', 'power-user': 'power-user', 'namespace-owner': 'namespace-owner' },
    });
  });

  test.each([
    ['name: \'plat"form\'', 'vault.legacy_cross_check.name'],
    ['field: "k8s_${users}"', 'vault.legacy_cross_check.field'],
    ['mount: secret/nested', 'vault.legacy_cross_check.mount'],
    ['roles: { admin: "x y" }', 'vault.legacy_cross_check.roles.admin'],
    ['enabled: "yes"', 'vault.legacy_cross_check.enabled'],
    ['enable: true', 'vault.legacy_cross_check.enable'],
  ])('rejects %s (values end up inside HCL strings)', (line, path) => {
    const text = `${EXAMPLE_SITE_TEXT}vault:\n  legacy_cross_check:\n    ${line}\n`;
    expect(siteProblems(text).join('\n')).toContain(path);
  });
});

describe('synthesized workstations stack', () => {
  test('disabled (the default): no data source, no preconditions, no check, no locals, no output', () => {
    expect(disabled.data?.vault_kv_secret_v2).toBeUndefined();
    expect(Object.keys(terraformData(disabled)).filter((n) => n.startsWith('legacy_cross_check'))).toEqual([]);
    expect(checks(disabled)[N.check]).toBeUndefined();
    expect(Object.keys(locals(disabled)).filter((n) => n.startsWith('legacy'))).toEqual([]);
    expect(outputs(disabled)[N.output]).toBeUndefined();
    expect(JSON.stringify(disabled)).not.toContain('precondition');
  });

  test('enabled: the legacy map is read with a vault_kv_secret_v2 DATA SOURCE (mount + name)', () => {
    const data = enabled.data?.vault_kv_secret_v2?.[N.dataSource] as Record<string, unknown>;
    expect(data).toEqual({
      mount: 'secret',
      name: 'platform',
      lifecycle: {
        postcondition: [
          {
            condition: '${can(keys(jsondecode(self.data["k8s_users"])))}',
            error_message:
              'Legacy cross-check: secret/platform field k8s_users is missing or is not a JSON object keyed by k8s_user. ' +
              'Fix vault.legacy_cross_check in roster/site.yaml, or set its enabled to false.',
          },
        ],
      },
    });
    expect(locals(enabled)[N.legacyUsers]).toBe('${try(jsondecode(data.vault_kv_secret_v2.legacy_cross_check.data["k8s_users"]), {})}');
  });

  test('enabled: one precondition per roster person, keyed by os_user, looked up by k8s_user', () => {
    expect(Object.keys(terraformData(enabled)).sort()).toEqual(
      ['legacy_cross_check_ancamilea', 'legacy_cross_check_emo', 'legacy_cross_check_gheorghe', 'legacy_cross_check_wizard'],
    );
    expect(preconditionOf(enabled, 'legacy_cross_check_emo')).toEqual([
      {
        condition: '${lookup(local.legacy_roles, "emo", "power-user") == "power-user"}',
        error_message:
          EMO_MESSAGE_PREFIX +
          '${nonsensitive(lookup(local.legacy_roles, "emo", "(missing)"))}". ' +
          'Change the tier in roster/roster.yaml or the legacy map before applying.',
      },
    ]);
    // ancamilea's k8s_user differs from her os_user: the lookup uses k8s_user "anca".
    const anca = preconditionOf(enabled, 'legacy_cross_check_ancamilea')[0];
    expect(anca.condition).toBe('${lookup(local.legacy_roles, "anca", "namespace-owner") == "namespace-owner"}');
    expect(anca.error_message).toContain('failed for ancamilea (k8s_user anca): roster tier namespace-owner expects legacy role "namespace-owner"');
    // The carriers hold identity only: a tier change is not a change of them.
    expect(terraformData(enabled).legacy_cross_check_ancamilea.input).toEqual({ os_user: 'ancamilea', k8s_user: 'anca' });
  });

  test('the site maps roster tiers to legacy role names', () => {
    const tf = synthWorkstations(withCrossCheck({ enabled: true, roles: { 'power-user': 'poweruser' } }));
    const emo = preconditionOf(tf, 'legacy_cross_check_emo')[0];
    expect(emo.condition).toBe('${lookup(local.legacy_roles, "emo", "poweruser") == "poweruser"}');
    expect(emo.error_message).toContain('roster tier power-user expects legacy role "poweruser"');
    expect(preconditionOf(tf, 'legacy_cross_check_wizard')[0].condition).toBe('${lookup(local.legacy_roles, "wizard", "admin") == "admin"}');
  });

  test('a person missing from the legacy map is reported (check block + output), not fatal', () => {
    expect(locals(enabled)[N.rosterPeople]).toEqual({ anca: 'ancamilea', emo: 'emo', gheorghe: 'gheorghe', wizard: 'wizard' });
    expect(locals(enabled)[N.missing]).toBe(
      '${sort([for k8s_user, os_user in local.legacy_cross_check_people : format("%s (k8s_user %s)", os_user, k8s_user) if !contains(keys(local.legacy_k8s_users), k8s_user)])}',
    );
    expect(checks(enabled)[N.check]).toEqual({
      assert: [
        {
          condition: '${length(local.legacy_cross_check_missing) == 0}',
          error_message:
            'Legacy cross-check: not in secret/platform field k8s_users, so not cross-checked: ' +
            '${join(", ", nonsensitive(local.legacy_cross_check_missing))}. Add them to the legacy map, or ignore this during the migration.',
        },
      ],
    });
    expect(outputs(enabled)[N.output]).toMatchObject({ value: '${nonsensitive(local.legacy_cross_check_missing)}' });
  });

  test('other mount, name and field are used throughout', () => {
    const tf = synthWorkstations(withCrossCheck({ enabled: true, mount: 'kv', name: 'legacy/platform', field: 'users' }));
    expect(tf.data?.vault_kv_secret_v2?.[N.dataSource]).toMatchObject({ mount: 'kv', name: 'legacy/platform' });
    expect(locals(tf)[N.legacyUsers]).toBe('${try(jsondecode(data.vault_kv_secret_v2.legacy_cross_check.data["users"]), {})}');
    expect(preconditionOf(tf, 'legacy_cross_check_emo')[0].error_message).toContain('kv/legacy/platform field users gives "emo"');
  });

  test.each([
    ['disabled', disabled],
    ['enabled', enabled],
  ])('%s: nothing in the stack can WRITE a Vault KV secret (a whole-secret write would delete secret/platform\'s other fields)', (_, tf) => {
    const writers = Object.keys(tf.resource).filter((type) => /^vault_(kv_secret|kv_secret_v2|generic_secret|generic_endpoint|kv_secret_backend_v2)$/.test(type));
    expect(writers).toEqual([]);
    expect(Object.keys(tf.resource).filter((type) => type.startsWith('vault_kv') || type.startsWith('vault_generic'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// The same expressions, evaluated by the real Terraform.


interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  /** The configuration block it points at, e.g. resource.terraform_data.x.lifecycle.precondition[0]. */
  snippet?: { context?: string };
  /** Derived from the snippet: the resource address (terraform_data.x), when it is one. */
  address?: string;
}

interface PlanResult {
  code: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Everything Terraform printed, to check nothing sensitive leaked. */
  text: string;
  missingOutput?: unknown;
}

/**
 * The cross-check part of a synthesized stack as a standalone configuration: the data
 * source's `data` attribute becomes a sensitive local (the provider marks it sensitive)
 * built from a variable holding the field's JSON text.
 */
function standaloneConfig(tf: TfJson): Record<string, unknown> {
  const carriers = Object.fromEntries(Object.entries(terraformData(tf)).filter(([n]) => n.startsWith('legacy_cross_check_')));
  const legacyLocals = Object.fromEntries(
    Object.entries(locals(tf)).filter(([n]) => (Object.values(N) as string[]).includes(n)),
  );
  const text = JSON.stringify({
    locals: legacyLocals,
    resource: { terraform_data: carriers },
    check: { [N.check]: checks(tf)[N.check] },
    output: { [N.output]: outputs(tf)[N.output] },
  });
  const dataRef = `data.vault_kv_secret_v2.${N.dataSource}.data`;
  expect(text).toContain(dataRef);
  const config = JSON.parse(text.split(dataRef).join('local.fake_vault_secret_data')) as {
    locals: Record<string, unknown>;
    [key: string]: unknown;
  };
  config.variable = { fake_k8s_users: { type: 'string' } };
  config.locals.fake_vault_secret_data = '${sensitive({ k8s_users = var.fake_k8s_users })}';
  return config;
}

class TerraformDir {
  readonly dir = scratchDir('dw-legacy-check-');
  private readonly env: NodeJS.ProcessEnv;

  constructor(config: Record<string, unknown>) {
    writeFileSync(join(this.dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    const rc = join(this.dir, 'empty.tfrc');
    writeFileSync(rc, '');
    this.env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: rc, CHECKPOINT_DISABLE: '1' };
    execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: this.dir, env: this.env, stdio: 'pipe' });
  }

  plan(k8sUsers: unknown): PlanResult {
    const json = typeof k8sUsers === 'string' ? k8sUsers : JSON.stringify(k8sUsers);
    const env = { ...this.env, TF_VAR_fake_k8s_users: json };
    const r = spawnSync('terraform', ['plan', '-json', '-input=false', '-no-color', '-out=tfplan'], { cwd: this.dir, env, encoding: 'utf8' });
    const diagnostics = r.stdout
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; diagnostic?: Diagnostic })
      .filter((m) => m.type === 'diagnostic' && m.diagnostic)
      .map((m) => ({ ...m.diagnostic!, address: m.diagnostic!.snippet?.context?.match(/^resource\.([^.]+\.[^.]+)\./)?.[1] }));
    const result: PlanResult = {
      code: r.status ?? -1,
      errors: diagnostics.filter((d) => d.severity === 'error'),
      warnings: diagnostics.filter((d) => d.severity === 'warning'),
      text: r.stdout + r.stderr,
    };
    if (r.status === 0) {
      const shown = JSON.parse(execFileSync('terraform', ['show', '-json', 'tfplan'], { cwd: this.dir, env, encoding: 'utf8' }));
      result.missingOutput = shown.planned_values?.outputs?.[N.output]?.value;
      result.text += JSON.stringify(shown.planned_values?.outputs ?? {});
    }
    return result;
  }

  apply(k8sUsers: unknown): void {
    const env = { ...this.env, TF_VAR_fake_k8s_users: JSON.stringify(k8sUsers) };
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: this.dir, env, stdio: 'pipe' });
  }
}

/** The legacy map as the old RBAC stack keeps it; emails are there to prove they never leak. */
function legacyMap(roles: Record<string, string | null | undefined>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(roles).map(([user, role]) => [
      user,
      { ...(role === undefined ? {} : { role }), email: `${user}.leak-canary@example.com`, namespaces: [], domains: [], quota: {} },
    ]),
  );
}

const MATCHING = { wizard: 'admin', emo: 'power-user', anca: 'namespace-owner', gheorghe: 'namespace-owner' };
const preconditionErrors = (r: PlanResult) => r.errors.filter((e) => e.summary === 'Resource precondition failed');
const checkWarnings = (r: PlanResult) => r.warnings.filter((w) => w.summary === 'Check block assertion failed');

(hasTerraform || process.env.CI === 'true' ? describe : describe.skip)('evaluated by the real Terraform', () => {
  jest.setTimeout(120_000);
  let tf: TerraformDir;
  beforeAll(() => {
    tf = new TerraformDir(standaloneConfig(enabled));
  });

  function expectNoLeak(r: PlanResult) {
    expect(r.text).not.toContain('leak-canary');
  }

  test('every tier matches its legacy role: the plan passes, nobody is reported', () => {
    const r = tf.plan(legacyMap(MATCHING));
    expect(r.errors).toEqual([]);
    expect(checkWarnings(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.missingOutput).toEqual([]);
    expectNoLeak(r);
  });

  test('a tier that differs from the legacy role fails the plan, naming exactly those people', () => {
    const r = tf.plan(legacyMap({ ...MATCHING, emo: 'admin', anca: 'power-user' }));
    expect(r.code).not.toBe(0);
    const failed = preconditionErrors(r);
    expect(failed.map((e) => e.address).sort()).toEqual(['terraform_data.legacy_cross_check_ancamilea', 'terraform_data.legacy_cross_check_emo']);
    expect(failed.find((e) => e.address === 'terraform_data.legacy_cross_check_emo')!.detail).toBe(
      EMO_MESSAGE_PREFIX + 'admin". Change the tier in roster/roster.yaml or the legacy map before applying.',
    );
    expect(failed.find((e) => e.address === 'terraform_data.legacy_cross_check_ancamilea')!.detail).toContain(
      'failed for ancamilea (k8s_user anca): roster tier namespace-owner expects legacy role "namespace-owner", but secret/platform field k8s_users gives "anca" the role "power-user"',
    );
    expectNoLeak(r);
  });

  test('the lookup is by k8s_user: an entry under the os_user does not count', () => {
    const { anca: _, ...withoutAnca } = MATCHING;
    const r = tf.plan(legacyMap({ ...withoutAnca, ancamilea: 'admin' }));
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.missingOutput).toEqual(['ancamilea (k8s_user anca)']);
  });

  test('people missing from the legacy map are reported as a warning and an output, and the plan passes', () => {
    const r = tf.plan(legacyMap({ wizard: 'admin', emo: 'power-user' }));
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(checkWarnings(r).map((w) => w.detail)).toEqual([
      'Legacy cross-check: not in secret/platform field k8s_users, so not cross-checked: ancamilea (k8s_user anca), gheorghe (k8s_user gheorghe). ' +
        'Add them to the legacy map, or ignore this during the migration.',
    ]);
    expect(r.missingOutput).toEqual(['ancamilea (k8s_user anca)', 'gheorghe (k8s_user gheorghe)']);
    expectNoLeak(r);
  });

  test('an entry without a usable role fails as role "(none)"', () => {
    const r = tf.plan(legacyMap({ ...MATCHING, wizard: null, gheorghe: undefined }));
    expect(preconditionErrors(r).map((e) => e.address).sort()).toEqual([
      'terraform_data.legacy_cross_check_gheorghe',
      'terraform_data.legacy_cross_check_wizard',
    ]);
    expect(preconditionErrors(r).every((e) => e.detail.includes('the role "(none)"'))).toBe(true);
  });

  test('an empty legacy map fails nobody and reports everyone', () => {
    const r = tf.plan({});
    expect(r.code).toBe(0);
    expect(r.missingOutput).toHaveLength(4);
  });

  test('preconditions are checked on every plan, also once the carriers exist and nothing changes', () => {
    const dir = new TerraformDir(standaloneConfig(enabled));
    dir.apply(legacyMap(MATCHING));
    expect(dir.plan(legacyMap(MATCHING)).code).toBe(0);
    const r = dir.plan(legacyMap({ ...MATCHING, wizard: 'power-user' }));
    expect(r.code).not.toBe(0);
    expect(preconditionErrors(r).map((e) => e.address)).toEqual(['terraform_data.legacy_cross_check_wizard']);
    expect(preconditionErrors(r)[0].detail).toContain('failed for wizard (k8s_user wizard): roster tier admin expects legacy role "admin"');
  });
});

// The pull-request pipeline is tested in pipeline-file.test.ts.
