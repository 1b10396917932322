// The README runbook "Moving today's devvm onto the roster" (issue 13), walked end to end by
// real Terraform over real SSH (a stock sshd, full ssh-keyscan output pinned) against a
// systemd test host seeded like the real devvm (live-devvm-seed.ts): the first apply
// changes no existing file and takes nobody's group, port or running unit; the hand-over
// from the reconciler moves one host-wide file family at a time; afterwards systemd reports
// each person's slice budget, the t3-serve@ units run from their env files, and a second
// plan is empty.
import { parse } from 'yaml';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { useSystemdHost } from '../harness/systemd-host';
import { Terraform } from '../harness/terraform';
import { agent, createConfigBase, groupsOf } from './devvm/host-tools';
import { RECONCILER_UNITS, SEEDED_PEOPLE, seededFingerprints, seededLinks, seedLiveDevvm } from './devvm/live-devvm-seed';
import { applyOnSystemd, show, sliceBudget, sliceOf, unitState } from './devvm/systemd-checks';
import { RosterDoc, siteFor, synthDevvm } from './devvm/stack';

type Writers = { user_maps: string; managed_settings: string; units: string };
const RECONCILER: Writers = { user_maps: 'reconciler', managed_settings: 'reconciler', units: 'reconciler' };

/** The roster `npm run import` would write for the seeded host: both accounts legacy. */
function importedRoster(cutOver: readonly string[] = []): RosterDoc {
  const r: RosterDoc = {
    version: 1,
    people: {
      wizard: { email: 'wizard@example.com', authentik_user: 'wizard@example.com', tier: 'admin', uid: 1000, workstation: { legacy: true } },
      emo: {
        email: 'emil.barzin@example.com', authentik_user: 'emil.barzin@example.com', tier: 'power-user', uid: 1001,
        // A budget of his own: proves the agent's drop-in wins over 50-devvm-resource.conf.
        workstation: { legacy: true, code_layout: 'single', memory_max: '12G' },
      },
    },
  };
  for (const u of cutOver) delete (r.people[u].workstation as Record<string, unknown>).legacy;
  return r;
}

