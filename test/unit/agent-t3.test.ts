// The t3-serve pieces of the host agent without a host (issue 13, items 4-6): sticky port
// adoption and allocation, env files that keep their other lines, the maps keyed by web
// key, which drop-in wins, and when the shipped reconciler must stop the agent.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derive } from '../../src/desired/derive';
import { ALL_WORKSTATIONS, hostSpec, HostSpec } from '../../src/desired/host-specs';
import { WorkstationState } from '../../src/desired/types';
import { parseRoster, parseSite } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { dispatchTable, ttydAdmins, ttydUserMap } from '../../agent/steps/host';
import { envPort, pickPort, PortSources, withPort } from '../../agent/t3-ports';
import { describeForeign, dropInDirNames, dropInsOf, foreignSettings, parseAssignments } from '../../agent/dropins';
import { reconcilerConflict } from '../../agent/steps/reconciler';
import { SLICE_DROPIN_NAME } from '../../agent/paths';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs } from '../support/inputs';

const FIRST = 3773;
const none: PortSources = { state: {}, env: {}, dispatch: {} };

describe('sticky t3 ports', () => {
  test('a port in an existing env file is adopted, before the agent\'s record and dispatch.json', () => {
    expect(pickPort('wizard', { ...none, env: { wizard: 3773 } }, FIRST, true)).toEqual({ port: 3773, source: 'env' });
    expect(pickPort('emo', { state: { emo: 3780 }, env: { emo: 3774 }, dispatch: { emo: 3790 } }, FIRST, true)).toEqual({ port: 3774, source: 'env' });
    expect(pickPort('emo', { state: { emo: 3774 }, env: { emo: 3774 }, dispatch: {} }, FIRST, true)).toEqual({ port: 3774, source: 'state' });
    expect(pickPort('emo', { state: {}, env: {}, dispatch: { emo: 3790 } }, FIRST, true)).toEqual({ port: 3790, source: 'dispatch' });
  });

  test('a new person gets the lowest port nobody has, offboarded people and foreign env files included', () => {
    const sources: PortSources = { state: { gone: 3773 }, env: { wizard: 3774, legacyonly: 3776 }, dispatch: { other: 3775 } };
    expect(pickPort('newbie', sources, FIRST, true)).toEqual({ port: 3777, source: 'allocated' });
    expect(pickPort('newbie', none, FIRST, true)).toEqual({ port: 3773, source: 'allocated' });
  });

  test('while the reconciler writes the env files nothing is allocated', () => {
    expect(pickPort('newbie', { ...none, env: { wizard: 3773 } }, FIRST, false)).toBeUndefined();
  });

  test('a port two people claim is a conflict, and nobody is moved', () => {
    expect(pickPort('emo', { state: { wizard: 3773 }, env: { emo: 3773 }, dispatch: {} }, FIRST, true)).toEqual({
      conflict: "port 3773 of emo (/etc/t3-serve/emo.env) is also wizard's: fix the env files by hand, no port is moved",
    });
  });

  test('an os_user named like a prototype property is just a key', () => {
    expect(pickPort('constructor', none, FIRST, true)).toEqual({ port: 3773, source: 'allocated' });
  });

  test('env files: T3_PORT is read as systemd reads it and set without losing the other lines', () => {
    expect(envPort('T3_PORT=3773\n')).toBe(3773);
    expect(envPort('# x\nexport T3_PORT="3775"\nOTHER=1\n')).toBe(3775);
    expect(envPort('T3_PORT=1\nT3_PORT=3776\n')).toBe(3776);
    expect(envPort('T3_PORT=99999\n')).toBeUndefined();
    expect(envPort('OTHER=1\n')).toBeUndefined();
    expect(withPort(undefined, 3773)).toBe('T3_PORT=3773\n');
    expect(withPort('TOKEN=keep-me\nT3_PORT=3000\n# note\n', 3773)).toBe('TOKEN=keep-me\nT3_PORT=3773\n# note\n');
    expect(withPort('TOKEN=keep-me', 3773)).toBe('TOKEN=keep-me\nT3_PORT=3773\n');
    expect(withPort('T3_PORT=3773\n', 3773)).toBe('T3_PORT=3773\n');
  });
});

