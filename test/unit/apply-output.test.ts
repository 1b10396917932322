// The quiet apply output, on Terraform's real output: fixtures/apply-4-people.log is the raw
// log of `npm run apply` onboarding four people on a test host, apply-failed-onboarding.log
// one whose agent was SIGKILLed while onboarding bob (Terraform 1.11.4; both captured by
// `CAPTURE_APPLY_LOGS=<dir> sudo npx jest --selectProjects e2e --testPathPatterns apply-failure`).
// They were captured before the devvm shards (2026-12-01), so their addresses are unsharded
// (`terraform_data.account["emo"]`): the plans here name the same addresses (unshardedAccount).
// The parser keys on whole addresses, whatever the block's name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failureTail, parseApplyLine, QuietApplyOutput, tail } from '../../src/plan/apply-output';
import type { ResourceChange } from '../../src/plan/plan-json';
import { plan, unshardedAccount as account } from '../support/plan-fixtures';

const RAW = readFileSync(join(__dirname, 'fixtures', 'apply-4-people.log'), 'utf8');
const FAILED = readFileSync(join(__dirname, 'fixtures', 'apply-failed-onboarding.log'), 'utf8');
const PEOPLE = ['wizard', 'emo', 'ancamilea', 'zoe'];

const resource = (name: string, index?: string): ResourceChange => ({
  address: index === undefined ? `terraform_data.${name}` : `terraform_data.${name}["${index}"]`,
  mode: 'managed',
  type: 'terraform_data',
  name,
  ...(index === undefined ? {} : { index }),
  change: { actions: ['create'], before: null, after: {} },
});
/** The plan that apply ran: host, Claude layer, and an account and a profile per person. */
const FIRST_PLAN = plan([resource('host'), resource('claude_layer'), ...PEOPLE.flatMap((u, i) => [account(u, 1000 + i, 'create'), resource('profile', u)])]);

function quiet(raw: string, p = FIRST_PLAN): string[] {
  const q = new QuietApplyOutput('workstations-devvm', p);
  return raw.split('\n').flatMap((line, i) => q.feed(line, i * 100));
}

describe('parseApplyLine', () => {
  it.each([
    ['terraform_data.account["emo"] (remote-exec): emo: account: changed (created with uid 1001)', { kind: 'provisioner', address: 'terraform_data.account["emo"]', text: 'emo: account: changed (created with uid 1001)' }],
    ['terraform_data.host (remote-exec): (host): agent: changed (installed /usr/local/lib/workstations/agent.js)', { kind: 'provisioner', address: 'terraform_data.host', text: '(host): agent: changed (installed /usr/local/lib/workstations/agent.js)' }],
    ['terraform_data.account["emo"] (remote-exec): Connecting to remote host via SSH...', { kind: 'other' }],
    ['terraform_data.account["emo"] (remote-exec):   Checking Host Key: true', { kind: 'other' }],
    ['terraform_data.account["emo"] (remote-exec): Connected!', { kind: 'other' }],
    ['terraform_data.profile["zoe"]: Creation complete after 3s [id=441521f0-0f30-3c43-5903-ddc930439055]', { kind: 'complete', address: 'terraform_data.profile["zoe"]', action: 'create' }],
    ['terraform_data.account["b"]: Destruction complete after 0s', { kind: 'complete', address: 'terraform_data.account["b"]', action: 'delete' }],
    ['terraform_data.account["a"]: Modifications complete after 0s [id=5f5f4b20-c5e8-9804-14f7-279c09412837]', { kind: 'complete', address: 'terraform_data.account["a"]', action: 'update' }],
    ['Apply complete! Resources: 10 added, 0 changed, 0 destroyed.', { kind: 'result', text: 'Apply complete! Resources: 10 added, 0 changed, 0 destroyed.' }],
    ['terraform_data.profile["emo"]: Still creating... [10s elapsed]', { kind: 'other' }],
    ["terraform_data.host: Provisioning with 'file'...", { kind: 'other' }],
  ])('%s', (line, event) => {
    expect(parseApplyLine(line)).toEqual(event);
  });
});

