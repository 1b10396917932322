// agent/unit-look.ts on a booted systemd: the batched look (three systemctl calls) answers
// what one call per unit answers, for units in every state a converge meets: enabled and
// running, enabled and stopped, disabled, failed, static, masked, unknown, an instance of a
// template that is not installed, and both orders (is-enabled stops at a unit it cannot
// find: the look then asks each unit alone). The module runs inside the host with the
// host's own Node, bundled by esbuild as the agent is.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { describeE2E } from '../harness/skip';
import { useSystemdHost } from '../harness/systemd-host';

const UNITS = [
  't3-serve@ulla.service', // enabled, running
  't3-serve@vic.service', // enabled, stopped
  't3-serve@wes.service', // never enabled
  'claude-auth-sync@ulla.timer', // enabled, waiting
  'claude-auth-sync@ulla.service', // static (no [Install]), ran once
  'dw-fails.service', // failed
  'dw-masked.service', // masked
  'no-such-unit.service', // unknown
  'missing-template@x.service', // instance of a template that is not installed
];
const FILES = ['t3-serve@.service', 'claude-auth-sync@.timer', 'claude-auth-sync@.service', 'dw-fails.service', 'dw-masked.service', 'no-such-unit.service', 'missing-template@.service'];

describeE2E('systemd host: one look at many units answers as one call per unit', () => {
  const host = useSystemdHost();
  const driver = '/usr/local/lib/dw-unit-look.js';
  /**
   * Runs the look and the live calls inside the host; `units`/`files` in this order. `file`:
   * the unit file every unit is taken to be an instance of (default: its own template).
   * systemctl is counted by a wrapper first on PATH (probe runs it by name).
   */
  const compare = async (units: string[], files: string[], file?: string) => {
    const r = await host().execOk(['env', 'PATH=/usr/local/lib/dw-count:/usr/bin:/bin:/usr/sbin:/sbin', 'node', driver, JSON.stringify({ units, files, file })]);
    return JSON.parse(r.stdout) as { look: unknown; live: unknown; calls: number };
  };

  beforeAll(async () => {
    const h = host();
    const out = path.join(h.scratchDir('unit-look-'), 'driver.js');
    const entry = path.join(path.dirname(out), 'entry.ts');
    fs.writeFileSync(
      entry,
      [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        `import { liveUnits, lookUnits } from ${JSON.stringify(path.resolve(__dirname, '../../agent/unit-look'))};`,
        'const { units, files, file } = JSON.parse(process.argv[2]);',
        'const fileOf = (u: string) => file ?? u.replace(/@[^.]*\\./, "@.");',
        "const calls = () => readFileSync('/run/dw-calls', 'utf8').split('\\n').filter(Boolean).length;",
        "writeFileSync('/run/dw-calls', '');",
        'const l = lookUnits(units, files, fileOf);',
        'const answers = (v: typeof l) => ({ installed: files.map(v.installed), enabled: units.map(v.enabled), active: units.map(v.active), failed: units.map(v.failed) });',
        'const look = answers(l);',
        'const made = calls();',
        'console.log(JSON.stringify({ look, live: answers(liveUnits), calls: made }));',
      ].join('\n'),
    );
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node18', format: 'cjs', outfile: out, logLevel: 'silent' });
    fs.copyFileSync(out, `${h.rootDir}${driver}`);
    await h.execOk(['mkdir', '-p', '/usr/local/lib/dw-count']);
    await h.execOk(['tee', '/usr/local/lib/dw-count/systemctl'], { input: '#!/bin/sh\necho "$*" >> /run/dw-calls\nexec /usr/bin/systemctl "$@"\n' });
    await h.execOk(['chmod', '0755', '/usr/local/lib/dw-count/systemctl']);
    for (const u of ['ulla', 'vic', 'wes']) await h.execOk(['useradd', '-m', u]);
    for (const u of ['ulla', 'vic', 'wes']) await h.execOk(['sh', '-c', `mkdir -p /etc/t3-serve && echo T3_PORT=3773 > /etc/t3-serve/${u}.env`]);
    await h.execOk(['tee', '/etc/systemd/system/dw-fails.service'], { input: '[Service]\nType=oneshot\nExecStart=/bin/false\n' });
    // A vendor unit (mask puts its link to /dev/null in /etc/systemd/system).
    await h.execOk(['mkdir', '-p', '/usr/local/lib/systemd/system']);
    await h.execOk(['tee', '/usr/local/lib/systemd/system/dw-masked.service'], { input: '[Service]\nExecStart=/bin/true\n' });
    await h.execOk(['systemctl', 'daemon-reload']);
    await h.execOk(['systemctl', 'mask', 'dw-masked.service']);
    await h.execOk(['systemctl', 'enable', '--now', 't3-serve@ulla.service', 'claude-auth-sync@ulla.timer']);
    await h.execOk(['systemctl', 'enable', 't3-serve@vic.service']);
    await h.execOk(['systemctl', 'start', 'claude-auth-sync@ulla.service']);
    await h.exec(['systemctl', 'start', 'dw-fails.service']);
  });

  it('every state, in the look and live', async () => {
    const r = await compare(UNITS, FILES);
    expect(r.look).toEqual(r.live);
    // What systemd says, spelled out: the look is not just equal, it is right.
    expect(r.look).toEqual({
      installed: [true, true, true, true, true, false, false],
      enabled: [true, true, false, true, false, false, false, false, false],
      active: [true, false, false, true, false, false, false, false, false],
      failed: [false, false, false, false, false, true, false, false, false],
    });
    // list-unit-files, one is-enabled over the units with a file, one is-active.
    expect(r.calls).toBe(3);
  });

  it('is-enabled stopping at a unit without a file: the look asks each unit alone and still agrees', async () => {
    // Every unit taken as an instance of an installed file, so is-enabled meets the unknown
    // ones (as it would a file removed between the two calls) and stops: short answer.
    for (const order of [UNITS, [...UNITS].reverse(), [UNITS[7], ...UNITS.slice(0, 7)]]) {
      const r = await compare(order, FILES, 't3-serve@.service');
      expect(r.look).toEqual(r.live);
      // The three calls, then is-enabled once more for each unit.
      expect(r.calls).toBe(3 + order.length);
    }
  });

  it('in any order, the look agrees', async () => {
    for (const order of [[...UNITS].reverse(), [UNITS[8], UNITS[7], ...UNITS.slice(0, 7)]]) {
      const r = await compare(order, [...FILES].reverse());
      expect(r.look).toEqual(r.live);
      expect(r.calls).toBe(3);
    }
  });
});
