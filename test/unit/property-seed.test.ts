// Property tests are deterministic and their generators make only valid rosters: a fixed
// seed (FC_SEED overrides it), failures that say how to replay them, and os_users that
// are never system accounts. The seed is set in test/setup/fast-check-seed.ts.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { isSystemAccount } from '../../src/roster/values';
import { isValidOsUser, osUser, validOsUsers, validRoster } from '../support/arbitraries';
import { DEFAULT_FC_SEED, reproduceCommand, seedFromEnv } from '../support/fc-seed';
import { EXAMPLE_ROSTER_TEXT, rosterProblems } from '../support/inputs';

const seed = seedFromEnv(process.env.FC_SEED);

describe('the seed', () => {
  test('is fixed unless FC_SEED says otherwise', () => {
    expect(seedFromEnv(undefined)).toBe(DEFAULT_FC_SEED);
    expect(seedFromEnv('')).toBe(DEFAULT_FC_SEED);
    expect(seedFromEnv('42')).toBe(42);
    expect(seedFromEnv('-7')).toBe(-7);
    expect(seedFromEnv('random')).toBeUndefined();
    expect(() => seedFromEnv('0x10')).toThrow('FC_SEED must be an integer or "random", got "0x10"');
  });

  test('is the one every property runs from', () => {
    expect(fc.readConfigureGlobal().seed).toBe(seed);
    if (seed !== undefined) expect(fc.sample(validRoster(), 5)).toEqual(fc.sample(validRoster(), 5));
  });

  test('a failing property prints its seed and the command that replays it', () => {
    let message = '';
    try {
      fc.assert(fc.property(fc.nat(), (n) => n < 10));
    } catch (err) {
      message = (err as Error).message;
    }
    const shown = seed === undefined ? '-?\\d+' : String(seed);
    expect(message).toMatch(new RegExp(`^Property failed after \\d+ tests\\n\\{ seed: ${shown}, path: "[\\d:]+", endOnFailure: true \\}\\nCounterexample: \\[10\\]`));
    expect(message).toMatch(
      new RegExp(`\\nReproduce with: FC_SEED=${shown} npx jest --selectProjects unit --testPathPatterns test/unit/property-seed\\.test\\.ts -t '\\^the seed a failing property`),
    );
  });

  test('the replay command quotes the test name for the shell and for -t', () => {
    expect(reproduceCommand(7, `${__dirname}/derive.test.ts`, "it's (really) random")).toBe(
      `FC_SEED=7 npx jest --selectProjects unit --testPathPatterns test/unit/derive.test.ts -t '^it'\\''s \\(really\\) random$'`,
    );
    expect(reproduceCommand(7, `${__dirname}/../e2e/x.e2e.test.ts`, undefined)).toBe(
      'FC_SEED=7 npx jest --selectProjects e2e --testPathPatterns test/e2e/x.e2e.test.ts',
    );
  });
});

// Each name here once made a random derive or stack property fail ("is a system account
// name"): the generator drew it from /^[a-z][a-z0-9]{1,8}$/.
describe.each(['lp', 'ftp', 'sys'])('generated counterexample os_user %s', (name) => {
  test('the validator refuses it as a system account', () => {
    expect(rosterProblems(EXAMPLE_ROSTER_TEXT.replace('\n  emo:\n', `\n  ${name}:\n`))).toEqual([
      `roster/roster.yaml:14:3 people.${name}: invalid key "${name}": is a system account name, not a person`,
    ]);
  });

  test('the os_user generator can never produce it', () => {
    expect(isSystemAccount(name)).toBe(true);
    expect(isValidOsUser(name)).toBe(false);
    expect(fc.sample(validOsUsers(fc.constantFrom(name, 'emo')), { numRuns: 50 })).toEqual(Array(50).fill('emo'));
  });
});

test('a roster generated from names that include them never contains them', () => {
  const names = fc.constantFrom('lp', 'ftp', 'sys', 'ann', 'bob', 'cid', 'dan', 'eve');
  fc.assert(
    fc.property(validRoster(8, names), (raw) => {
      expect(Object.keys(raw.people).filter(isSystemAccount)).toEqual([]);
      expect(rosterProblems(stringify(raw))).toEqual([]);
    }),
    { numRuns: 50 },
  );
});

test('generated os_users are never system accounts', () => {
  fc.assert(fc.property(osUser, (name) => !isSystemAccount(name) && isValidOsUser(name)), { numRuns: 2000 });
});

test('generated rosters are valid rosters', () => {
  fc.assert(
    fc.property(validRoster(), (raw) => {
      expect(rosterProblems(stringify(raw))).toEqual([]);
    }),
    { numRuns: 100 },
  );
});
