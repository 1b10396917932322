// The devvm stack needs no provider, so the real Terraform binary can validate it here
// (the workstations stack's providers cannot be downloaded on this machine).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { exampleInputs } from '../support/inputs';
import { hasTerraform } from '../support/terraform';


(hasTerraform || process.env.CI === 'true' ? test : test.skip)('terraform validate accepts the synthesized workstations-devvm stack', () => {
  const out = mkdtempSync(join(tmpdir(), 'dw-validate-'));
  const { app } = buildApp(exampleInputs(), out, { configBaseCommit: false });
  app.synth();
  const dir = join(out, 'stacks', 'workstations-devvm');
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(out, 'empty.tfrc') };
  writeFileSync(env.TF_CLI_CONFIG_FILE, '');
  execFileSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  const result = execFileSync('terraform', ['validate', '-json', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  expect(JSON.parse(result)).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
});
