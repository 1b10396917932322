// Capacity prerequisites: table-driven, with the printed arithmetic asserted.
import { checkCapacity, formatRatio } from '../../src/capacity/check';
import { derive } from '../../src/desired/derive';
import { loadInputs, parseRoster, parseSite } from '../../src/roster/load';
import { InvalidInputError } from '../../src/roster/problems';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs, yaml } from '../support/inputs';

const { roster, site } = exampleInputs();
const desired = derive(roster, site);
const withCapacity = (capacity: Partial<typeof site.capacity>) => ({ ...site, capacity: { ...site.capacity, ...capacity } });

const PER_PERSON = 'per person: largest active budget wizard 16G; at most RAM 32G + swap 8G - headroom 4G = 36G';
const DISK = 'disk: 200G - 3 workstation(s) x 10G = 170G; floor 20G';

test.each([
  {
    name: 'fits',
    capacity: {},
    lines: ['overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 32G + swap 8G = 40G: 0.6x (max_overcommit 4)', PER_PERSON, DISK],
    findings: [],
  },
  {
    name: 'swap 0',
    capacity: { swap: '0' },
    lines: [
      'overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 32G + swap 0 = 32G: 0.75x (max_overcommit 4)',
      'per person: largest active budget wizard 16G; at most RAM 32G + swap 0 - headroom 4G = 28G',
      DISK,
    ],
    findings: [{ key: 'swap', message: 'swap is 0: add swap to the devvm first (with swap 0 the OOM killer, not the memory caps, decides; BRIEF section 5)' }],
  },
  {
    name: 'overcommit above max_overcommit',
    capacity: { ram: '8G', swap: '4G', max_overcommit: 1.5 },
    lines: [
      'overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 8G + swap 4G = 12G: 2x (max_overcommit 1.5)',
      'per person: largest active budget wizard 16G; at most RAM 8G + swap 4G - headroom 4G = 8G',
      DISK,
    ],
    findings: [
      {
        key: 'memory',
        tier: 'admin',
        message: 'the admin budget 16G alone exceeds what the devvm can give one person: RAM 8G + swap 4G - headroom 4G = 8G (active at this budget: wizard)',
      },
      {
        key: 'max_overcommit',
        message:
          'overcommit 2x is above max_overcommit 1.5: 2 active (emo 8G + wizard 16G) = 24G against RAM 8G + swap 4G = 12G: 2x (max_overcommit 1.5); add RAM or swap, lower the budgets or park someone',
      },
    ],
  },
  {
    name: 'overcommit is allowed up to max_overcommit (budgets are caps, not use)',
    capacity: { ram: '16G', swap: '4G', max_overcommit: 1.2 },
    lines: [
      'overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 16G + swap 4G = 20G: 1.2x (max_overcommit 1.2)',
      'per person: largest active budget wizard 16G; at most RAM 16G + swap 4G - headroom 4G = 16G',
      DISK,
    ],
    findings: [],
  },
  {
    name: 'the deprecated max_concurrent_active is accepted, ignored and noted',
    capacity: { max_concurrent_active: 1 },
    lines: [
      'overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 32G + swap 8G = 40G: 0.6x (max_overcommit 4)',
      PER_PERSON,
      DISK,
      'note: capacity.max_concurrent_active is deprecated and ignored (every active budget counts against max_overcommit): remove it',
    ],
    findings: [],
  },
  {
    name: 'disk below the floor',
    capacity: { disk: '40G' },
    lines: ['overcommit: 2 active (emo 8G + wizard 16G) = 24G against RAM 32G + swap 8G = 40G: 0.6x (max_overcommit 4)', PER_PERSON, 'disk: 40G - 3 workstation(s) x 10G = 10G; floor 20G'],
    findings: [{ key: 'disk', message: 'disk below floor: 40G - 3 workstation(s) x 10G = 10G; floor 20G' }],
  },
])('$name', ({ capacity, lines, findings }) => {
  const report = checkCapacity(desired, withCapacity(capacity));
  expect(report.lines).toEqual(lines);
  expect(report.findings).toEqual(findings);
});

