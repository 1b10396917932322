// The pull-request pipeline (.woodpecker/workstations-plan.yaml): its structure (events,
// secrets, step order) and its `endpoints` step run for real the way Woodpecker runs a step
// (one `sh -e` script, `$$` unescaped) in a git checkout whose target branch is a local bare
// repository. Woodpecker itself does not run here.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLE_SITE_TEXT, REPO_ROOT } from '../support/inputs';

interface Step {
  name: string;
  image: string;
  environment?: Record<string, unknown>;
  commands: string[];
  depends_on?: string[];
  when?: unknown;
  secrets?: unknown;
}

const pipeline = parse(readFileSync(join(REPO_ROOT, '.woodpecker', 'workstations-plan.yaml'), 'utf8'), { merge: true }) as { when: unknown; steps: Step[] };
const step = (name: string) => pipeline.steps.find((s) => s.name === name)!;
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const fromSecret = (s: Step) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).filter(([, v]) => typeof v === 'object' && v !== null).map(([k, v]) => [k, (v as { from_secret: string }).from_secret]));

describe('pull-request plan pipeline', () => {
  test('runs on pull_request events only, and never applies', () => {
    for (const f of asList(pipeline.when) as Record<string, unknown>[]) expect(asList(f.event)).toEqual(['pull_request']);
    for (const s of pipeline.steps) for (const c of s.commands) expect(c).not.toMatch(/\bapply\b|\bdeploy\b|auto-approve/i);
  });

  test('order: install, then endpoints (no secret), then plan, then comment', () => {
    expect(pipeline.steps.map((s) => s.name)).toEqual(['install', 'endpoints', 'plan', 'comment']);
    expect(step('endpoints').depends_on).toEqual(['install']);
    expect(step('plan').depends_on).toEqual(['endpoints']);
    expect(step('comment').depends_on).toEqual(['plan']);
    expect(step('comment').when).toEqual([{ status: ['success', 'failure'] }]);
    for (const s of pipeline.steps) expect(s.image).toBe('node:20-bookworm');
  });

  test('no long-lived Vault, PG or Authentik secret: only the comment step holds a secret, the forge token', () => {
    for (const s of pipeline.steps) {
      expect(s.secrets).toBeUndefined();
      for (const [name, value] of Object.entries(s.environment ?? {})) {
        if (typeof value === 'object' && value !== null) expect(Object.keys(value)).toEqual(['from_secret']);
        else expect(name).not.toMatch(/TOKEN$|PASSWORD|SECRET|CONN_STR|KUBE_CONFIG$/);
      }
      expect(s.commands.join('\n')).not.toMatch(/postgres(ql)?:\/\/|gh[pousr]_[A-Za-z0-9]{20,}|hvs\.[A-Za-z0-9]{20,}/);
    }
    expect(fromSecret(step('install'))).toEqual({});
    expect(fromSecret(step('endpoints'))).toEqual({});
    expect(fromSecret(step('plan'))).toEqual({});
    expect(fromSecret(step('comment'))).toEqual({ FORGE_TOKEN: 'forgejo_token' });
    expect(step('plan').environment).toMatchObject({
      WORKSTATIONS_VAULT_K8S_ROLE: 'ci',
      WORKSTATIONS_TRUSTED_ENDPOINTS: '.ci-trusted-site.yaml',
    });
    // The state backend is the site's state_backend (a trusted endpoint), never the pipeline's override.
    expect(Object.keys(step('plan').environment ?? {})).not.toEqual(expect.arrayContaining(['WORKSTATIONS_PG_ADDRESS']));
    expect(Object.keys(step('plan').environment ?? {})).not.toEqual(expect.arrayContaining(['WORKSTATIONS_PG_CREDS_PATH']));
    expect(step('plan').commands).toContain('npm run plan -- --stack workstations --summary-file plan-summary.md');
    expect(step('comment').environment).toMatchObject({ FORGE: 'forgejo' });
  });

  test('every $ in commands is escaped for the Woodpecker pre-processor; terraform is pinned with a checksum', () => {
    for (const s of pipeline.steps) for (const c of s.commands) expect(c.replaceAll('$$', '')).not.toContain('$');
    expect(step('install').environment).toMatchObject({ TERRAFORM_VERSION: '1.11.4', TERRAFORM_SHA256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  // The endpoints step for real: a target branch in a local "origin" and a pull request checkout.
  function runEndpoints(prSite: string) {
    const root = mkdtempSync(join(tmpdir(), 'dw-pipeline-'));
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });
    const origin = join(root, 'origin.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '-b', 'master', origin);
    mkdirSync(join(work, 'roster'), { recursive: true });
    git(work, 'init', '-q', '-b', 'master');
    writeFileSync(join(work, 'roster/site.yaml'), EXAMPLE_SITE_TEXT);
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'target');
    git(work, 'remote', 'add', 'origin', origin);
    git(work, 'push', '-q', 'origin', 'master');
    git(work, 'checkout', '-q', '-b', 'pr');
    writeFileSync(join(work, 'roster/site.yaml'), prSite);
    git(work, 'commit', '-qam', 'pr');
    for (const d of ['bin', 'scripts', 'src', 'stacks', 'constructs', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(join(REPO_ROOT, d), join(work, d));
    const script = ['set -e', ...step('endpoints').commands.map((c) => c.replaceAll('$$', '$'))].join('\n');
    return spawnSync('sh', ['-c', script], { cwd: work, env: { ...process.env, CI_COMMIT_TARGET_BRANCH: 'master' }, encoding: 'utf8' });
  }

  test('endpoints step: a site-only pull request that moves vault.address is refused; an unchanged one passes', () => {
    const ok = runEndpoints(`${EXAMPLE_SITE_TEXT}\n# a comment only\n`);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const moved = runEndpoints(`${EXAMPLE_SITE_TEXT}vault:\n  address: https://attacker.example\n`);
    expect(moved.status).toBe(1);
    expect(moved.stderr).toBe(
      'roster/site.yaml vault.address: "https://attacker.example" is not the trusted "https://vault.viktorbarzin.me" (from .ci-trusted-site.yaml): a pull request may not move a provider endpoint\n',
    );
  });
});
