// The pure half of cutover's report of other people's links into a home (the walk itself
// runs as each person on the test host: test/e2e/devvm-legacy-links.e2e.test.ts).
import { describeLinks, inside, parsePairs, targetOf } from '../../agent/links-into-home';

describe('links into a home', () => {
  test('targets: absolute ones normalized, relative ones resolved against the link\'s directory', () => {
    expect(targetOf('/home/emo/.claude/rules', '/home/wizard/.claude/rules')).toBe('/home/wizard/.claude/rules');
    expect(targetOf('/home/emo/.claude/skills', '../../wizard/.claude/skills')).toBe('/home/wizard/.claude/skills');
    expect(targetOf('/home/emo/x', '/home//wizard/./a/../b')).toBe('/home/wizard/b');
  });

  test('inside: the home itself or below it, never a sibling with the same prefix', () => {
    expect(inside('/home/wizard', '/home/wizard')).toBe(true);
    expect(inside('/home/wizard/.claude', '/home/wizard')).toBe(true);
    expect(inside('/home/wizard2/x', '/home/wizard')).toBe(false);
    expect(inside('/home', '/home/wizard')).toBe(false);
  });

  test("find's NUL-separated pairs, names with newlines and spaces intact; a cut-off pair dropped", () => {
    expect(parsePairs('/home/emo/a b\0/t\n1\0/home/emo/c\0rel\0')).toEqual([
      { path: '/home/emo/a b', link: '/t\n1' },
      { path: '/home/emo/c', link: 'rel' },
    ]);
    expect(parsePairs('/home/emo/a\0/t\0/home/emo/cut')).toEqual([{ path: '/home/emo/a', link: '/t' }]);
    expect(parsePairs('')).toEqual([]);
  });

  test('the report names the linking person, the link and its target; long lists are cut', () => {
    const links = Array.from({ length: 12 }, (_, i) => ({ owner: 'emo', path: `/home/emo/l${i}`, target: `/home/wizard/t${i}` }));
    expect(describeLinks(links.slice(0, 1))).toBe("emo's /home/emo/l0 -> /home/wizard/t0");
    expect(describeLinks(links)).toMatch(/, emo's \/home\/emo\/l9 -> \/home\/wizard\/t9 and 2 more$/);
  });
});
