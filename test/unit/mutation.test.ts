// Property: any single mutation that makes a valid roster invalid is reported at the
// line that was changed (people fix what the error points at, so it must point right).
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseRoster } from '../../src/roster/load';
import { RawRoster, validRoster } from '../support/arbitraries';
import { exampleSite } from '../support/inputs';

const site = exampleSite();

type Mutation = (r: RawRoster, name: string, others: string[]) => boolean;

/** Each mutation edits one field of one person; returns false when it does not apply. */
const MUTATIONS: Record<string, Mutation> = {
  'tier typo': (r, n) => ((r.people[n] as unknown as Record<string, unknown>).tier = 'poweruser', true),
  'bad email': (r, n) => ((r.people[n].email = 'not an email'), true),
  'unknown key': (r, n) => (((r.people[n] as unknown as Record<string, unknown>).tierr = 'admin'), true),
  'string boolean': (r, n) => {
    const ws = r.people[n].workstation;
    if (!ws) return false;
    ws.parked = 'yes';
    return true;
  },
  'uid out of range': (r, n) => (r.people[n].uid === undefined ? false : ((r.people[n].uid = 5), true)),
  'retired uid': (r, n) => (r.people[n].uid === undefined ? false : ((r.people[n].uid = 1999), true)),
  'bad namespace': (r, n) => {
    const ns = r.people[n].namespaces;
    if (!ns) return false;
    ns[ns.length - 1] = 'kube-system';
    return true;
  },
  'bad memory size': (r, n) => {
    const ws = r.people[n].workstation;
    if (!ws) return false;
    ws.memory_max = '12GB';
    return true;
  },
  'duplicate email of an earlier person': (r, n, earlier) => {
    if (earlier.length === 0) return false;
    r.people[n].email = r.people[earlier[0]].email.toUpperCase();
    return true;
  },
  'hostile authentik user': (r, n) => ((r.people[n].authentik_user = 'x$(reboot)'), true),
};

test('a single mutation is reported at the mutated line', () => {
  fc.assert(
    fc.property(validRoster(6), fc.nat(), fc.constantFrom(...Object.keys(MUTATIONS)), (raw, pick, kind) => {
      const names = Object.keys(raw.people);
      const index = pick % names.length;
      const mutated: RawRoster = structuredClone(raw);
      fc.pre(MUTATIONS[kind](mutated, names[index], names.slice(0, index)));

      const before = stringify(raw).split('\n');
      const after = stringify(mutated);
      const [first, last] = changedLines(before, after.split('\n'));
      const result = parseRoster('roster/roster.yaml', after, site);
      expect(result.ok).toBe(false);
      // Usually one line; `workstation: {}` growing a key rewrites two lines.
      expect(result.problems.some((p) => p.line >= first && p.line <= last)).toBe(true);
    }),
    { numRuns: 300 },
  );
});

/** 1-based first and last line of `after` that differ from `before` (the edited hunk). */
function changedLines(before: string[], after: string[]): [number, number] {
  let top = 0;
  while (top < after.length && after[top] === before[top]) top++;
  let bottom = 0;
  while (bottom < after.length - top && after[after.length - 1 - bottom] === before[before.length - 1 - bottom]) bottom++;
  return [top + 1, after.length - bottom];
}