describe('QuietApplyOutput on a real apply of four people', () => {
  const out = quiet(RAW);

  it('keeps every agent line, drops every SSH banner line', () => {
    const agentLines = RAW.split('\n').filter((l) => / \(remote-exec\): (\(host\)|\(claude-layer\)|[a-z][a-z0-9_-]*): [^:]+: (changed|ok|skipped|FAILED)/.test(l));
    expect(agentLines.length).toBeGreaterThan(40);
    // The preflight each onboarding runs first is a host-wide step: named after the person here.
    const expected = agentLines.map((l) => l.replace(/^terraform_data\.account\["(\w+)"\] \(remote-exec\): \(host\): /, '$1: ').replace(/^.*? \(remote-exec\): /, ''));
    expect(out.filter((l) => !l.startsWith('['))).toEqual(expected);
    expect(out.filter((l) => l.includes('preflight'))).toEqual(['emo', 'wizard', 'ancamilea', 'zoe'].map((u) => `${u}: preflight: ok (memory, swap, disk, programs)`));
    expect(out.join('\n')).not.toMatch(/Connecting to remote host|Checking Host Key|Connected!|Provisioning with/);
  });

  it('prints a progress line as each person finishes, and the result', () => {
    expect(out.filter((l) => l.startsWith('['))).toEqual([
      expect.stringMatching(/^\[workstations-devvm\] 1 of 4 people done \(emo\), \d+\.\d s$/),
      expect.stringMatching(/^\[workstations-devvm\] 2 of 4 people done \(zoe\), \d+\.\d s$/),
      expect.stringMatching(/^\[workstations-devvm\] 3 of 4 people done \(ancamilea\), \d+\.\d s$/),
      expect.stringMatching(/^\[workstations-devvm\] 4 of 4 people done \(wizard\), \d+\.\d s$/),
      expect.stringMatching(/^\[workstations-devvm\] Apply complete! Resources: 10 added, 0 changed, 0 destroyed\. \(\d+\.\d s\)$/),
    ]);
    process.stdout.write(`apply of 4 people: raw ${RAW.split('\n').length} lines, quiet ${out.length} lines\n`);
  });

  it('a person is done only when all of their instances are: a replace ends with its create', () => {
    const p = plan([account('emo', 1001, 'replace', 'replace_because_tainted'), account('zoe', 1004, 'delete')]);
    const q = new QuietApplyOutput('s', p);
    expect(q.people).toBe(2);
    expect(q.feed('terraform_data.account["emo"]: Destruction complete after 0s', 1000)).toEqual([]);
    expect(q.feed('terraform_data.account["zoe"]: Destruction complete after 0s', 1500)).toEqual(['[s] 1 of 2 people done (zoe), 1.5 s']);
    expect(new QuietApplyOutput('s', plan([account('zoe', 1004, 'delete')])).feed('terraform_data.account["zoe"]: Destruction complete after 0s', 0)).toEqual(['[s] 1 of 1 person done (zoe), 0.0 s']);
    expect(q.feed('terraform_data.account["emo"]: Creation complete after 1s [id=x]', 2000)).toEqual(['[s] 2 of 2 people done (emo), 2.0 s']);
  });
});

it('tail keeps the last lines', () => {
  expect(tail('a\nb\nc\n', 2)).toEqual(['b', 'c']);
  expect(tail('a', 5)).toEqual(['a']);
});

describe('a failed apply (the agent killed while onboarding bob)', () => {
  const p = plan([resource('host'), account('bob', 1005, 'create'), resource('profile', 'bob')]);

  it('the quiet output shows what the agent got done and that it was killed; no progress past it', () => {
    expect(quiet(FAILED, p)).toEqual([
      '(host): agent: changed (installed /usr/local/lib/workstations/agent.js)',
      '(host): tmux-pane-cap: ok',
      '(host): ttyd-user-map: changed (rewritten)',
      '(host): t3-dispatch: changed (rewritten)',
      'bob: preflight: ok (memory, swap, disk, programs)',
      'Killed',
    ]);
  });

  it('the failure report ends with Terraform\'s error, without SSH banners', () => {
    const t = failureTail(FAILED, 40);
    expect(t.join('\n')).not.toMatch(/Connecting to remote host|Checking Host Key|Connected!/);
    expect(t).toEqual(expect.arrayContaining(['terraform_data.account["bob"] (remote-exec): Killed', 'Error: remote-exec provisioner error']));
    expect(t[t.length - 1]).toMatch(/^error executing "\/tmp\/terraform_\d+\.sh": Process exited with status 137$/);
  });
});
