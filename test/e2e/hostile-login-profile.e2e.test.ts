// The one look as the person (agent/person-look.ts) against a hostile login profile: the
// layout look runs first, so a profile can neither change its answer nor stop it; the Claude
// Code look runs the profile last. Mallory's ~/.bash_profile prints lines shaped like the
// look's own (a kind, an empty line, an absolute path) and then hangs: her converge still
// finishes (the look's 15 s timeout), her forged claude path is not believed (the look did
// not exit 0), her clone is still seen and left alone, nothing of hers keeps running (the
// look runs under timeout(1), which kills the profile's `sleep` with it; runuser alone left
// it running), and another person converges. Nothing outside her own files changes.
import { useTestHost } from '../harness/host';
import { describeE2E } from '../harness/skip';
import { AGENT, linesOf } from './devvm/host-tools';
import { applyCast, castWithMallory } from './devvm/stack';
import { GUARDED, treeChanges, treeState } from './devvm/tree-state';

describeE2E('a hostile login profile against the one look as the person', () => {
  const host = useTestHost();

  it('forged lines and a hang: her layout and clone are looked at as before, her claude is not believed, nothing is left running', async () => {
    const h = host();
    const roster = castWithMallory();
    const { synth } = await applyCast(h, roster);

    const profile = ['echo d', 'echo', 'echo /usr/local/bin/claude', 'sleep 600', ''].join('\n');
    await h.execOk(['sh', '-c', 'cd && printf "%s" "$1" > .bash_profile', 'sh', profile], { user: 'mallory', env: { HOME: '/home/mallory' } });
    const guarded = [...GUARDED, '/home/alice', '/home/wizard', '/home/emo'];
    const before = await treeState(h, guarded);

    const started = Date.now();
    const r = await h.exec(['node', AGENT, 'converge', synth.convergeArg.mallory], { timeoutMs: 180_000 });
    const seconds = (Date.now() - started) / 1000;
    const lines = linesOf(r.stdout, 'mallory');
    expect(lines).toContain('mallory: infra-clone: ok');
    expect(lines.find((l) => l.startsWith('mallory: code-layout:'))).toBeUndefined();
    expect(lines.find((l) => l.startsWith('mallory: claude:'))).toMatch(/^mallory: claude: skipped \(no claude for mallory /);
    // The profile did hang: the converge waited for the look's limit (15 s), and finished.
    expect(seconds).toBeGreaterThan(14);

    // Nothing of hers keeps running (zombies aside: see hostile-fifo.e2e.test.ts).
    const left = (await h.exec(['ps', '-u', 'mallory', '-o', 'pid=,stat=,args='])).stdout.trim().split('\n').filter(Boolean);
    expect(left.filter((l) => l.trim().split(/\s+/)[1] !== 'Z')).toEqual([]);

    const other = await h.exec(['node', AGENT, 'converge', synth.convergeArg.alice]);
    expect(other.code).toBe(0);
    expect(linesOf(other.stdout, 'alice').filter((l) => l.includes('FAILED'))).toEqual([]);
    expect(treeChanges(before, await treeState(h, guarded))).toEqual([]);
  });
});