describe('maps keyed by web key', () => {
  // Authentik usernames as the homelab has them (emails): the maps key on the local part.
  const rosterText = EXAMPLE_ROSTER_TEXT.replace('authentik_user: vbarzin', 'authentik_user: vbarzin@example.com')
    .replace('authentik_user: emil.barzin', 'authentik_user: emil.barzin@example.com');
  const parsed = parseRoster('roster.yaml', rosterText, exampleInputs().site);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const desired = derive(parsed.value, exampleInputs().site);
  const people = desired.people.flatMap((p) => (p.workstation ? [p.workstation] : []));

  test('the web key reaches the agent\'s input and its schema', () => {
    const wizard = people.find((p) => p.osUser === 'wizard')!;
    expect(wizard.webKey).toBe('vbarzin');
    expect(WorkstationState.parse(wizard).webKey).toBe('vbarzin');
    expect(() => WorkstationState.parse({ ...wizard, webKey: 'a=b' })).toThrow();
    expect(() => WorkstationState.parse({ ...wizard, webKey: undefined })).toThrow();
  });

  test('ttyd user map, admins and dispatch.json use the web key; parked people are left out as their units are', () => {
    expect(ttydUserMap(people)).toMatch(/\nemil\.barzin=emo\nvbarzin=wizard\n$/);
    expect(ttydAdmins(people)).toBe('# Generated by devvm-workstations from the roster. Do not edit: apply the roster instead.\nvbarzin\n');
    const parkedAdmin = people.map((p) => (p.osUser === 'wizard' ? { ...p, state: 'parked' as const } : p));
    expect(ttydAdmins(parkedAdmin)).toBe('# Generated by devvm-workstations from the roster. Do not edit: apply the roster instead.\n');
    expect(ttydUserMap(parkedAdmin)).not.toMatch(/wizard/);
    expect(JSON.parse(dispatchTable(people, { wizard: 3773, emo: 3774, ancamilea: 3775 }))).toEqual({
      'emil.barzin': { os_user: 'emo', port: 3774 },
      vbarzin: { os_user: 'wizard', port: 3773 },
    });
  });

  test('the roster\'s web_key overrides the default', () => {
    const text = EXAMPLE_ROSTER_TEXT.replace(/(\n  wizard:\n(?:    .*\n)*?    workstation:) \{\}/, '$1 { web_key: wiz }');
    const r = parseRoster('roster.yaml', text, exampleInputs().site);
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const w = derive(r.value, exampleInputs().site).people.find((p) => p.osUser === 'wizard')!.workstation!;
    expect(w.webKey).toBe('wiz');
  });
});

