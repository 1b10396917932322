// The derivation is pure and deterministic; the example roster's desired state is pinned.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { derive } from '../../src/desired/derive';
import { WorkstationState } from '../../src/desired/types';
import { parseRoster } from '../../src/roster/load';
import { formatProblem } from '../../src/roster/problems';
import { validRoster } from '../support/arbitraries';
import { exampleInputs, exampleSite } from '../support/inputs';

const site = exampleSite();

function load(text: string) {
  const r = parseRoster('roster/roster.yaml', text, site);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.value;
}

test('desired state of the example roster', () => {
  const { roster } = exampleInputs();
  expect(derive(roster, site)).toMatchSnapshot();
});

test('tier profiles reach each person of the example roster', () => {
  const { roster } = exampleInputs();
  const byUser = Object.fromEntries(derive(roster, site).people.map((p) => [p.osUser, p]));
  expect(byUser.wizard.workstation).toMatchObject({ unixGroups: ['sudo', 'docker', 'code-shared'], infra: { unlocked: true } });
  expect(byUser.emo.workstation).toMatchObject({ unixGroups: [], infra: { unlocked: false }, state: 'active' });
  // Parking forces the auth sync off even though claude_auth defaults to true.
  expect(byUser.ancamilea.workstation).toMatchObject({ state: 'parked', units: { t3Serve: false, claudeAuthSync: false } });
  expect(byUser.ancamilea.workstation?.kubeconfig.defaultNamespace).toBe('plotting-book');
  expect(byUser.ancamilea.k8sUser).toBe('anca');
  expect(byUser.gheorghe.workstation).toBeNull();
  expect(byUser.gheorghe.authentikGroups).toEqual(['kubernetes-namespace-owners']);
});

test('random valid rosters load, and derive identically every time and in any row order', () => {
  fc.assert(
    fc.property(validRoster(), fc.integer(), (raw, seed) => {
      const text = stringify(raw);
      const once = JSON.stringify(derive(load(text), site));
      const again = JSON.stringify(derive(load(text), site));
      expect(again).toBe(once);
      // Reordering the rows of the roster changes nothing downstream.
      const names = Object.keys(raw.people);
      const rotated = names.map((_, i) => names[(i + Math.abs(seed)) % names.length]);
      const shuffled = { ...raw, people: Object.fromEntries(rotated.map((n) => [n, raw.people[n]])) };
      expect(JSON.stringify(derive(load(stringify(shuffled)), site))).toBe(once);
    }),
    { numRuns: 150 },
  );
});

test('every derived workstation satisfies the schema the host agent checks', () => {
  fc.assert(
    fc.property(validRoster(), (raw) => {
      for (const p of derive(load(stringify(raw)), site).people) {
        if (p.workstation) WorkstationState.parse(p.workstation);
      }
    }),
    { numRuns: 100 },
  );
});
