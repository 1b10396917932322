// Hostile values (issue 5, e2e 8): shell metacharacters, newlines and `$(...)` are refused
// by the schema at synth (with a problem at the offending field), and again by the real
// agent on the host (exit 2, before it touches anything). Nothing runs.
import * as fs from 'node:fs';
import { stringify } from 'yaml';
import { buildAgentBundle } from '../../src/devvm/agent-bundle';
import { derive } from '../../src/desired/derive';
import { accountSpec, encodeSpec, hostSpec } from '../../src/desired/host-specs';
import { parseRoster, parseSite } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { exampleInputs } from '../support/inputs';
import { AGENT, agent } from './devvm/host-tools';
import { exampleCast } from './devvm/stack';

const PWNED = '/pwned';
const INJECT = `$(touch ${PWNED})`;

describe('hostile values are refused at synth', () => {
  const site = exampleInputs().site;
  const siteDoc = (): Record<string, Record<string, unknown>> => ({
    devvm: { host_keys: site.devvm.host_keys },
    kubernetes: { api_server: 'https://10.0.20.100:6443' },
    infra_repo: { url: site.infra_repo.url },
    config_base: { url: site.config_base.url },
  });

  it('baseline: the unmodified cast and site are valid (each problem below is the hostile value)', () => {
    expect(parseRoster('roster.yaml', stringify(exampleCast()), site).problems).toEqual([]);
    expect(parseSite('site.yaml', stringify({ version: 1, ...siteDoc() })).problems).toEqual([]);
  });

  it.each([
    ['os_user (roster key)', (r: ReturnType<typeof exampleCast>) => ((r.people[`x${INJECT}`] = r.people.emo), delete r.people.emo), /people\.x\$\(touch \/pwned\): /],
    ['email with a newline', (r: ReturnType<typeof exampleCast>) => (r.people.emo.email = 'emo@example.com\nrm -rf /'), /people\.emo\.email: must be an email/],
    ['authentik_user with ;', (r: ReturnType<typeof exampleCast>) => (r.people.emo.authentik_user = `emil; touch ${PWNED}`), /people\.emo\.authentik_user: must start with a letter or digit/],
    ['k8s_user with backticks', (r: ReturnType<typeof exampleCast>) => (r.people.ancamilea.k8s_user = 'anca`id`'), /people\.ancamilea\.k8s_user: must start with a letter or digit/],
    ['namespace with $(...)', (r: ReturnType<typeof exampleCast>) => (r.people.ancamilea.namespaces = [INJECT]), /people\.ancamilea\.namespaces\.0: must be a DNS-1123 label/],
    ['repo name with ;', (r: ReturnType<typeof exampleCast>) => (r.people.wizard.workstation = { code_layout: 'workspace', repos: ['x;reboot'] }), /people\.wizard\.workstation\.repos\.0: must start with a letter or digit/],
    ['memory_max with a command', (r: ReturnType<typeof exampleCast>) => (r.people.wizard.workstation = { memory_max: '8G; reboot' }), /people\.wizard\.workstation\.memory_max: must be a size/],
  ])('roster: %s', (_name, mutate, problem) => {
    const roster = exampleCast();
    mutate(roster);
    const r = parseRoster('roster.yaml', stringify(roster), site);
    expect(r.ok).toBe(false);
    expect(r.problems.map(formatProblem)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it.each([
    ['login shell', ['devvm', 'login_shell'], `/bin/bash -c '${INJECT}'`, /devvm\.login_shell: must be an absolute path/],
    ['archive dir', ['devvm', 'archive_dir'], `/var/${INJECT}`, /devvm\.archive_dir: must be an absolute path/],
    ['infra repo url', ['infra_repo', 'url'], `https://example.com/${INJECT}`, /infra_repo\.url: must be an https/],
    ['branch with a newline', ['infra_repo', 'default_branch'], 'main\nrm -rf /', /infra_repo\.default_branch: must be a branch name/],
    ['api server', ['kubernetes', 'api_server'], 'https://x;reboot', /kubernetes\.api_server: must be an https URL/],
  ])('site: %s', (_name, [section, key], value, problem) => {
    const doc = siteDoc();
    doc[section][key] = value;
    const r = parseSite('site.yaml', stringify({ version: 1, ...doc }));
    expect(r.ok).toBe(false);
    expect(r.problems.map(formatProblem)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});

describeE2E('hostile values are refused by the agent on the host', () => {
  const host = useTestHost();
  const desired = derive(exampleInputs().roster, exampleInputs().site);
  const ws = desired.people.find((p) => p.osUser === 'emo')!.workstation!;
  const account = accountSpec(ws, exampleInputs().site);

  beforeAll(() => {
    // The real bundle, installed where the host resource installs it.
    const h = host();
    fs.mkdirSync(`${h.rootDir}/usr/local/lib/workstations`, { recursive: true });
    fs.copyFileSync(buildAgentBundle(h.scratchDir('agent-')).file, `${h.rootDir}${AGENT}`);
  });

  const b64 = (v: unknown) => encodeSpec(v);
  it.each([
    ['converge: osUser', ['converge', b64({ ...ws, osUser: `x${INJECT}` })], /invalid input: osUser: /],
    ['converge: newline in osUser', ['converge', b64({ ...ws, osUser: 'emo\nroot' })], /invalid input: osUser: /],
    ['converge: home', ['converge', b64({ ...ws, home: `/home/${INJECT}` })], /invalid input: home: /],
    ['converge: infra url', ['converge', b64({ ...ws, infra: { ...ws.infra, url: `https://x/${INJECT}` } })], /invalid input: infra\.url: /],
    ['converge: namespace', ['converge', b64({ ...ws, kubeconfig: { ...ws.kubeconfig, defaultNamespace: INJECT } })], /invalid input: kubeconfig\.defaultNamespace: /],
    ['converge: memory', ['converge', b64({ ...ws, memoryMax: '8G\nExecStartPre=/bin/touch /pwned' })], /invalid input: memoryMax: /],
    ['converge: unknown key', ['converge', b64({ ...ws, postInstall: `touch ${PWNED}` })], /invalid input: \(root\): Unrecognized key/],
    ['onboard: shell', ['onboard', b64({ ...account, shell: `/bin/sh -c '${INJECT}'` })], /invalid input: shell: /],
    ['onboard: osUser', ['onboard', b64({ ...account, osUser: `eve;touch ${PWNED}` })], /invalid input: osUser: /],
    ['offboard: archive dir', ['offboard', b64({ ...account, archiveDir: `/tmp/${INJECT}` })], /invalid input: archiveDir: /],
    ['converge: ttyd map line', ['converge', b64({ ...ws, authentikUser: 'emil\nroot=root' })], /invalid input: authentikUser: /],
    ['host: per-person content', ['host', b64({ ...hostSpec(exampleInputs().site), people: [] })], /invalid input: \(root\): Unrecognized key/],
    ['not base64 at all', ['converge', INJECT], /argument is not base64/],
    ['cutover: os_user', ['cutover', `emo;touch ${PWNED}`], /invalid os_user/],
    ['purge: os_user', ['purge', INJECT], /invalid os_user/],
  ])('%s -> exit 2, nothing done', async (_name, args, message) => {
    const h = host();
    const r = await agent(h, args as string[]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(message);
    expect(await h.exists(PWNED)).toBe(false);
  });

  it('left no trace: no account, no file, no desired state', async () => {
    const h = host();
    const passwd = await h.readFile('/etc/passwd');
    expect(passwd).not.toMatch(/^(emo|eve|x)[^:]*:/m);
    for (const p of [PWNED, '/etc/ttyd-user-map', '/var/lib/workstations/state.json', '/var/lib/workstations/desired', '/home/emo']) {
      expect([p, await h.exists(p)]).toEqual([p, false]);
    }
  });
});
