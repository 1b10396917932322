// Issue 6 end to end: the managed Claude Code layer installed by the real agent through
// the real Terraform on a test host: root-owned, not writable by people, Config base
// skills linked (never copied), people's own skills untouched, an invalid layer refused
// with the previous files byte-identical, and hand edits reported as drift.
import * as fs from 'node:fs';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { Terraform } from '../harness/terraform';
import { encodeSpec } from '../../src/desired/host-specs';
import { renderLayer } from '../../src/claude-layer/render';
import { agent, CONFIG_BASE_REPO, createConfigBase } from './devvm/host-tools';
import { createInfraFixture } from '../harness/infra-fixture';
import { exampleCast, synthDevvm } from './devvm/stack';

const ETC = '/etc/claude-code';
const layer = renderLayer();
const GIT_ENV = { GIT_AUTHOR_NAME: 'f', GIT_AUTHOR_EMAIL: 'f@example.invalid', GIT_COMMITTER_NAME: 'f', GIT_COMMITTER_EMAIL: 'f@example.invalid', GIT_CONFIG_GLOBAL: '/dev/null' };

describeE2E('ManagedClaudeLayer on the devvm', () => {
  const host = useTestHost();
  let tf: Terraform;

  async function head(): Promise<string> {
    return (await host().execOk(['git', '-C', CONFIG_BASE_REPO, 'rev-parse', 'main'])).stdout.trim();
  }

  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of layer.files) out[f.path] = await host().readFile(`${ETC}/${f.path}`);
    return out;
  }

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    const synth = synthDevvm(h, exampleCast(), undefined, { configBaseCommit: await head() });
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    await tf.planAndApply();
  });

  it('installs every layer file root-owned 0644 and the hook scripts 0755', async () => {
    const h = host();
    for (const f of layer.files) {
      expect(await h.readFile(`${ETC}/${f.path}`)).toBe(f.content);
      expect(await h.stat(`${ETC}/${f.path}`)).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
    }
    for (const f of layer.hookScripts) {
      expect(await h.stat(`/usr/local/lib/workstations/hooks/${f.path}`)).toMatchObject({ mode: 0o755, uid: 0 });
    }
    // Valid JSON as installed (an invalid managed settings file would contribute nothing).
    expect(() => JSON.parse(fs.readFileSync(`${h.rootDir}${ETC}/managed-settings.json`, 'utf8'))).not.toThrow();
    for (const dir of ['skills', 'agents', 'output-styles']) expect(await h.stat(`${ETC}/.claude/${dir}`)).toMatchObject({ type: 'directory', mode: 0o755, uid: 0 });
  });

  it('links Config base skills, and people cannot change the layer or the checkout', async () => {
    const h = host();
    const link = `${ETC}/.claude/skills/review`;
    expect((await h.execOk(['readlink', link])).stdout.trim()).toBe('/opt/claude-config-base/dot_claude/skills/review');
    for (const target of [`${ETC}/managed-settings.json`, `${ETC}/CLAUDE.md`, '/opt/claude-config-base/dot_claude/skills/review/SKILL.md']) {
      const r = await h.exec(['sh', '-c', 'echo tampered >> "$1"', 'sh', target], { user: 'emo' });
      expect(r.code).not.toBe(0);
    }
    for (const dir of [`${ETC}/.claude/skills`, '/opt/claude-config-base/dot_claude/skills', `${ETC}/managed-settings.d`]) {
      expect((await h.exec(['touch', `${dir}/mine`], { user: 'emo' })).code).not.toBe(0);
    }
    expect((await h.exec(['git', '-C', '/opt/claude-config-base', 'commit', '--allow-empty', '-m', 'x'], { user: 'emo' })).code).not.toBe(0);
  });

  it('a skill committed to the Config base appears after an apply, with no per-user copy; people\'s own skills stay', async () => {
    const h = host();
    // emo's own skill in their home.
    await h.execOk(['sh', '-c', 'mkdir -p ~/.claude/skills/mine && echo "# mine" > ~/.claude/skills/mine/SKILL.md'], { user: 'emo', env: { HOME: '/home/emo' } });
    const mine = await h.readFile('/home/emo/.claude/skills/mine/SKILL.md');

    const work = '/tmp/config-base-edit';
    await h.execOk(['git', 'clone', '-q', CONFIG_BASE_REPO, work], { env: GIT_ENV });
    await h.execOk(['sh', '-c', 'mkdir -p "$1/dot_claude/skills/deploy" && printf "# deploy\\n" > "$1/dot_claude/skills/deploy/SKILL.md"', 'sh', work]);
    await h.execOk(['git', '-C', work, 'add', '-A'], { env: GIT_ENV });
    await h.execOk(['git', '-C', work, 'commit', '-q', '-m', 'add deploy skill'], { env: GIT_ENV });
    await h.execOk(['git', '-C', work, 'push', '-q', 'origin', 'main'], { env: GIT_ENV });

    // The new head changes the plan (synth resolves it); the apply re-installs the layer.
    tf.setConfig(synthDevvm(h, exampleCast(), undefined, { configBaseCommit: await head() }).stackDir);
    const { plan, planFile } = await tf.plan();
    const change = (plan.resource_changes ?? []).find((c: { address: string }) => c.address === 'terraform_data.claude_layer');
    expect(change?.change.actions).toEqual(['delete', 'create']);
    await tf.apply(planFile);

    expect((await h.execOk(['readlink', `${ETC}/.claude/skills/deploy`])).stdout.trim()).toBe('/opt/claude-config-base/dot_claude/skills/deploy');
    expect(await h.readFile(`${ETC}/.claude/skills/deploy/SKILL.md`)).toBe('# deploy\n');
    for (const u of ['wizard', 'emo', 'ancamilea']) expect(await h.exists(`/home/${u}/.claude/skills/deploy`)).toBe(false);
    expect(await h.readFile('/home/emo/.claude/skills/mine/SKILL.md')).toBe(mine);
  });

  it('an invalid layer change fails the apply and leaves the installed files byte-identical', async () => {
    const h = host();
    const before = await snapshot();
    // A layer that slipped past synth-time validation (hand-edited Terraform JSON): the agent
    // validates again on the host and installs nothing.
    const synth = synthDevvm(h, exampleCast(), undefined, { configBaseCommit: await head() });
    const file = `${synth.stackDir}/cdk.tf.json`;
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const res = json.resource.terraform_data.claude_layer;
    const broken = {
      files: layer.files.map((f) => (f.path === 'managed-settings.json' ? { ...f, content: '{"permissions": {"deny": [' } : f)),
      hookScripts: layer.hookScripts,
      configBase: { url: `file://${CONFIG_BASE_REPO}`, branch: 'main', path: '/opt/claude-config-base', dir: 'dot_claude' },
    };
    res.provisioner[0]['remote-exec'].inline = [`node /usr/local/lib/workstations/agent.js claude-layer ${encodeSpec(broken)}`];
    res.triggers_replace.layer_sha256 = 'tampered';
    fs.writeFileSync(file, JSON.stringify(json));
    tf.setConfig(synth.stackDir);
    const { planFile } = await tf.plan();
    const failure = await tf.apply(planFile).then(() => new Error('apply succeeded'), (e: Error) => e);
    expect(failure.message).toMatch(/\(claude-layer\): validate managed-settings\.json: FAILED \(invalid JSON: .*; previous files kept\)/);
    expect(await snapshot()).toEqual(before);
  });

  it('a hand edit is reported as drift and replaced by the next install', async () => {
    const h = host();
    await h.execOk(['sh', '-c', 'echo "# hand edit" >> /etc/claude-code/CLAUDE.md']);
    expect((await agent(h, ['status'])).stdout).toMatch(/\(host\) files: drift: .*\/etc\/claude-code\/CLAUDE\.md/);
    // The next install (here: the one retried after the failed one above tainted it).
    tf.setConfig(synthDevvm(h, exampleCast(), undefined, { configBaseCommit: await head() }).stackDir);
    const output = await tf.planAndApply().then((r) => r.output);
    expect(output).toContain('(claude-layer): CLAUDE.md: changed (hand edit (drift) replaced)');
    expect(await h.readFile(`${ETC}/CLAUDE.md`)).toBe(layer.files.find((f) => f.path === 'CLAUDE.md')!.content);
  });
});
