// Issue 13 item 7, "don't break what others depend on", on the chroot test host seeded like
// the real devvm: wizard's home is 0751 and his ~/.claude 0755 because emo's
// ~/.claude/{rules,skills} are symlinks into it (one absolute, one relative). Both accounts
// predate the roster (`legacy: true`).
//   - a real apply keeps wizard's home and ~/.claude modes as found (pending cutover), and
//     emo still reads through her links;
//   - `cutover wizard` first walks every other home AS ITS OWNER and names emo's two links
//     (linking person, link path, target); without --break-links it stops with nothing changed;
//   - `cutover wizard --break-links` tightens the home (emo's links stop working), and
//     `rollback wizard` restores the home's and ~/.claude's modes (they work again).
import { useTestHost } from '../harness/host';
import type { TestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { agent, linesOf } from './devvm/host-tools';
import { applyCast, exampleCast } from './devvm/stack';

const WIZ = '/home/wizard';
const asUser = (h: TestHost, user: string, script: string) => h.exec(['sh', '-c', script], { user, env: { HOME: `/home/${user}` } });
const emoReads = async (h: TestHost) => (await asUser(h, 'emo', 'cat ~/.claude/rules/house.md ~/.claude/skills/review/SKILL.md')).stdout;
const mode = async (h: TestHost, p: string) => (await h.stat(p)).mode.toString(8);
const LINKS = `emo's /home/emo/.claude/rules -> /home/wizard/.claude/rules, emo's /home/emo/.claude/skills -> ../../wizard/.claude/skills`;

describeE2E('legacy home modes others rely on: kept until cutover, links into it reported first', () => {
  const host = useTestHost();
  let output: string;

  beforeAll(async () => {
    const h = host();
    await h.execOk(['useradd', '-m', '-u', '1000', '-s', '/bin/bash', 'wizard']);
    await h.execOk(['chmod', '0751', WIZ]);
    await asUser(h, 'wizard', 'umask 022 && mkdir -p ~/.claude/rules ~/.claude/skills/review && echo "house rule" > ~/.claude/rules/house.md && echo "# review" > ~/.claude/skills/review/SKILL.md');
    await h.execOk(['useradd', '-m', '-u', '1001', '-s', '/bin/bash', 'emo']);
    // emo's links: one absolute, one relative; and one elsewhere that is nobody's business.
    await asUser(h, 'emo', 'umask 022 && mkdir -p ~/.claude && ln -s /home/wizard/.claude/rules ~/.claude/rules && ln -s ../../wizard/.claude/skills ~/.claude/skills && ln -s /tmp ~/tmp-link');
    expect(await emoReads(h)).toBe('house rule\n# review\n');
    const roster = exampleCast();
    roster.people.wizard.workstation = { legacy: true };
    ({ output } = await applyCast(h, roster));
  });

  it('a legacy account keeps its home mode as found: wizard stays 0751, his ~/.claude 0755, emo still reads', async () => {
    const h = host();
    const lines = linesOf(output, 'wizard');
    expect(lines).toContain('wizard: home: skipped (pending cutover: home mode 751 -> 700)');
    expect(lines).toContain('wizard: private-dirs: skipped (pending cutover: ~/.claude 755 -> 700; missing ones created)');
    expect(lines.filter((l) => l.includes('FAILED'))).toEqual([]);
    expect([await mode(h, WIZ), await mode(h, `${WIZ}/.claude`)]).toEqual(['751', '755']);
    expect(await emoReads(h)).toBe('house rule\n# review\n');
  });

  it('cutover names the links of others into the home and stops, nothing changed', async () => {
    const h = host();
    const r = await agent(h, ['cutover', 'wizard']);
    expect(r.code).toBe(1);
    expect(linesOf(r.stdout, 'wizard')).toEqual([
      `wizard: links-into-home: FAILED (2 link(s) of others into /home/wizard break when it goes 751 -> 700: ${LINKS}: ask them to move their links (or copy what they link to), then cut over; or cut over with --break-links)`,
      'wizard: cutover: FAILED (nothing changed)',
    ]);
    expect([await mode(h, WIZ), await mode(h, `${WIZ}/.claude`)]).toEqual(['751', '755']);
    expect(await h.exists('/var/lib/workstations/cutover/wizard.json')).toBe(false);
    expect(await emoReads(h)).toBe('house rule\n# review\n');
  });

  it('cutover --break-links tightens the home (the links break); rollback restores both modes', async () => {
    const h = host();
    const r = await agent(h, ['cutover', 'wizard', '--break-links']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = linesOf(r.stdout, 'wizard');
    expect(lines[0]).toBe(`wizard: links-into-home: changed (2 link(s) of others into /home/wizard break when it goes 751 -> 700: ${LINKS}; --break-links given: cutting over)`);
    expect(lines).toContain('wizard: home: changed (mode 751 -> 700)');
    expect([await mode(h, WIZ), await mode(h, `${WIZ}/.claude`)]).toEqual(['700', '700']);
    expect((await asUser(h, 'emo', 'cat ~/.claude/rules/house.md')).code).not.toBe(0);

    const back = await agent(h, ['rollback', 'wizard']);
    expect([back.code, back.stderr]).toEqual([0, '']);
    expect(linesOf(back.stdout, 'wizard')).toEqual(expect.arrayContaining([
      'wizard: restore-home-mode: changed (700 -> 751)',
      'wizard: restore-dir-modes: changed (~/.claude 700 -> 755)',
    ]));
    expect([await mode(h, WIZ), await mode(h, `${WIZ}/.claude`)]).toEqual(['751', '755']);
    expect(await emoReads(h)).toBe('house rule\n# review\n');
  });

  it('a home no one else can enter is not walked: nothing to break', async () => {
    const h = host();
    await h.execOk(['chmod', '0700', '/home/emo']);
    const before = (await h.stat('/home/emo')).mode;
    const r = await agent(h, ['cutover', 'emo', '--force']);
    expect(linesOf(r.stdout, 'emo')[0]).toBe('emo: links-into-home: ok (home is 700: no one else can follow a link into it)');
    expect(before).toBe(0o700);
  });
});
