// Per-person units and memory slices on a devvm that runs systemd (issue 11): the real
// synthesized stack, applied by real Terraform over SSH (pinned ECDSA key of a stock sshd)
// to a booted systemd container, where the real agent enables, parks and unparks units.
// Every assertion is what systemd itself reports (systemctl is-enabled/is-active/show).
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { STAND_IN_UNITS, UNIT_DIR_IN_HOST } from '../harness/stand-in-units';
import { SystemdTestHost, useSystemdHost } from '../harness/systemd-host';
import { Terraform } from '../harness/terraform';
import { outcomes } from './devvm/checks';
import { agent, createConfigBase, linesOf } from './devvm/host-tools';
import { applyOnSystemd, expectSystemdRan, pidsOf, sliceBudget, sliceOf, unitState } from './devvm/systemd-checks';
import { exampleCast, RosterDoc, synthDevvm, SynthResult } from './devvm/stack';

const UIDS: Record<string, number> = { wizard: 1000, emo: 1001, ancamilea: 1002 };
const RUNNING = { enabled: 'enabled', active: 'active', failed: false };
const STOPPED = { enabled: 'disabled', active: 'inactive', failed: false };

async function removeUnitFiles(h: SystemdTestHost, names: string[]): Promise<void> {
  await h.execOk(['rm', '-f', '--', ...names.map((n) => `${UNIT_DIR_IN_HOST}/${n}`)]);
  await h.execOk(['systemctl', 'daemon-reload']);
}

async function restoreUnitFiles(h: SystemdTestHost, names: string[]): Promise<void> {
  for (const n of names) await h.execOk(['tee', `${UNIT_DIR_IN_HOST}/${n}`], { input: STAND_IN_UNITS[n] });
  await h.execOk(['systemctl', 'daemon-reload']);
}

