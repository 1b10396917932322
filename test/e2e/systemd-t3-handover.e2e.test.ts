// Today's devvm as it is (issue 13, items 4-6), on a booted systemd container, by real
// Terraform over SSH: the homelab's 50-devvm-resource.conf (MemoryMax=24G), existing
// /etc/t3-serve/<user>.env files with ports, the reconciler's maps and managed settings,
// and a fake `t3-provision-users.timer` running. The product refuses to write while the
// reconciler is installed and it would write a file; with every writer `reconciler` it
// converges everything else and leaves those files byte-identical; then the hand-over,
// file by file: units and env files (ports adopted), maps, managed settings.
import { encodeSpec, preflightSpec } from '../../src/desired/host-specs';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import type { SystemdTestHost } from '../harness/systemd-host';
import { useSystemdHost } from '../harness/systemd-host';
import { Terraform } from '../harness/terraform';
import { agent, createConfigBase, linesOf } from './devvm/host-tools';
import { applyOnSystemd, show, sliceBudget, sliceOf, unitState } from './devvm/systemd-checks';
import { exampleCast, RosterDoc, siteFor, synthDevvm } from './devvm/stack';

const UIDS: Record<string, number> = { wizard: 1000, emo: 1001, ancamilea: 1002 };
const RUNNING = { enabled: 'enabled', active: 'active', failed: false };
const STOPPED = { enabled: 'disabled', active: 'inactive', failed: false };
const HOMELAB_DROPIN = '/etc/systemd/system/user-.slice.d/50-devvm-resource.conf';

/** What the shipped reconciler left on the host (its files, as the homelab has them). */
const SEED: Record<string, { text: string; mode: string }> = {
  [HOMELAB_DROPIN]: { text: '[Slice]\nMemoryMax=24G\n', mode: '644' },
  '/etc/t3-serve/wizard.env': { text: 'T3_PORT=3773\n', mode: '644' },
  // A key the product does not own, in a file only root reads: both must survive.
  '/etc/t3-serve/emo.env': { text: 'T3_PORT=3775\nT3_EXTRA=keep-me\n', mode: '600' },
  '/etc/t3-serve/dispatch.json': { text: '{"vbarzin":{"os_user":"wizard","port":3773},"emil.barzin":{"os_user":"emo","port":3775}}\n', mode: '644' },
  '/etc/ttyd-user-map': { text: 'vbarzin=wizard\nemil.barzin=emo\n', mode: '644' },
  '/etc/ttyd-admins': { text: 'vbarzin\n', mode: '644' },
  '/etc/claude-code/managed-settings.json': { text: '{"model":"opus"}\n', mode: '644' },
};
const MAPS = ['/etc/t3-serve/dispatch.json', '/etc/ttyd-user-map', '/etc/ttyd-admins'];
const ENV_FILES = ['/etc/t3-serve/wizard.env', '/etc/t3-serve/emo.env'];
const MANAGED = '/etc/claude-code/managed-settings.json';

const RECONCILER_UNITS: Record<string, string> = {
  't3-provision-users.service': '[Unit]\nDescription=fake shipped reconciler\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n',
  't3-provision-users.timer': '[Unit]\nDescription=fake shipped reconciler timer\n\n[Timer]\nOnCalendar=hourly\n\n[Install]\nWantedBy=timers.target\n',
};

/** The cast with Authentik usernames as the homelab has them (emails): the maps use the web key. */
function cast(): RosterDoc {
  const roster = exampleCast();
  roster.people.wizard.authentik_user = 'vbarzin@example.com';
  roster.people.emo.authentik_user = 'emil.barzin@example.com';
  return roster;
}

function site(h: SystemdTestHost, writers: Record<string, string>): Record<string, unknown> {
  const s = siteFor(h) as { devvm: Record<string, unknown> };
  return { ...s, devvm: { ...s.devvm, writers } };
}

async function sha256s(h: SystemdTestHost, paths: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of paths) out[p] = (await h.execOk(['sha256sum', '--', p])).stdout.split(' ')[0];
  return out;
}

