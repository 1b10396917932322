// The devvm stack needs no provider, so the real Terraform binary can validate it here
// (the workstations stack's providers cannot be downloaded on this machine), and evaluate
// the exact expressions the provisioners hand the agent.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app';
import { devvmShard } from '../../src/desired/devvm-addresses';
import { AccountSpec, decodeSpec } from '../../src/desired/host-specs';
import { WorkstationState } from '../../src/desired/types';
import { terraformJsonText, terraformLiteral } from '../../constructs/devvm/terraform-literal';
import { exampleInputs } from '../support/inputs';
import { hasTerraform } from '../support/terraform';

const tfTest = hasTerraform || process.env.CI === 'true' ? test : test.skip;

function initDir(dir: string, backend: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc') };
  writeFileSync(env.TF_CLI_CONFIG_FILE, '');
  if (backend) writeFileSync(join(dir, 'zz_local_backend_override.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: join(dir, 'state') } } } }));
  execFileSync('terraform', ['init', ...(backend ? [] : ['-backend=false']), '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
  return env;
}

/** `terraform console` evaluating one expression whose value is a string; returns the string. */
function evaluate(dir: string, env: NodeJS.ProcessEnv, expression: string): string {
  const out = execFileSync('terraform', ['console', '-no-color'], { cwd: dir, env, encoding: 'utf8', input: `jsonencode(${expression})\n` }).trim();
  // The console prints an HCL string literal of the JSON text.
  return JSON.parse(JSON.parse(out)) as string;
}

function synthesized(): string {
  const out = mkdtempSync(join(tmpdir(), 'dw-validate-'));
  buildApp(exampleInputs(), out, { configBaseCommit: false }).app.synth();
  return join(out, 'stacks', 'workstations-devvm');
}

tfTest('terraform validate accepts the synthesized workstations-devvm stack', () => {
  const dir = synthesized();
  const env = initDir(dir, false);
  const result = execFileSync('terraform', ['validate', '-json', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  expect(JSON.parse(result)).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
});

tfTest("Terraform's encoding of the structured inputs is exactly what the agent's schemas accept", () => {
  const dir = synthesized();
  const env = initDir(dir, true);
  const { roster, site } = exampleInputs();
  const built = buildApp({ roster, site }, mkdtempSync(join(tmpdir(), 'dw-validate-')), { configBaseCommit: false });
  for (const p of built.desired.people.filter((q) => q.workstation)) {
    // The provisioners' own expressions, with self.* replaced by what each instance gets
    // (its locals entry: the JSON text the resource keeps).
    const shard = devvmShard(p.osUser);
    const converge = evaluate(dir, env, `base64encode(local.profiles_${shard}["${p.osUser}"])`);
    expect(decodeSpec(WorkstationState, converge)).toEqual(p.workstation);
    const account = evaluate(dir, env, `base64encode(jsonencode(jsondecode(local.accounts_${shard}["${p.osUser}"]).account))`);
    expect(decodeSpec(AccountSpec, account)).toEqual({ osUser: p.osUser, uid: p.workstation!.uid, home: p.workstation!.home, shell: p.workstation!.shell, archiveDir: site.devvm.archive_dir });
  }
});

tfTest("an account's connection and offboard argument, from its JSON text and from the object a state from before holds", () => {
  const dir = synthesized();
  const env = initDir(dir, true);
  const tf = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { resource: { terraform_data: Record<string, { connection: Record<string, unknown>; provisioner: { 'remote-exec': { inline: string[] } }[] }> } };
  const shard = devvmShard('emo');
  const account = tf.resource.terraform_data[`account_${shard}`];
  const text = `local.accounts_${shard}["emo"]`;
  const site = exampleInputs().site.devvm;
  // `self.input` as each form of the state: today's text, and the object it decodes to
  // (`{ account, host, port, user, host_key }`, the input before it was one text).
  for (const input of [text, `jsondecode(${text})`]) {
    const value = (template: string) => {
      const m = /\$\{(.*)\}$/.exec(template);
      return m ? evaluate(dir, env, m[1].split('self.input').join(`(${input})`)) : template;
    };
    expect([value(String(account.connection.host)), value(String(account.connection.port)), value(String(account.connection.user))]).toEqual([site.host, site.port, site.user]);
    expect(value(String(account.connection.host_key))).toMatch(/^ecdsa-sha2-nistp256 AAAA/);
    const offboard = account.provisioner[2]['remote-exec'].inline[0];
    expect(offboard).toMatch(/ offboard \$\{/);
    const arg = value(offboard.slice(offboard.indexOf('${')));
    expect(decodeSpec(AccountSpec, arg)).toEqual({ osUser: 'emo', uid: 1001, home: '/home/emo', shell: '/bin/bash', archiveDir: site.archive_dir });
  }
});

tfTest('template sequences in a literal reach the agent as written, never evaluated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-literal-'));
  mkdirSync(dir, { recursive: true });
  const value = { a: 'x${path.module}y', b: '%{ if true }z%{ endif }', c: '$${already}', n: 1, l: [], o: { t: true } };
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ locals: { v: terraformLiteral(value) } }));
  const env = initDir(dir, false);
  expect(JSON.parse(Buffer.from(evaluate(dir, env, 'base64encode(jsonencode(local.v))'), 'base64').toString('utf8'))).toEqual(value);
});

tfTest('template sequences in a JSON-text literal reach the agent as written, never evaluated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-literal-'));
  mkdirSync(dir, { recursive: true });
  const value = { a: 'x${path.module}y', b: '%{ if true }z%{ endif }', c: '$${already}', n: 1, l: [], o: { t: true } };
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ locals: { v: terraformJsonText(value) } }));
  const env = initDir(dir, false);
  expect(JSON.parse(Buffer.from(evaluate(dir, env, 'base64encode(local.v)'), 'base64').toString('utf8'))).toEqual(value);
});
