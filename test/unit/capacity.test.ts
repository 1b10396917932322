// Capacity prerequisites: table-driven, with the printed arithmetic asserted.
import { checkCapacity } from '../../src/capacity/check';
import { derive } from '../../src/desired/derive';
import { loadInputs } from '../../src/roster/load';
import { InvalidInputError } from '../../src/roster/problems';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ROSTER_TEXT, EXAMPLE_SITE_TEXT, exampleInputs } from '../support/inputs';

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