test.each([
  [2.4, '2.4'], [0.6, '0.6'], [10 / 3, '3.33'], [4, '4'], [0, '0'],
])('the ratio %d prints as %s', (ratio, text) => {
  expect(formatRatio(ratio)).toBe(text);
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

describe('capacity refusals at the line to edit', () => {
  // Own fixtures: a site that writes its budgets (one line each) on 32G RAM + 8G swap -
  // 4G headroom, and a roster whose only problem is emo's raised memory_max.
  const SITE = yaml`
    version: 1
    devvm:
      host_keys: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY
    kubernetes:
      api_server: https://10.0.20.100:6443
    infra_repo:
      url: https://github.com/ViktorBarzin/infra.git
    config_base:
      url: https://github.com/ViktorBarzin/dotfiles.git
    memory_budgets:
      admin: 24G
      power-user: 8G
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
  const withMemoryMax = (size: string) => ROSTER.replace('memory_max: 999T', `memory_max: ${size}`);

  test('one budget larger than the devvm can give one person: at that person\'s memory_max line', () => {
    expect(load(ROSTER)).toBe(
      'roster.yaml:15:19 people.emo.workstation.memory_max: memory_max 999T alone exceeds what the devvm can give one person: ' +
        'RAM 32G + swap 8G - headroom 4G = 36G: lower it (the power-user budget is 8G)',
    );
  });

  test('with the tier budget it fits', () => {
    expect(load(ROSTER.replace('      memory_max: 999T\n', '      parked: false\n'))).toBe('valid');
  });

  test('a tier budget larger than the devvm can give one person: at the site\'s memory_budgets.<tier> line', () => {
    expect(load(withMemoryMax('8G'), SITE.replace('  admin: 24G', '  admin: 48G'))).toBe(
      'site.yaml:11:10 memory_budgets.admin: the admin budget 48G alone exceeds what the devvm can give one person: ' +
        'RAM 32G + swap 8G - headroom 4G = 36G (active at this budget: wizard)',
    );
  });

  test('a raised memory_max that takes the overcommit above max_overcommit: at that person\'s line', () => {
    const strict = SITE.replace('  swap: 8G', '  swap: 8G\n  max_overcommit: 1');
    expect(load(withMemoryMax('20G'), strict)).toBe(
      'roster.yaml:15:19 people.emo.workstation.memory_max: memory_max 20G takes the overcommit above max_overcommit: ' +
        '2 active (emo 20G + wizard 24G) = 44G against RAM 32G + swap 8G = 40G: 1.1x (max_overcommit 1): lower it (the power-user budget is 8G)',
    );
  });

  test('an overcommit above max_overcommit at the tier budgets: at the site\'s max_overcommit line', () => {
    const strict = SITE.replace('  swap: 8G', '  swap: 8G\n  max_overcommit: 0.5');
    expect(load(withMemoryMax('8G'), strict)).toBe(
      'site.yaml:16:19 capacity.max_overcommit: overcommit 0.8x is above max_overcommit 0.5: ' +
        '2 active (emo 8G + wizard 24G) = 32G against RAM 32G + swap 8G = 40G: 0.8x (max_overcommit 0.5); add RAM or swap, lower the budgets or park someone',
    );
  });

  test('a raised memory_max of a parked person is not counted', () => {
    expect(load(ROSTER.replace('      memory_max: 999T\n', '      memory_max: 999T\n      parked: true\n'))).toBe('valid');
  });
});

describe('the homelab as it runs: one 24G budget for everyone, overcommitted', () => {
  const SITE = yaml`
    version: 1
    devvm:
      host_keys: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBTESTKEY
    kubernetes:
      api_server: https://10.0.20.100:6443
    infra_repo:
      url: https://github.com/ViktorBarzin/infra.git
    config_base:
      url: https://github.com/ViktorBarzin/dotfiles.git
  `;
  const tiers = ['admin', 'power-user', 'power-user', 'namespace-owner', 'power-user', 'power-user', 'power-user'];
  const roster = (n: number) =>
    'version: 1\npeople:\n' +
    tiers.slice(0, n).map((tier, i) =>
      `  user${i}:\n    email: user${i}@example.com\n    authentik_user: user${i}@example.com\n    tier: ${tier}\n` +
        (tier === 'namespace-owner' ? `    namespaces: [ns-${i}]\n` : '') +
        `    uid: ${1000 + i}\n    workstation: {}\n`).join('');
  const report = (n: number) => {
    const site = parseSite('site.yaml', SITE);
    const r = site.ok ? parseRoster('roster.yaml', roster(n), site.value) : undefined;
    if (!site.ok || !r?.ok) throw new Error('fixture invalid');
    return checkCapacity(derive(r.value, site.value), site.value);
  };

  test('the site defaults: every tier 24G, max_overcommit 4', () => {
    const site = parseSite('site.yaml', SITE);
    expect(site.ok && site.value.memory_budgets).toEqual({ admin: '24G', 'power-user': '24G', 'namespace-owner': '24G' });
    expect(site.ok && site.value.capacity.max_overcommit).toBe(4);
  });

  test('4 active people at 24G on 32G RAM + 8G swap are accepted, and the arithmetic says so', () => {
    const r = report(4);
    expect(r.lines[0]).toBe('overcommit: 4 active x 24G = 96G against RAM 32G + swap 8G = 40G: 2.4x (max_overcommit 4)');
    expect(r.findings).toEqual([]);
  });

  test('7 active people at 24G are refused by the default max_overcommit (4.2x)', () => {
    expect(report(6).findings).toEqual([]);
    expect(report(7).findings).toEqual([
      {
        key: 'max_overcommit',
        message:
          'overcommit 4.2x is above max_overcommit 4: 7 active x 24G = 168G against RAM 32G + swap 8G = 40G: 4.2x (max_overcommit 4); add RAM or swap, lower the budgets or park someone',
      },
    ]);
  });
});
