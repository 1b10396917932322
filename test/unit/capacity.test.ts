// Capacity prerequisites: table-driven, with the printed arithmetic asserted.
import { checkCapacity } from '../../src/capacity/check';
import { derive } from '../../src/desired/derive';
import { loadInputs } from '../../src/roster/load';
import { InvalidInputError } from '../../src/roster/problems';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs, yaml } from '../support/inputs';

const { roster, site } = exampleInputs();
const desired = derive(roster, site);
const withCapacity = (capacity: Partial<typeof site.capacity>) => ({ ...site, capacity: { ...site.capacity, ...capacity } });

test.each([
  {
    name: 'fits',
    capacity: {},
    lines: [
      'memory: 2 largest active budget(s) of 2 (max_concurrent_active 4): wizard 16G + emo 8G = 24G; available RAM 32G + swap 8G - headroom 4G = 36G',
      'disk: 200G - 3 workstation(s) x 10G = 170G; floor 20G',
    ],
    findings: [],
  },
  {
    name: 'swap 0',
    capacity: { swap: '0' },
    lines: [
      'memory: 2 largest active budget(s) of 2 (max_concurrent_active 4): wizard 16G + emo 8G = 24G; available RAM 32G + swap 0 - headroom 4G = 28G',
      'disk: 200G - 3 workstation(s) x 10G = 170G; floor 20G',
    ],
    findings: [{ key: 'swap', message: 'swap is 0: add swap to the devvm first (with swap 0 the OOM killer, not the memory caps, decides; BRIEF section 5)' }],
  },
  {
    name: 'over budget',
    capacity: { ram: '16G', swap: '4G' },
    lines: [
      'memory: 2 largest active budget(s) of 2 (max_concurrent_active 4): wizard 16G + emo 8G = 24G; available RAM 16G + swap 4G - headroom 4G = 16G',
      'disk: 200G - 3 workstation(s) x 10G = 170G; floor 20G',
    ],
    findings: [
      {
        key: 'ram',
        message:
          'capacity exceeded: 2 largest active budget(s) of 2 (max_concurrent_active 4): wizard 16G + emo 8G = 24G; available RAM 16G + swap 4G - headroom 4G = 16G; need 8G more, or fewer concurrent active workstations',
      },
    ],
  },
  {
    name: 'only the largest max_concurrent_active budgets count',
    capacity: { ram: '16G', swap: '4G', max_concurrent_active: 1 },
    lines: [
      'memory: 1 largest active budget(s) of 2 (max_concurrent_active 1): wizard 16G = 16G; available RAM 16G + swap 4G - headroom 4G = 16G',
      'disk: 200G - 3 workstation(s) x 10G = 170G; floor 20G',
    ],
    findings: [],
  },
  {
    name: 'disk below the floor',
    capacity: { disk: '40G' },
    lines: [
      'memory: 2 largest active budget(s) of 2 (max_concurrent_active 4): wizard 16G + emo 8G = 24G; available RAM 32G + swap 8G - headroom 4G = 36G',
      'disk: 40G - 3 workstation(s) x 10G = 10G; floor 20G',
    ],
    findings: [{ key: 'disk', message: 'disk below floor: 40G - 3 workstation(s) x 10G = 10G; floor 20G' }],
  },
])('$name', ({ capacity, lines, findings }) => {
  const report = checkCapacity(desired, withCapacity(capacity));
  expect(report.lines).toEqual(lines);
  expect(report.findings).toEqual(findings);
});

test('a capacity refusal is a positioned problem at the site key, and stops synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-cap-'));
  writeFileSync(join(dir, 'roster.yaml'), EXAMPLE_ROSTER_TEXT);
  writeFileSync(join(dir, 'site.yaml'), EXAMPLE_SITE_TEXT.replace('  swap: 8G', '  swap: 0'));
  let error: unknown;
  try {
    loadInputs(join(dir, 'roster.yaml'), join(dir, 'site.yaml'));
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidInputError);
  const line = EXAMPLE_SITE_TEXT.split('\n').findIndex((l) => l === '  swap: 8G') + 1;
  expect((error as InvalidInputError).message).toBe(
    `${join(dir, 'site.yaml')}:${line}:9 capacity.swap: swap is 0: add swap to the devvm first (with swap 0 the OOM killer, not the memory caps, decides; BRIEF section 5)`,
  );
});

describe('a person\'s memory_max that breaks the capacity check', () => {
  // Own fixtures: a small site (32G RAM + 8G swap - 4G headroom = 36G) and a roster whose
  // only problem is emo's raised memory_max.
  const SITE = yaml`
    version: 1
    devvm:
      host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITESTKEY
    kubernetes:
      api_server: https://10.0.20.100:6443
    infra_repo:
      url: https://github.com/ViktorBarzin/infra.git
    config_base:
      url: https://github.com/ViktorBarzin/dotfiles.git
    capacity:
      ram: 32G
      swap: 8G
  `;
  const ROSTER = yaml`
    version: 1
    people:
      wizard:
        email: wizard@example.com
        authentik_user: vbarzin
        tier: admin
        uid: 1000
        workstation: {}
      emo:
        email: emo@example.com
        authentik_user: emil.barzin
        tier: power-user
        uid: 1001
        workstation:
          memory_max: 999T
  `;
  const load = (roster: string, site = SITE) => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-cap-'));
    writeFileSync(join(dir, 'roster.yaml'), roster);
    writeFileSync(join(dir, 'site.yaml'), site);
    try {
      loadInputs(join(dir, 'roster.yaml'), join(dir, 'site.yaml'));
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      return (err as InvalidInputError).message.split(join(dir, '/')).join('');
    }
    return 'valid';
  };

  test('is one problem at that person\'s workstation.memory_max line in the roster', () => {
    expect(load(ROSTER)).toBe(
      'roster.yaml:15:19 people.emo.workstation.memory_max: memory_max 999T exceeds the devvm\'s capacity: ' +
        '2 largest active budget(s) of 2 (max_concurrent_active 4): emo 999T + wizard 16G = 1022992G; ' +
        'available RAM 32G + swap 8G - headroom 4G = 36G; need 1022956G more: lower it (the power-user budget is 8G)',
    );
  });

  test('with the tier budget it fits', () => {
    expect(load(ROSTER.replace('      memory_max: 999T\n', '      parked: false\n'))).toBe('valid');
  });

  test('when the site is too small even at the tier budgets, the site capacity is the line to edit', () => {
    expect(load(ROSTER, SITE.replace('  ram: 32G', '  ram: 8G'))).toBe(
      'site.yaml:11:8 capacity.ram: capacity exceeded: 2 largest active budget(s) of 2 (max_concurrent_active 4): ' +
        'emo 999T + wizard 16G = 1022992G; available RAM 8G + swap 8G - headroom 4G = 12G; need 1022980G more, or fewer concurrent active workstations',
    );
  });

  test('a raised memory_max of a parked person is not counted', () => {
    expect(load(ROSTER.replace('      memory_max: 999T\n', '      memory_max: 999T\n      parked: true\n'))).toBe('valid');
  });
});