describe('which slice drop-in wins', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dropins-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };

  test('systemd reads a unit\'s own directory, its prefixes and its type\'s', () => {
    expect(dropInDirNames('user-1000.slice')).toEqual(['user-1000.slice.d', 'user-.slice.d', 'slice.d']);
    expect(dropInDirNames('foo-bar-baz.service')).toEqual(['foo-bar-baz.service.d', 'foo-bar-.service.d', 'foo-.service.d', 'service.d']);
  });

  test('ours (90-...) sorts after the homelab\'s 50-devvm-resource.conf in the prefix directory and wins', () => {
    const etc = join(root, 'etc');
    put('etc/user-.slice.d/50-devvm-resource.conf', '[Slice]\nMemoryMax=24G\nCPUWeight=100\n');
    put(`etc/user-1000.slice.d/${SLICE_DROPIN_NAME}`, '[Slice]\nMemoryMax=8G\nMemorySwapMax=0\nMemoryHigh=infinity\n');
    const ours = `${etc}/user-1000.slice.d/${SLICE_DROPIN_NAME}`;
    const dropIns = dropInsOf('user-1000.slice', [etc]);
    expect(dropIns.map((d) => d.name)).toEqual(['50-devvm-resource.conf', SLICE_DROPIN_NAME]);
    const found = foreignSettings(dropIns, ours);
    expect(found.map((f) => describeForeign(f, SLICE_DROPIN_NAME))).toEqual([
      `foreign drop-in ${etc}/user-.slice.d/50-devvm-resource.conf sets MemoryMax=24G; ours (${SLICE_DROPIN_NAME}) wins`,
    ]);
  });

  test('a foreign drop-in that sorts after ours is named as the winner', () => {
    const etc = join(root, 'etc');
    put('etc/user-.slice.d/99-late.conf', '[Slice]\nMemoryMax=2G\n');
    put(`etc/user-1000.slice.d/${SLICE_DROPIN_NAME}`, '[Slice]\nMemoryMax=8G\n');
    const found = foreignSettings(dropInsOf('user-1000.slice', [etc]), `${etc}/user-1000.slice.d/${SLICE_DROPIN_NAME}`);
    expect(found).toEqual([{ path: `${etc}/user-.slice.d/99-late.conf`, key: 'MemoryMax', value: '2G', oursWins: false, winner: `${etc}/user-.slice.d/99-late.conf` }]);
  });

  test('a same-named file in a more specific or earlier directory hides the other', () => {
    const [etc, lib] = [join(root, 'etc'), join(root, 'lib')];
    put('lib/user-.slice.d/50-x.conf', 'MemoryMax=1G\n');
    put('etc/user-.slice.d/50-x.conf', 'MemoryMax=2G\n');
    expect(dropInsOf('user-1000.slice', [etc, lib]).map((d) => [d.path, d.keys.MemoryMax])).toEqual([[`${etc}/user-.slice.d/50-x.conf`, '2G']]);
  });

  test('assignments: comments and sections are not keys', () => {
    expect(parseAssignments('# MemoryMax=1G\n[Slice]\n; x=y\nMemoryMax = 3G\n')).toEqual({ MemoryMax: '3G' });
  });
});

describe('one writer at a time', () => {
  const nothing = { active: [], enabled: [], files: [] };
  const timer = { active: ['t3-provision-users.timer'], enabled: ['t3-provision-users.timer'], files: ['/etc/systemd/system/t3-provision-users.timer'] };
  const reconcilerEverywhere = { userMaps: 'reconciler', managedSettings: 'reconciler', units: 'reconciler' } as const;

  test('no reconciler, no conflict; all writers reconciler, no conflict', () => {
    expect(reconcilerConflict(ALL_WORKSTATIONS, nothing)).toBeUndefined();
    expect(reconcilerConflict(reconcilerEverywhere, timer)).toBeUndefined();
  });

  test('the reconciler installed while this product writes a file: refused, naming the runbook step and the writers', () => {
    const msg = reconcilerConflict({ ...reconcilerEverywhere, units: 'workstations' }, timer);
    expect(msg).toBe(
      'the shipped reconciler t3-provision-users is still installed (t3-provision-users.timer active, t3-provision-users.timer enabled, unit files ' +
        '/etc/systemd/system/t3-provision-users.timer) and writes the same files as devvm.writers.units = workstations: two writers would fight. ' +
        'Retire it first (README "Moving today\'s devvm onto the roster", step "Hand over from the reconciler"), or keep those writers at reconciler',
    );
    // Its unit files alone (timer disabled) still count: an enable would bring it back.
    expect(reconcilerConflict(ALL_WORKSTATIONS, { ...nothing, files: ['/etc/systemd/system/t3-provision-users.service'] })).toMatch(
      /devvm\.writers\.units, devvm\.writers\.user_maps, devvm\.writers\.managed_settings = workstations/,
    );
  });

  test('the site\'s writers reach the host spec as a readable structured value', () => {
    const text = `${EXAMPLE_SITE_TEXT.replace(/^devvm:\n/m, 'devvm:\n  writers: { user_maps: reconciler, units: reconciler }\n')}`;
    const site = parseSite('site.yaml', text);
    if (!site.ok) throw new Error(site.problems.map(formatProblem).join('\n'));
    const spec = hostSpec(site.value);
    expect(HostSpec.parse(spec).writers).toEqual({ userMaps: 'reconciler', managedSettings: 'workstations', units: 'reconciler' });
    expect(hostSpec(exampleInputs().site).writers).toEqual(ALL_WORKSTATIONS);
  });
});
