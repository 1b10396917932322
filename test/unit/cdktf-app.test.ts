// cdktf.json's "app" (what `cdktf synth` and `cdktf diff` run) synthesizes the same stacks as
// `npm run synth`, byte for byte, from the tests' fixture roster and site.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_ROSTER, FIXTURE_SITE, REPO_ROOT } from '../support/inputs';
import { runBin } from '../support/run';

const dir = mkdtempSync(join(tmpdir(), 'dw-cdktf-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the app command writes what npm run synth writes', () => {
  const app = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
  expect(app.slice(0, 2)).toEqual(['node', 'bin/launch.js']);
  const env = { ...process.env, ROSTER: FIXTURE_ROSTER, SITE: FIXTURE_SITE, NODE_OPTIONS: '' };
  execFileSync(process.execPath, app.slice(1), { cwd: REPO_ROOT, env: { ...env, CDKTF_OUTDIR: join(dir, 'app') }, stdio: 'pipe' });
  const synth = runBin('synth', [], { env: { ROSTER: FIXTURE_ROSTER, SITE: FIXTURE_SITE, CDKTF_OUTDIR: join(dir, 'synth') } });
  expect(synth.code).toBe(0);
  for (const stack of ['workstations', 'workstations-devvm']) {
    const file = (out: string) => readFileSync(join(dir, out, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    expect(file('app')).toBe(file('synth'));
  }
});
