// Issue 13 item 8 end to end: a managed layer whose hooks run a script that is already on the
// host (not shipped by the layer), installed by the real agent through real Terraform. A
// script that is missing, not owned by root, group-writable or in a group-writable directory
// fails the claude-layer step and leaves /etc/claude-code byte-identical; a root-owned one is
// accepted. The layer is the homelab-like fixture test/fixtures/claude-layer-homelab.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { encodeSpec } from '../../src/desired/host-specs';
import { loadLayer, renderLayer } from '../../src/claude-layer';
import { CONFIG_BASE_REPO, createConfigBase } from './devvm/host-tools';
import { createInfraFixture } from '../harness/infra-fixture';
import { exampleCast, synthDevvm } from './devvm/stack';

const ETC = '/etc/claude-code';
const SCRIPT = '/usr/local/lib/t3/session-state-hook';
const fixture = renderLayer(loadLayer(path.resolve(__dirname, '../fixtures/claude-layer-homelab')));

describeE2E('ManagedClaudeLayer with hooks that run a script already on the host', () => {
  const host = useTestHost();
  let tf: Terraform;
  let attempt = 0;

  /** Every path under /etc/claude-code with its type, mode, owner and content hash. */
  async function tree(): Promise<string> {
    const h = host();
    const list = await h.execOk(['find', ETC, '-printf', '%p %y %m %U:%G %s\n']);
    const sums = await h.execOk(['sh', '-c', 'find "$1" -type f -print0 | sort -z | xargs -0 sha256sum', 'sh', ETC]);
    return `${list.stdout.split('\n').sort().join('\n')}\n${sums.stdout}`;
  }

  /** Plans and applies the devvm stack with the fixture layer in place of the shipped one. */
  async function applyFixtureLayer(): Promise<{ ok: boolean; output: string }> {
    const h = host();
    const synth = synthDevvm(h, exampleCast());
    const file = `${synth.stackDir}/cdk.tf.json`;
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const res = json.resource.terraform_data.claude_layer;
    const spec = {
      files: fixture.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      hookScripts: fixture.hookScripts.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      configBase: { url: `file://${CONFIG_BASE_REPO}`, branch: 'main', path: '/opt/claude-config-base', dir: 'dot_claude' },
    };
    res.provisioner[0]['remote-exec'].inline = [`node /usr/local/lib/workstations/agent.js claude-layer ${encodeSpec(spec)}`];
    // A new value per attempt: every attempt replaces the resource and runs the agent again.
    res.triggers_replace.layer_sha256 = `${fixture.sha256}-${++attempt}`;
    fs.writeFileSync(file, JSON.stringify(json));
    tf.setConfig(synth.stackDir);
    const { planFile } = await tf.plan();
    return tf.apply(planFile).then(
      (output) => ({ ok: true, output }),
      (e: Error) => ({ ok: false, output: e.message }),
    );
  }

  async function expectRefused(why: RegExp): Promise<void> {
    const before = await tree();
    const r = await applyFixtureLayer();
    expect(r.ok).toBe(false);
    const line = r.output.split('\n').find((l) => l.includes(`(claude-layer): hook script ${SCRIPT}: FAILED`));
    expect(line).toBeDefined();
    expect(line).toMatch(why);
    expect(line).toMatch(/; nothing installed, previous files kept\)/);
    expect(await tree()).toBe(before);
    expect(await host().exists(`${ETC}/managed-settings.d/40-session-state.json`)).toBe(false);
  }

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    // The shipped layer first: what a fixture attempt must leave untouched.
    const head = (await h.execOk(['git', '-C', CONFIG_BASE_REPO, 'rev-parse', 'main'])).stdout.trim();
    const synth = synthDevvm(h, exampleCast(), undefined, { configBaseCommit: head });
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    await tf.planAndApply();
  });

  it('the fixture layer expects exactly one host script', () => {
    expect(fixture.hostScripts).toEqual([SCRIPT]);
  });

  it('a missing script fails the step and installs nothing', async () => {
    await expectRefused(/\(does not exist on the host: install it \(root-owned, mode 0755\) before the layer that runs it;/);
  });

  it('a script owned by a person fails the step and installs nothing', async () => {
    const h = host();
    await h.execOk(['install', '-d', '-m', '0755', '-o', 'root', '-g', 'root', path.dirname(SCRIPT)]);
    await h.execOk(['sh', '-c', 'printf "#!/bin/sh\\nexit 0\\n" > "$1" && chmod 0755 "$1" && chown emo "$1"', 'sh', SCRIPT]);
    const uid = (await h.execOk(['id', '-u', 'emo'])).stdout.trim();
    await expectRefused(new RegExp(`\\(is owned by uid ${uid}, not root: its owner could run code in everyone's session;`));
  });

  it('a group-writable script fails the step and installs nothing', async () => {
    const h = host();
    await h.execOk(['chown', 'root:root', SCRIPT]);
    await h.execOk(['chmod', '0775', SCRIPT]);
    await expectRefused(/\(is writable by group or others \(mode 0775\): they could run code in everyone's session;/);
  });

  it('a root-owned script in a group-writable directory fails the step and installs nothing', async () => {
    const h = host();
    await h.execOk(['chmod', '0755', SCRIPT]);
    await h.execOk(['chmod', '0775', path.dirname(SCRIPT)]);
    await expectRefused(/\(parent \/usr\/local\/lib\/t3 is writable by group or others \(mode 0775\);/);
  });

  it('a root-owned script nobody else can change is accepted and the layer installed', async () => {
    const h = host();
    await h.execOk(['chmod', '0755', path.dirname(SCRIPT)]);
    const r = await applyFixtureLayer();
    expect(r.output).not.toContain('FAILED');
    expect(r.ok).toBe(true);
    for (const f of fixture.files) {
      expect(await h.readFile(`${ETC}/${f.path}`)).toBe(f.content);
      expect(await h.stat(`${ETC}/${f.path}`)).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
    }
    const dropIn = JSON.parse(await h.readFile(`${ETC}/managed-settings.d/40-session-state.json`));
    expect(dropIn.hooks.SessionStart[0].hooks[0]).toEqual({ type: 'command', command: `${SCRIPT} start`, timeout: 5 });
    const telemetry = JSON.parse(await h.readFile(`${ETC}/managed-settings.d/30-homelab-telemetry.json`));
    expect(telemetry.model).toBe('opus');
    expect(telemetry.env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.example.com:4318');
    // The agent never took the host's script over: not in its ledger, content as it was.
    expect(await h.readFile(SCRIPT)).toBe('#!/bin/sh\nexit 0\n');
    expect(JSON.parse(await h.readFile('/var/lib/workstations/state.json')).files[SCRIPT]).toBeUndefined();
  });
});
