// Issue 10 (items 8, 9, 12): the everyday loop through the real commands, exactly as the
// README's runbook says (`npm run plan`, read the summary, `npm run apply`), against a test
// host with real Terraform, SSH and the bundled agent:
//   - the quiet apply output (agent lines and progress; the raw log in a 0600 file);
//   - "When an apply fails halfway": the agent is killed during one person's onboarding,
//     the next plan says the account is tainted and will be retried, and a plain apply
//     recovers; the follow-up plan is empty;
//   - one routine offboard in a small roster: only --allow-offboard is needed; afterwards
//     the apply and the next plan name the uid to add to retired_uids.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestHost } from '../harness/host';
import { createInfraFixture } from '../harness/infra-fixture';
import { describeE2E } from '../harness/skip';
import { devvmAddress } from '../../src/desired/devvm-addresses';
import { REPO_ROOT } from '../support/inputs';
import { agent, createConfigBase, hostState, shadowOf, uidOf } from './devvm/host-tools';
import { exampleCast, RosterDoc, siteFor } from './devvm/stack';

const STACK = ['--stack', 'workstations-devvm'];

interface Cmd {
  code: number;
  stdout: string;
  stderr: string;
}

describeE2E('the everyday loop through npm run plan / apply', () => {
  const host = useTestHost();
  let dir: string;
  let rosterFile: string;
  let env: NodeJS.ProcessEnv;

  /** `npm run --silent <script> -- <args>` in the repository, with only what the admin's shell would carry. */
  function npm(script: 'plan' | 'apply', args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Cmd> {
    return new Promise((resolve) => {
      execFile('npm', ['run', '--silent', script, '--', ...STACK, ...args], { cwd: REPO_ROOT, env: { ...env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 }, (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      });
    });
  }

  const writeRoster = (r: RosterDoc) => writeFileSync(rosterFile, stringify(r));
  const ok = (r: Cmd) => expect([r.code, r.code === 0 ? '' : `${r.stderr}\n${r.stdout}`]).toEqual([0, '']);
  const applyLog = () => join(dir, 'cdktf.out', 'plans', 'workstations-devvm.apply.log');
  /** CAPTURE_APPLY_LOGS=<dir> keeps the raw logs: the unit fixtures of the output filter come from here. */
  const capture = (name: string) => {
    if (process.env.CAPTURE_APPLY_LOGS) copyFileSync(applyLog(), join(process.env.CAPTURE_APPLY_LOGS, name));
  };
  let cast: RosterDoc;

  beforeAll(async () => {
    const h = host();
    await createInfraFixture(h);
    await createConfigBase(h);
    dir = h.scratchDir('loop-');
    mkdirSync(join(dir, 'state'));
    rosterFile = join(dir, 'roster.yaml');
    writeFileSync(join(dir, 'site.yaml'), stringify(siteFor(h)));
    writeFileSync(join(dir, 'empty.tfrc'), '');
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ROSTER: rosterFile,
      SITE: join(dir, 'site.yaml'),
      CDKTF_OUTDIR: join(dir, 'cdktf.out'),
      WORKSTATIONS_LOCAL_STATE_DIR: join(dir, 'state'),
      TF_CLI_CONFIG_FILE: join(dir, 'empty.tfrc'),
      ...h.env,
    };
    cast = exampleCast();
    cast.people.zoe = { email: 'zoe@example.com', authentik_user: 'zoe', tier: 'power-user', uid: 1004, workstation: {} };
  });

  it('a first apply of four people prints the agent lines and a progress line, not the SSH banners', async () => {
    writeRoster(cast);
    const plan = await npm('plan');
    ok(plan);
    // Before the first apply there is no agent on the host to ask: one line, and the plan goes on.
    expect(plan.stderr).toContain('note: could not read the offboarding tombstones from the devvm');
    expect(plan.stderr).toContain('the agent is not installed there yet');
    const apply = await npm('apply');
    ok(apply);
    capture('apply-4-people.log');
    if (process.env.CAPTURE_APPLY_LOGS) writeFileSync(join(process.env.CAPTURE_APPLY_LOGS, 'apply-4-people.out'), apply.stdout);
    const out = apply.stdout;
    expect(out).not.toContain('Connecting to remote host via SSH');
    expect(out).toContain('zoe: account: changed (created with uid 1004)');
    expect(out).toMatch(/^\[workstations-devvm\] 4 of 4 people done \((\w+)\), \d+\.\d s$/m);
    expect(out).toMatch(/^\[workstations-devvm\] Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\. \(\d+\.\d s\)$/m);
    const raw = readFileSync(applyLog(), 'utf8');
    expect(raw).toContain('Connecting to remote host via SSH');
    expect(statSync(applyLog()).mode & 0o777).toBe(0o600);
    const quietLines = out.split('\n').length;
    const rawLines = raw.split('\n').length;
    process.stdout.write(`apply of 4 people: ${quietLines} lines printed (summary included), raw Terraform output ${rawLines} lines\n`);
    expect(quietLines).toBeLessThan(rawLines / 2);
  });

  it('--verbose prints Terraform\'s raw output', async () => {
    writeRoster({ ...cast, people: { ...cast.people, emo: { ...cast.people.emo, workstation: { ...(cast.people.emo.workstation as object), memory_max: '7G' } } } });
    ok(await npm('plan'));
    const apply = await npm('apply', ['--verbose']);
    ok(apply);
    expect(apply.stdout).toContain(`${devvmAddress('profile', 'emo')} (remote-exec): Connecting to remote host via SSH...`);
    writeRoster(cast);
    ok(await npm('plan'));
    ok(await npm('apply'));
  });

  it('When an apply fails halfway: the README steps recover a killed onboarding', async () => {
    const h = host();
    // The fault: bob's first useradd succeeds, then the agent running it is SIGKILLed (as an
    // OOM kill or a dropped session would): the account exists, its onboarding never finished.
    writeFileSync(
      join(h.rootDir, 'usr/local/sbin/useradd'),
      [
        '#!/bin/sh',
        '/usr/sbin/useradd "$@" || exit $?',
        'for a in "$@"; do last=$a; done',
        'if [ "$last" = bob ] && [ ! -e /run/e2e-fault-fired ]; then : > /run/e2e-fault-fired; kill -9 $PPID; fi',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const roster = structuredClone(cast);
    roster.people.bob = { email: 'bob@example.com', authentik_user: 'bob', tier: 'power-user', uid: 1005, workstation: { memory_max: '2G' } }; // within capacity
    writeRoster(roster);
    const plan = await npm('plan');
    ok(plan);
    expect(plan.stdout).toContain('+ onboard   bob');
    const failed = await npm('apply');
    capture('apply-failed-onboarding.log');
    if (process.env.CAPTURE_APPLY_LOGS) writeFileSync(join(process.env.CAPTURE_APPLY_LOGS, 'apply-failed-onboarding.out'), `${failed.stdout}\n--- stderr ---\n${failed.stderr}`);
    expect([failed.code, await h.exists('/run/e2e-fault-fired')]).toEqual([1, true]);
    expect(failed.stderr).toContain('[workstations-devvm] terraform apply failed; its raw output is in');
    expect(failed.stderr).toContain('Error: remote-exec provisioner error');
    expect(failed.stderr).toContain('see README "When an apply fails halfway"');
    expect(await uidOf(h, 'bob')).toBe(1005); // half-onboarded: the account exists

    // README step 1: npm run plan, and read the summary.
    const replan = await npm('plan');
    ok(replan);
    expect(replan.stdout).toContain(
      '+ retry     bob  account bob was left half-onboarded by a failed apply (tainted): this apply retries the onboarding; nothing is offboarded',
    );
    expect(replan.stdout).not.toContain('Apply will refuse');
    // README step 2: npm run apply, no override flag.
    const retry = await npm('apply');
    ok(retry);
    expect(retry.stdout).toContain('bob: account: ok (adopted existing account (uid 1005))');
    expect(retry.stdout).not.toMatch(/bob: (offboard|archive|lock|tombstone):/);
    // Final host state: bob onboarded like anyone else, never offboarded.
    expect((await h.stat('/home/bob')).mode).toBe(0o700);
    expect(await h.exists('/home/bob/.kube/config')).toBe(true);
    expect((await shadowOf(h, 'bob'))?.expire).toBe(''); // never expired: no offboarding ran
    expect((await hostState(h)).tombstones.bob).toBeUndefined();
    expect((await agent(h, ['status'])).stdout).toMatch(/^bob\s+1005\s+power-user\s+active\s/m);
    // And the follow-up plan is empty.
    const after = await npm('plan');
    ok(after);
    expect(after.stdout).toContain('People: no changes');
    expect(after.stdout).toContain('Other changes: none');
    cast = roster;
  });

  it('one routine offboard in a small roster needs only --allow-offboard, then names the uid to retire', async () => {
    const h = host();
    const roster = structuredClone(cast);
    delete roster.people.zoe;
    writeRoster(roster);
    const plan = await npm('plan');
    ok(plan);
    expect(plan.stdout).toContain('- OFFBOARD  zoe  account locked, home archived on the devvm; then add uid 1004 to retired_uids');
    expect(plan.stdout).toContain('re-run with --allow-offboard zoe if that is intended');
    expect(plan.stdout).not.toContain('--i-know');
    const apply = await npm('apply', ['--allow-offboard', 'zoe']);
    ok(apply);
    expect(apply.stdout).toContain('zoe: tombstone: ok (uid 1004 retired; add it to retired_uids)');
    expect(apply.stderr).toContain(`zoe was offboarded: add uid 1004 to ${rosterFile} retired_uids (it must never be reused)`);
    const date = (await hostState(h)).tombstones.zoe.date.slice(0, 10);

    // Until the roster retires it, every plan warns (the devvm's tombstones, read over SSH).
    const next = await npm('plan');
    ok(next);
    expect(next.stdout).toContain('People: no changes');
    expect(next.stderr).toContain(`warning: uid 1004 (offboarded zoe on ${date}) is not in retired_uids: add it to ${rosterFile} retired_uids`);
    writeRoster({ ...roster, retired_uids: [1004] });
    const retired = await npm('plan');
    ok(retired);
    expect(retired.stderr).not.toContain('warning: uid');
    expect(retired.stderr).not.toContain('tombstones');
  });

  it('an unreachable devvm is one line at plan time, and the plan goes on', async () => {
    const h = host();
    const site = siteFor(h);
    (site.devvm as Record<string, unknown>).port = 9; // nothing listens there
    writeFileSync(join(dir, 'site-unreachable.yaml'), stringify(site));
    const r = await npm('plan', [], { SITE: join(dir, 'site-unreachable.yaml') });
    ok(r);
    expect(r.stderr.split('\n').filter((l) => l.includes('tombstones'))).toEqual([
      expect.stringMatching(new RegExp(`^note: could not read the offboarding tombstones from the devvm ${h.address.replace(/\./g, '\\.')}:9 \\(.*refused.*\\); retired_uids not checked against it$`)),
    ]);
  });
});