describeE2E('runbook: moving today\'s devvm onto the roster', () => {
  const host = useSystemdHost();
  let tf: Terraform;
  let before: Record<string, string>;
  let links: Record<string, string>;
  let groups: Record<string, string[]>;
  let mainPids: Record<string, string>;

  function site(writers?: Writers): Record<string, unknown> {
    const s = siteFor(host()) as { devvm: Record<string, unknown>; memory_budgets?: unknown };
    delete s.memory_budgets; // the homelab's: 24G for everyone
    if (writers) s.devvm.writers = writers;
    return s;
  }

  function configure(writers?: Writers, cutOver: readonly string[] = []): void {
    const synth = synthDevvm(host(), importedRoster(cutOver), site(writers));
    if (tf) tf.setConfig(synth.stackDir);
    else tf = new Terraform({ stackDir: synth.stackDir, env: host().env, baseDir: host().privateDir });
  }

  async function mainPidsOf(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const u of Object.keys(SEEDED_PEOPLE)) out[u] = (await show(host(), `t3-serve@${u}.service`, ['MainPID'])).MainPID;
    return out;
  }

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    await seedLiveDevvm(h);
    before = await seededFingerprints(h);
    links = await seededLinks(h);
    groups = { wizard: await groupsOf(h, 'wizard'), emo: await groupsOf(h, 'emo') };
    mainPids = await mainPidsOf();
    for (const pid of Object.values(mainPids)) expect(Number(pid)).toBeGreaterThan(0);
  });

  it('step 1 guard: while the reconciler runs, an apply that would write host files refuses and changes nothing', async () => {
    const h = host();
    configure(); // every writer defaults to workstations
    const { planFile } = await tf.plan();
    const failure = await tf.apply(planFile).then(() => new Error('apply succeeded'), (e: Error) => e);
    expect(failure.message).toMatch(/t3-provision-users/);
    expect(failure.message).toMatch(/Hand over from the reconciler/);
    expect(await seededFingerprints(h)).toEqual(before);
    expect(await mainPidsOf()).toEqual(mainPids);
  });

  it('step 1: the first apply (reconciler still the writer) changes no existing file and takes nothing away', async () => {
    const h = host();
    configure(RECONCILER);
    await applyOnSystemd(tf);
    const after = await seededFingerprints(h);
    // New files (e.g. a kubeconfig wizard never had) may appear; no existing one changes.
    expect(Object.fromEntries(Object.keys(before).map((p) => [p, after[p]]))).toEqual(before);
    expect(await seededLinks(h)).toEqual(links);
    for (const u of Object.keys(SEEDED_PEOPLE)) expect(await groupsOf(h, u)).toEqual(expect.arrayContaining(groups[u]));
    expect((await h.stat('/home/wizard')).mode & 0o777).toBe(0o751); // emo's links need it until wizard's cutover
    expect(await mainPidsOf()).toEqual(mainPids); // no unit restarted
    for (const u of RECONCILER_UNITS.filter((x) => x.endsWith('.timer'))) expect((await unitState(h, u)).active).toBe('active');
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('step 2: hand over from the reconciler, one file family per apply, ports adopted', async () => {
    const h = host();
    // README "Hand over from the reconciler", step 2: stop it, move its unit files aside.
    await h.execOk(['systemctl', 'disable', '--now', ...RECONCILER_UNITS]);
    await h.execOk(['sh', '-c', 'mkdir -p /root/t3-provision-users.retired && mv /etc/systemd/system/t3-provision-users.* /root/t3-provision-users.retired/ && systemctl daemon-reload']);
    const writers = { ...RECONCILER };
    for (const family of ['units', 'user_maps', 'managed_settings'] as const) {
      writers[family] = 'workstations';
      configure(writers);
      await applyOnSystemd(tf);
      for (const [u, p] of Object.entries(SEEDED_PEOPLE)) {
        expect([u, (await h.readFile(`/etc/t3-serve/${u}.env`)).match(/^T3_PORT=(\d+)$/m)?.[1]]).toEqual([u, String(p.port)]);
        expect([u, (await unitState(h, `t3-serve@${u}.service`)).active]).toEqual([u, 'active']);
      }
    }
    const entries = async (f: string) => (await h.readFile(f)).split('\n').filter((l) => l && !l.startsWith('#')).sort();
    expect(await entries('/etc/ttyd-user-map')).toEqual(['emil.barzin=emo', 'wizard=wizard']);
    expect(await entries('/etc/ttyd-admins')).toEqual(['wizard']);
    expect(parse(await h.readFile('/etc/t3-serve/dispatch.json'))).toEqual({
      'emil.barzin': { os_user: 'emo', port: 3775 },
      wizard: { os_user: 'wizard', port: 3773 },
    });
    const status = (await agent(h, ['status'])).stdout;
    expect(status).toMatch(/managed-settings\.json.*workstations/);
  });

  it('after the hand-over: systemd reports each slice budget, units run from their env files, a second plan is empty', async () => {
    const h = host();
    expect(await sliceOf(h, SEEDED_PEOPLE.wizard.uid)).toEqual(sliceBudget('24G'));
    expect(await sliceOf(h, SEEDED_PEOPLE.emo.uid)).toEqual(sliceBudget('12G'));
    for (const u of Object.keys(SEEDED_PEOPLE)) {
      const env = (await h.execOk(['sh', '-c', 'tr "\\0" "\\n" < /proc/$1/environ | grep ^T3_PORT=', 'sh', (await show(h, `t3-serve@${u}.service`, ['MainPID'])).MainPID])).stdout.trim();
      expect([u, env]).toEqual([u, `T3_PORT=${SEEDED_PEOPLE[u as keyof typeof SEEDED_PEOPLE].port}`]);
    }
    expect((await tf.planNoChanges()).noChanges).toBe(true);
  });

  it('step 5: emo is cut over first; wizard\'s cutover names emo\'s links into his home and changes nothing', async () => {
    const h = host();
    const cut = await agent(h, ['cutover', 'emo']);
    expect([cut.code, cut.stdout.split('\n').filter((l) => l.includes('FAILED'))]).toEqual([0, []]);
    configure({ user_maps: 'workstations', managed_settings: 'workstations', units: 'workstations' }, ['emo']);
    await applyOnSystemd(tf);
    expect((await tf.planNoChanges()).noChanges).toBe(true);
    expect((await unitState(h, 't3-serve@emo.service')).active).toBe('active');
    // wizard's home is still 0751 and emo's links still lead into it: his cutover stops first.
    const refused = await agent(h, ['cutover', 'wizard']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toMatch(/\/home\/emo\/\.claude\/rules -> \/home\/wizard\/\.claude\/rules/);
    expect(refused.stdout).toContain('wizard: cutover: FAILED (nothing changed)');
    expect((await h.stat('/home/wizard')).mode & 0o777).toBe(0o751);
    expect(await h.readFile('/home/emo/.claude/rules/house.md')).toBe('# wizard rules\n');
  });
});