describeE2E('systemd host: per-person units and memory slices', () => {
  const host = useSystemdHost();
  let tf: Terraform;
  let synth: SynthResult;
  let roster: RosterDoc;

  beforeAll(async () => {
    await createInfraFixture(host());
    await createConfigBase(host());
  });

  it('preflight names the missing unit templates and onboards nobody', async () => {
    const h = host();
    const missing = ['claude-auth-sync@.service', 'claude-auth-sync@.timer'];
    await removeUnitFiles(h, missing);
    roster = exampleCast();
    synth = synthDevvm(h, roster);
    tf = new Terraform({ stackDir: synth.stackDir, env: h.env, baseDir: h.privateDir });
    const { planFile } = await tf.plan();
    const failure = await tf.apply(planFile).then(() => new Error('apply succeeded'), (e: Error) => e);
    expect(failure.message).toMatch(/\(host\): preflight: FAILED \(devvm not ready: unit file not installed: claude-auth-sync@\.service; unit file not installed: claude-auth-sync@\.timer\)/);
    for (const u of Object.keys(UIDS)) expect((await h.exec(['getent', 'passwd', u])).code).not.toBe(0);
    await restoreUnitFiles(h, missing);
  });

  it('active people: t3-serve@ and claude-auth-sync@.timer enabled and running, slices carry the budget', async () => {
    const h = host();
    const out = await applyOnSystemd(tf); // the tainted onboardings are retried
    for (const u of ['wizard', 'emo']) {
      expect(linesOf(out, u).filter((l) => l.includes('FAILED'))).toEqual([]);
      expect(linesOf(out, u)).toContain(`${u}: units: changed (enabled t3-serve@${u}.service, enabled claude-auth-sync@${u}.timer)`);
      expect([u, await unitState(h, `t3-serve@${u}.service`)]).toEqual([u, RUNNING]);
      expect([u, await unitState(h, `claude-auth-sync@${u}.timer`)]).toEqual([u, RUNNING]);
    }
    // The stand-in t3-serve runs as the person.
    expect((await h.execOk(['pgrep', '-u', 'wizard', '-x', 'sleep'])).stdout.trim()).toMatch(/^\d+$/);
    expect(await unitState(h, 't3-serve@ancamilea.service')).toEqual(STOPPED); // parked
    expect(await unitState(h, 'claude-auth-sync@ancamilea.timer')).toEqual(STOPPED);
    expect(await sliceOf(h, UIDS.wizard)).toEqual(sliceBudget('16G'));
    expect(await sliceOf(h, UIDS.emo)).toEqual(sliceBudget('8G'));
    expect(await sliceOf(h, UIDS.ancamilea)).toEqual(sliceBudget('6G'));
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('a budget change while the slice runs is what systemd reports after apply', async () => {
    const h = host();
    // A lingering user manager keeps user-1000.slice active.
    await h.execOk(['loginctl', 'enable-linger', 'wizard']);
    await h.execOk(['systemctl', 'start', 'user@1000.service']);
    expect((await h.exec(['systemctl', 'is-active', 'user-1000.slice'])).stdout.trim()).toBe('active');
    roster.people.wizard.workstation = { memory_max: '12G' };
    synth = synthDevvm(h, roster);
    tf.setConfig(synth.stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'wizard')).toContain('wizard: memory-slice: changed (rewritten)');
    expect((await h.exec(['systemctl', 'is-active', 'user-1000.slice'])).stdout.trim()).toBe('active');
    expect(await sliceOf(h, UIDS.wizard)).toEqual(sliceBudget('12G'));
    await h.execOk(['loginctl', 'disable-linger', 'wizard']);
  });

  it('unpark enables the units; park disables and stops them and leaves nothing failed', async () => {
    const h = host();
    roster.people.ancamilea.workstation = { parked: false };
    synth = synthDevvm(h, roster);
    tf.setConfig(synth.stackDir);
    await applyOnSystemd(tf);
    expect(await unitState(h, 't3-serve@ancamilea.service')).toEqual(RUNNING);
    expect(await unitState(h, 'claude-auth-sync@ancamilea.timer')).toEqual(RUNNING);

    // A crashed daemon is in the failed state when the person is parked.
    await h.execOk(['systemctl', 'kill', '--signal=SIGKILL', 't3-serve@ancamilea.service']);
    for (let i = 0; i < 50 && !(await unitState(h, 't3-serve@ancamilea.service')).failed; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await unitState(h, 't3-serve@ancamilea.service')).failed).toBe(true);
    roster.people.ancamilea.workstation = { parked: true };
    synth = synthDevvm(h, roster);
    tf.setConfig(synth.stackDir);
    const out = await applyOnSystemd(tf);
    expect(linesOf(out, 'ancamilea')).toContain(
      'ancamilea: units: changed (disabled t3-serve@ancamilea.service, reset-failed t3-serve@ancamilea.service, disabled claude-auth-sync@ancamilea.timer)',
    );
    for (const unit of ['t3-serve@ancamilea.service', 'claude-auth-sync@ancamilea.timer']) {
      expect([unit, await unitState(h, unit)]).toEqual([unit, STOPPED]);
    }
    // The timer's service has no [Install] section: "static", and stopped.
    expect(await unitState(h, 'claude-auth-sync@ancamilea.service')).toEqual({ ...STOPPED, enabled: 'static' });
    expect(await pidsOf(h, UIDS.ancamilea)).toEqual([]);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('a unit template missing for one person fails that person\'s units step only', async () => {
    const h = host();
    await removeUnitFiles(h, ['t3-serve@.service']);
    const r = await agent(h, ['converge', synth.convergeArg.emo]);
    expectSystemdRan(r.stdout);
    expect(r.code).toBe(1);
    const lines = outcomes(linesOf(r.stdout, 'emo'));
    expect(lines.filter(([, kind]) => kind === 'FAILED')).toEqual([
      ['units', 'FAILED', 'unit file t3-serve@.service is not installed on the devvm (needed for t3-serve@emo.service)'],
    ]);
    expect(lines.map(([step]) => step)).toEqual(expect.arrayContaining(['home', 'groups', 'kubeconfig', 'memory-slice', 'units']));
    // The other unit of the same person is still converged.
    expect(await unitState(h, 'claude-auth-sync@emo.timer')).toEqual(RUNNING);
    const wizard = await agent(h, ['converge', synth.convergeArg.wizard]);
    expect(linesOf(wizard.stdout, 'wizard')).toContain('wizard: units: FAILED (unit file t3-serve@.service is not installed on the devvm (needed for t3-serve@wizard.service))');
    await restoreUnitFiles(h, ['t3-serve@.service']);
    const again = await agent(h, ['converge', synth.convergeArg.emo]);
    expect([again.code, linesOf(again.stdout, 'emo').filter((l) => l.startsWith('emo: units:'))]).toEqual([0, ['emo: units: ok']]);
  });
});