async function envOf(h: SystemdTestHost, unit: string): Promise<string[]> {
  const pid = (await show(h, unit, ['MainPID'])).MainPID;
  return (await h.readFile(`/proc/${pid}/environ`)).split('\0').filter((l) => l.startsWith('T3_'));
}

describeE2E('systemd host: t3-serve env files, drop-in order and the hand-over from the reconciler', () => {
  const host = useSystemdHost();
  let tf: Terraform;
  let seeded: Record<string, string>;
  const roster = cast();

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    await h.execOk(['mkdir', '-p', '/etc/t3-serve', '/etc/claude-code', '/etc/systemd/system/user-.slice.d']);
    for (const [path, { text, mode }] of Object.entries(SEED)) {
      await h.execOk(['tee', path], { input: text });
      await h.execOk(['chmod', mode, path]);
    }
    for (const [name, text] of Object.entries(RECONCILER_UNITS)) await h.execOk(['tee', `/etc/systemd/system/${name}`], { input: text });
    await h.execOk(['systemctl', 'daemon-reload']);
    await h.execOk(['systemctl', 'enable', '--now', 't3-provision-users.timer']);
    seeded = await sha256s(h, Object.keys(SEED));
  });

  it('refuses while the reconciler runs and this product would write its files, naming the runbook step', async () => {
    const h = host();
    const synth = synthDevvm(h, roster); // site default: every writer is workstations
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const { planFile } = await tf.plan();
    const failure = await tf.apply(planFile).then(() => new Error('apply succeeded'), (e: Error) => e);
    expect(failure.message).toMatch(/\(host\): writers: FAILED \(the shipped reconciler t3-provision-users is still installed \(t3-provision-users\.timer active, t3-provision-users\.timer enabled/);
    expect(failure.message).toMatch(/step "Hand over from the reconciler"/);
    // Preflight (before every onboarding) refuses the same way.
    const pre = await agent(h, ['preflight', encodeSpec(preflightSpec(synth.site))]);
    expect(pre.code).toBe(1);
    expect(pre.stdout).toMatch(/\(host\): preflight: FAILED \(devvm not ready: the shipped reconciler t3-provision-users is still installed .*Retire it first \(README "Moving today's devvm onto the roster", step "Hand over from the reconciler"\)/);
    for (const u of Object.keys(UIDS)) expect((await h.exec(['getent', 'passwd', u])).code).not.toBe(0);
    expect(await sha256s(h, Object.keys(SEED))).toEqual(seeded);
    // status names the writers the host resource stored, and warns: two writers would fight.
    expect((await agent(h, ['status'])).stdout).toMatch(
      /\(host\) WARNING: reconciler t3-provision-users is installed \(t3-provision-users\.timer active.*\) while workstations writes devvm\.writers\.units, devvm\.writers\.user_maps, devvm\.writers\.managed_settings: two writers fight/,
    );
  });

  it('every writer reconciler: converges the rest, leaves the reconciler\'s files byte-identical, and our budget beats 50-devvm-resource.conf', async () => {
    const h = host();
    tf.setConfig(synthDevvm(h, roster, site(h, { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'reconciler' })).stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'wizard')).toContain('wizard: t3-env: skipped (writer: reconciler (site devvm.writers.units): /etc/t3-serve/wizard.env read, not written, its port 3773 adopted)');
    expect(linesOf(out, 'wizard')).toContain('wizard: units: skipped (writer: reconciler (site devvm.writers.units): units left as they are)');
    expect(linesOf(out, '(host)')).toEqual(expect.arrayContaining([expect.stringMatching(/^\(host\): t3-dispatch: skipped \(writer: reconciler \(site devvm\.writers\.user_maps\): \/etc\/t3-serve\/dispatch\.json kept \(sha256 [0-9a-f]{12}\), not written\)$/)]));
    expect(linesOf(out, '(claude-layer)')).toEqual(expect.arrayContaining([expect.stringMatching(/^\(claude-layer\): managed-settings\.json: skipped \(writer: reconciler/)]));
    expect(await sha256s(h, Object.keys(SEED))).toEqual(seeded);
    expect(await unitState(h, 't3-serve@wizard.service')).toEqual({ ...STOPPED, enabled: 'disabled' });
    // systemd sorts the drop-ins of user-1000.slice.d/ and user-.slice.d/ together by name: ours (90-...) is read last.
    expect(await sliceOf(h, UIDS.wizard)).toEqual(sliceBudget('16G'));
    expect(await sliceOf(h, UIDS.emo)).toEqual(sliceBudget('8G'));
    const status = (await agent(h, ['status'])).stdout;
    expect(status).toContain(`(host) user-1000.slice: foreign drop-in ${HOMELAB_DROPIN} sets MemoryMax=24G; ours (90-workstations-memory.conf) wins`);
    expect(status).toContain('(host) writer of /etc/ttyd-user-map, /etc/ttyd-admins, /etc/t3-serve/dispatch.json: reconciler (site devvm.writers.user_maps)');
    expect(status).toMatch(/\(host\) reconciler t3-provision-users: t3-provision-users\.timer active.*hand-over not started/);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('hand-over of the units: the reconciler retired, ports adopted, env files kept byte for byte, t3-serve@ starts with them', async () => {
    const h = host();
    // The runbook's first step: stop the timer and move its unit files aside.
    await h.execOk(['systemctl', 'disable', '--now', 't3-provision-users.timer']);
    await h.execOk(['mkdir', '-p', '/root/t3-provision-users.retired']);
    for (const name of Object.keys(RECONCILER_UNITS)) await h.execOk(['mv', `/etc/systemd/system/${name}`, '/root/t3-provision-users.retired/']);
    await h.execOk(['systemctl', 'daemon-reload']);
    tf.setConfig(synthDevvm(h, roster, site(h, { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'workstations' })).stackDir);
    const out = await applyOnSystemd(tf);
    // Adopted into the agent's record already while the reconciler wrote it (previous test).
    expect(linesOf(out, 'wizard')).toContain('wizard: t3-env: ok (T3_PORT=3773 (sticky port; file adopted as is))');
    expect(linesOf(out, 'ancamilea')).toContain('ancamilea: t3-env: changed (T3_PORT=3774 (new port))');
    expect(await sha256s(h, [...ENV_FILES, ...MAPS, MANAGED])).toEqual(Object.fromEntries([...ENV_FILES, ...MAPS, MANAGED].map((p) => [p, seeded[p]])));
    expect((await h.execOk(['stat', '-c', '%a %U', '/etc/t3-serve/emo.env'])).stdout.trim()).toBe('600 root');
    expect(await h.readFile('/etc/t3-serve/ancamilea.env')).toBe('T3_PORT=3774\n');
    expect([await unitState(h, 't3-serve@wizard.service'), await unitState(h, 't3-serve@emo.service')]).toEqual([RUNNING, RUNNING]);
    expect(await unitState(h, 't3-serve@ancamilea.service')).toEqual(STOPPED); // parked, as before
    expect(await envOf(h, 't3-serve@wizard.service')).toEqual(['T3_PORT=3773']);
    expect(await envOf(h, 't3-serve@emo.service')).toEqual(['T3_PORT=3775', 'T3_EXTRA=keep-me']);
    expect((await agent(h, ['status'])).stdout).toContain('(host) reconciler t3-provision-users: not installed');
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('a missing env file stops t3-serve@ as on the real devvm; the next converge restores the sticky port', async () => {
    const h = host();
    await h.execOk(['rm', '/etc/t3-serve/wizard.env']);
    expect((await h.exec(['systemctl', 'restart', 't3-serve@wizard.service'])).code).not.toBe(0);
    const synth = synthDevvm(h, roster, site(h, { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'workstations' }));
    const r = await agent(h, ['converge', synth.convergeArg.wizard]);
    expect(linesOf(r.stdout, 'wizard')).toContain('wizard: t3-env: changed (T3_PORT=3773 (sticky port))');
    expect(await unitState(h, 't3-serve@wizard.service')).toEqual(RUNNING);
    expect(await envOf(h, 't3-serve@wizard.service')).toEqual(['T3_PORT=3773']);
  });

  it('hand-over of the maps, then of the managed settings: keyed by web key, the same ports as the env files, the old content kept', async () => {
    const h = host();
    tf.setConfig(synthDevvm(h, roster, site(h, { user_maps: 'workstations', managed_settings: 'reconciler', units: 'workstations' })).stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, '(host)')).toEqual(expect.arrayContaining([expect.stringMatching(/^\(host\): t3-dispatch: changed \(rewritten; taken over from its previous writer, previous content in \/var\/lib\/workstations\/handover\/dispatch\.json\.[0-9a-f]{12}\)$/)]));
    expect(JSON.parse(await h.readFile('/etc/t3-serve/dispatch.json'))).toEqual({ 'emil.barzin': { os_user: 'emo', port: 3775 }, vbarzin: { os_user: 'wizard', port: 3773 } });
    const body = (t: string) => t.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(body(await h.readFile('/etc/ttyd-user-map'))).toEqual(['emil.barzin=emo', 'vbarzin=wizard']);
    expect(body(await h.readFile('/etc/ttyd-admins'))).toEqual(['vbarzin']);
    const copy = (await h.execOk(['sh', '-c', 'ls /var/lib/workstations/handover/dispatch.json.*'])).stdout.trim();
    expect(await h.readFile(copy)).toBe(SEED['/etc/t3-serve/dispatch.json'].text);
    expect(await sha256s(h, [MANAGED])).toEqual({ [MANAGED]: seeded[MANAGED] });
    expect((await tf.planNoChanges()).noChanges).toBe(true);

    tf.setConfig(synthDevvm(h, roster, site(h, { user_maps: 'workstations', managed_settings: 'workstations', units: 'workstations' })).stackDir);
    const layer = await applyOnSystemd(tf);
    expect(linesOf(layer, '(claude-layer)')).toEqual(expect.arrayContaining([expect.stringMatching(/^\(claude-layer\): managed-settings\.json: changed \(taken over from its previous writer, previous content in \/var\/lib\/workstations\/handover\/managed-settings\.json\.[0-9a-f]{12}\)$/)]));
    expect(await h.readFile(MANAGED)).not.toBe(SEED[MANAGED].text);
    expect((await agent(h, ['status'])).stdout).toContain('(host) writer of /etc/claude-code/managed-settings.json: workstations (site devvm.writers.managed_settings)');
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });
  it('a slice drop-in of ours under its old name (50-workstations-memory.conf) is migrated to the 90- name', async () => {
    const h = host();
    // As a host converged by the previous agent left it: the file and its ledger entry under the old name.
    const dir = '/etc/systemd/system/user-1000.slice.d';
    await h.execOk(['mv', `${dir}/90-workstations-memory.conf`, `${dir}/50-workstations-memory.conf`]);
    await h.execOk(['node', '-e', `const f='/var/lib/workstations/state.json';const s=JSON.parse(require('fs').readFileSync(f));s.files['${dir}/50-workstations-memory.conf']=s.files['${dir}/90-workstations-memory.conf'];delete s.files['${dir}/90-workstations-memory.conf'];require('fs').writeFileSync(f,JSON.stringify(s))`]);
    const synth = synthDevvm(h, roster, site(h, { user_maps: 'workstations', managed_settings: 'workstations', units: 'workstations' }));
    const r = await agent(h, ['converge', synth.convergeArg.wizard]);
    expect(linesOf(r.stdout, 'wizard')).toContain('wizard: memory-slice: changed (moved from 50-workstations-memory.conf to 90-workstations-memory.conf; created)');
    expect((await h.execOk(['ls', dir])).stdout.trim().split('\n')).toEqual(['90-workstations-memory.conf']);
    expect(await sliceOf(h, UIDS.wizard)).toEqual(sliceBudget('16G'));
  });
});
